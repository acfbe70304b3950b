/**
 * One training run in a worker thread, without any VS Code dependency so
 * that plain Node tests can drive it. The job reports each epoch, can be
 * cancelled between steps, and can be stopped at once when the extension
 * deactivates. Its result settles on the worker's exit event, which fires
 * however the worker ends.
 */
import { Worker } from 'node:worker_threads';
import { decodeModelFile } from '../model/train/modelFile';
import { EpochReport, TrainOptions, TrainedModel } from '../model/train/train';
import { TrainRequest, WorkerMessage } from './workerProtocol';

export type TrainingOutcome =
  | { readonly kind: 'done'; readonly model: TrainedModel }
  | { readonly kind: 'cancelled' }
  /** Ended by `stop()` or by the worker exiting without a result. */
  | { readonly kind: 'stopped' }
  | {
      readonly kind: 'failed';
      readonly reason: 'diverged' | 'invalid' | 'error';
      readonly message: string;
    };

export class TrainingJob {
  /** Settles once, when the worker has ended. */
  readonly result: Promise<TrainingOutcome>;
  private readonly worker: Worker;
  private readonly cancelFlag = new Int32Array(new SharedArrayBuffer(4));
  private epochs = 0;
  private ended = false;

  constructor(
    workerScript: string,
    text: string,
    options: Partial<TrainOptions>,
    onEpoch: (report: EpochReport) => void,
  ) {
    const request: TrainRequest = {
      text,
      options,
      cancelFlag: this.cancelFlag.buffer as SharedArrayBuffer,
    };
    this.worker = new Worker(workerScript, { workerData: request });
    this.result = new Promise<TrainingOutcome>((resolve) => {
      let outcome: TrainingOutcome | undefined;
      this.worker.on('message', (message: WorkerMessage) => {
        if (this.ended) {
          return;
        }
        if (message.type === 'epoch') {
          this.epochs = message.report.epoch;
          onEpoch(message.report);
        } else if (message.type === 'done') {
          try {
            outcome = { kind: 'done', model: decodeModelFile(message.model) };
          } catch (error) {
            outcome = { kind: 'failed', reason: 'error', message: String(error) };
          }
          void this.worker.terminate();
        } else if (message.reason === 'cancelled') {
          outcome = { kind: 'cancelled' };
          void this.worker.terminate();
        } else {
          outcome = { kind: 'failed', reason: message.reason, message: message.message };
          void this.worker.terminate();
        }
      });
      this.worker.on('error', (error) => {
        outcome ??= { kind: 'failed', reason: 'error', message: error.stack ?? error.message };
      });
      this.worker.on('exit', () => {
        this.ended = true;
        resolve(outcome ?? { kind: 'stopped' });
      });
    });
  }

  /** Number of epochs finished so far. */
  get finishedEpochs(): number {
    return this.epochs;
  }

  /** Whether the worker is still running. */
  get isRunning(): boolean {
    return !this.ended;
  }

  /** Asks the worker to stop before its next step; the result becomes `cancelled`. */
  cancel(): void {
    Atomics.store(this.cancelFlag, 0, 1);
  }

  /** Ends the worker at once and waits until it has exited. */
  async stop(): Promise<void> {
    this.ended = true;
    await this.worker.terminate();
    await this.result;
  }
}
