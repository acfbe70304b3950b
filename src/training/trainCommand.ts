/**
 * Tiny LLM: Train on Document. Trains a fresh model on the active document
 * in a worker thread, with a cancellable progress notification showing the
 * epoch and loss, then saves the model and uses it from then on. A second
 * run while one is going is rejected.
 */
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import * as vscode from 'vscode';
import { decodeModelFile } from '../model/train/modelFile';
import { EpochReport, TrainOptions, TrainedModel } from '../model/train/train';
import { TrainingProgress } from '../messages';
import { UserFacingError } from '../predictCommand';
import { readTrainingSettings } from '../settings';
import { ModelStore } from './modelStore';
import { TrainRequest, WorkerMessage } from './workerProtocol';

/** Options a caller may pass to the command, over the settings. */
export type TrainCommandOptions = Partial<Pick<TrainOptions, 'epochs' | 'learningRate'>>;

export class TrainingController implements vscode.Disposable {
  private running: { worker: Worker; cancel: Int32Array; epochs: number } | undefined;
  private readonly progressEmitter = new vscode.EventEmitter<TrainingProgress>();

  /** Fires after every epoch and when a run ends. */
  readonly onDidProgress = this.progressEmitter.event;

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly models: ModelStore,
    private readonly log: vscode.LogOutputChannel,
  ) {}

  get isRunning(): boolean {
    return this.running !== undefined;
  }

  /** Number of epochs the running training has finished; 0 when none runs. */
  get finishedEpochs(): number {
    return this.running?.epochs ?? 0;
  }

  /** Trains on the active editor's document; resolves with the model, or undefined when cancelled. */
  async train(overrides: TrainCommandOptions = {}): Promise<TrainedModel | undefined> {
    if (this.running !== undefined) {
      throw new UserFacingError(
        'Tiny LLM is already training. Cancel it or wait for it to finish.',
      );
    }
    const editor = vscode.window.activeTextEditor;
    if (editor === undefined) {
      throw new UserFacingError('Open the text to train on, then run Tiny LLM: Train on Document.');
    }
    const document = path.basename(editor.document.uri.path) || editor.document.uri.toString();
    const options: Partial<TrainOptions> = {
      ...readTrainingSettings(this.log),
      ...overrides,
      document,
    };
    const text = editor.document.getText();

    this.log.info(
      `Training started on ${document}: ${options.epochs} epochs, learning rate ${options.learningRate}`,
    );
    const started = performance.now();
    return vscode.window.withProgress(
      {
        location: vscode.ProgressLocation.Notification,
        title: `Tiny LLM: training on ${document}`,
        cancellable: true,
      },
      async (progress, token) => {
        const model = await this.runWorker(
          text,
          options,
          document,
          (report) => {
            progress.report({
              message: `epoch ${report.epoch} of ${report.epochs}, loss ${report.loss.toFixed(3)}`,
              increment: 100 / report.epochs,
            });
          },
          token,
        );
        if (model === undefined) {
          this.log.info(`Training on ${document} cancelled`);
          return undefined;
        }
        await this.models.save(model);
        const seconds = ((performance.now() - started) / 1000).toFixed(1);
        const accuracy =
          model.info.accuracy === undefined
            ? ''
            : `, ${(model.info.accuracy * 100).toFixed(1)}% of next words right`;
        this.log.info(
          `Training finished in ${seconds} s: final loss ${model.info.finalLoss.toFixed(4)}${accuracy}`,
        );
        void vscode.window.showInformationMessage(
          `Tiny LLM trained on ${document} in ${seconds} s: loss ${model.info.finalLoss.toFixed(3)}${accuracy}.`,
        );
        return model;
      },
    );
  }

  private runWorker(
    text: string,
    options: Partial<TrainOptions>,
    document: string,
    onEpoch: (report: EpochReport) => void,
    token: vscode.CancellationToken,
  ): Promise<TrainedModel | undefined> {
    const cancelFlag = new SharedArrayBuffer(4);
    const request: TrainRequest = { text, options, cancelFlag };
    const script = vscode.Uri.joinPath(this.extensionUri, 'dist', 'trainWorker.js').fsPath;
    const worker = new Worker(script, { workerData: request });
    const cancel = new Int32Array(cancelFlag);
    this.running = { worker, cancel, epochs: 0 };
    const losses: number[] = [];
    const subscription = token.onCancellationRequested(() => Atomics.store(cancel, 0, 1));

    return new Promise<TrainedModel | undefined>((resolve, reject) => {
      const finish = (state: TrainingProgress['state']): void => {
        subscription.dispose();
        this.running = undefined;
        this.progressEmitter.fire({ document, losses, epochs: options.epochs ?? 0, state });
        void worker.terminate();
      };
      worker.on('message', (message: WorkerMessage) => {
        switch (message.type) {
          case 'epoch':
            losses.push(message.report.loss);
            if (this.running !== undefined) {
              this.running.epochs = message.report.epoch;
            }
            onEpoch(message.report);
            this.progressEmitter.fire({
              document,
              losses,
              epochs: message.report.epochs,
              state: 'running',
            });
            break;
          case 'done':
            finish('done');
            try {
              resolve(decodeModelFile(message.model));
            } catch (error) {
              reject(error);
            }
            break;
          case 'failed':
            if (message.reason === 'cancelled') {
              finish('cancelled');
              resolve(undefined);
            } else {
              finish('failed');
              this.log.error(`Training failed: ${message.message}`);
              reject(
                message.reason === 'error'
                  ? new Error(message.message)
                  : new UserFacingError(`Training stopped: ${message.message}`),
              );
            }
            break;
        }
      });
      worker.on('error', (error) => {
        finish('failed');
        reject(error);
      });
    });
  }

  /** Stops a running training, if any. */
  cancel(): void {
    if (this.running !== undefined) {
      Atomics.store(this.running.cancel, 0, 1);
    }
  }

  dispose(): void {
    if (this.running !== undefined) {
      void this.running.worker.terminate();
      this.running = undefined;
    }
    this.progressEmitter.dispose();
  }
}
