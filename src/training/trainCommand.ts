/**
 * Tiny LLM: Train on Document. Trains a fresh model on the active document
 * in a worker thread, with a cancellable progress notification showing the
 * epoch and loss, then saves the model and uses it from then on. A second
 * run while one is going is rejected.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { EpochReport, TrainOptions, TrainedModel } from '../model/train/train';
import { TrainingProgress } from '../messages';
import { UserFacingError } from '../predictCommand';
import { readTrainingSettings } from '../settings';
import { ModelStore } from './modelStore';
import { TrainingJob, TrainingOutcome } from './trainingJob';

/** Options a caller may pass to the command, over the settings. */
export type TrainCommandOptions = Partial<Pick<TrainOptions, 'epochs' | 'learningRate'>>;

/** The loss curve's state after each way a run can end. */
const PROGRESS_STATES: Record<TrainingOutcome['kind'], TrainingProgress['state']> = {
  done: 'done',
  failed: 'failed',
  cancelled: 'cancelled',
  stopped: 'cancelled',
};

export class TrainingController implements vscode.Disposable {
  private running: TrainingJob | undefined;
  private disposed = false;
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
    return this.running?.finishedEpochs ?? 0;
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

  private async runWorker(
    text: string,
    options: Partial<TrainOptions>,
    document: string,
    onEpoch: (report: EpochReport) => void,
    token: vscode.CancellationToken,
  ): Promise<TrainedModel | undefined> {
    const script = vscode.Uri.joinPath(this.extensionUri, 'dist', 'trainWorker.js').fsPath;
    const losses: number[] = [];
    const job = new TrainingJob(script, text, options, (report) => {
      losses.push(report.loss);
      onEpoch(report);
      this.progressEmitter.fire({ document, losses, epochs: report.epochs, state: 'running' });
    });
    this.running = job;
    const subscription = token.onCancellationRequested(() => job.cancel());
    const outcome = await job.result;
    subscription.dispose();
    if (this.running === job) {
      this.running = undefined;
    }

    const state = PROGRESS_STATES[outcome.kind];
    if (!this.disposed) {
      const message = outcome.kind === 'failed' ? outcome.message : undefined;
      this.progressEmitter.fire({ document, losses, epochs: options.epochs ?? 0, state, message });
    }
    switch (outcome.kind) {
      case 'done':
        return outcome.model;
      case 'cancelled':
      case 'stopped':
        return undefined;
      case 'failed':
        this.log.error(`Training failed: ${outcome.message}`);
        throw outcome.reason === 'error'
          ? new Error(outcome.message)
          : new UserFacingError(`Training stopped: ${outcome.message}`);
    }
  }

  /** Stops a running training, if any, before its next step. */
  cancel(): void {
    this.running?.cancel();
  }

  /** Ends a running training at once, so no worker outlives the extension. */
  dispose(): void {
    this.disposed = true;
    void this.running?.stop();
    this.running = undefined;
    this.progressEmitter.dispose();
  }
}
