/**
 * The training worker: trains the model on the text it was started with,
 * off the extension host's thread, because every extension shares that
 * thread and a blocked host freezes the whole editor. Built to
 * dist/trainWorker.js.
 */
import { readlinkSync } from 'node:fs';
import { constants, setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import { encodeModelFile } from '../model/train/modelFile';
import { TrainingCancelledError, TrainingDivergedError, trainModel } from '../model/train/train';
import { useKernels } from '../model/kernels/runtime';
import { TrainRequest, WorkerMessage } from './workerProtocol';

function post(message: WorkerMessage): void {
  parentPort?.postMessage(message);
}

/**
 * Gives this thread the lowest CPU priority, so that on a busy machine the
 * editor's own threads run first. Linux keeps a nice value per thread, and
 * /proc/thread-self names this thread's id; elsewhere the priority stays.
 */
function lowerPriority(): void {
  try {
    const threadId = Number(readlinkSync('/proc/thread-self').split('/').pop());
    setPriority(threadId, constants.priority.PRIORITY_LOW);
  } catch {
    // Not Linux, or not allowed: train at normal priority.
  }
}

function run(request: TrainRequest): void {
  lowerPriority();
  // A helper thread would run at normal priority beside the editor.
  useKernels('wasm', { threads: false });
  const cancelled = new Int32Array(request.cancelFlag);
  try {
    const model = trainModel(request.text, request.options, {
      onEpoch: (report) => post({ type: 'epoch', report }),
      shouldStop: () => Atomics.load(cancelled, 0) === 1,
    });
    post({ type: 'done', model: encodeModelFile(model) });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (error instanceof TrainingCancelledError) {
      post({ type: 'failed', reason: 'cancelled', message });
    } else if (error instanceof TrainingDivergedError) {
      post({ type: 'failed', reason: 'diverged', message });
    } else if (error instanceof RangeError) {
      post({ type: 'failed', reason: 'invalid', message });
    } else {
      post({
        type: 'failed',
        reason: 'error',
        message: error instanceof Error ? (error.stack ?? message) : message,
      });
    }
  }
}

run(workerData as TrainRequest);
