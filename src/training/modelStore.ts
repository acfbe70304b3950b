/**
 * The trained model, if any: loaded from the extension's global storage at
 * activation, replaced after training and removed by a reset. A file that
 * cannot be read is left in place, reported, and the seeded untrained
 * weights are used. Saving writes a temporary file and renames it, so a
 * crash mid-save never leaves a half-written model.
 */
import * as vscode from 'vscode';
import { ModelFileError } from '../model/safetensors';
import { decodeModelFile, encodeModelFile } from '../model/train/modelFile';
import { TrainedModel } from '../model/train/train';

const MODEL_FILE = 'model.safetensors';

export class ModelStore implements vscode.Disposable {
  private model: TrainedModel | undefined;
  private readonly changeEmitter = new vscode.EventEmitter<TrainedModel | undefined>();

  /** Fires when the model is trained, loaded or reset. */
  readonly onDidChange = this.changeEmitter.event;

  constructor(
    private readonly storageUri: vscode.Uri,
    private readonly log: vscode.LogOutputChannel,
  ) {}

  get current(): TrainedModel | undefined {
    return this.model;
  }

  /** The saved model's file. */
  get fileUri(): vscode.Uri {
    return vscode.Uri.joinPath(this.storageUri, MODEL_FILE);
  }

  /**
   * Loads the saved model, if there is one. Otherwise, or when the file is
   * rejected, the untrained weights are used. Read and decode errors are
   * caught, logged and shown, so the promise resolves.
   */
  async load(): Promise<void> {
    const previous = this.model;
    this.model = undefined;
    let bytes: Uint8Array;
    try {
      bytes = await vscode.workspace.fs.readFile(this.fileUri);
    } catch {
      // No saved model: the untrained weights are used.
      if (previous !== undefined) {
        this.changeEmitter.fire(undefined);
      }
      return;
    }
    try {
      this.model = decodeModelFile(bytes);
      this.log.info(
        `Loaded the trained model from ${this.fileUri.fsPath} (trained on ${this.model.info.document})`,
      );
      this.changeEmitter.fire(this.model);
    } catch (error) {
      const reason = error instanceof ModelFileError ? error.message : String(error);
      this.log.error(`Rejected the saved model ${this.fileUri.fsPath}: ${reason}`);
      void vscode.window.showWarningMessage(
        `Tiny LLM could not load its saved model (${reason}). It uses untrained weights ` +
          'until you train again; the file was left in place.',
      );
      if (previous !== undefined) {
        this.changeEmitter.fire(undefined);
      }
    }
  }

  /** Makes `model` current and saves it. */
  async save(model: TrainedModel): Promise<void> {
    await vscode.workspace.fs.createDirectory(this.storageUri);
    const temporary = vscode.Uri.joinPath(this.storageUri, `${MODEL_FILE}.tmp`);
    await vscode.workspace.fs.writeFile(temporary, encodeModelFile(model));
    await vscode.workspace.fs.rename(temporary, this.fileUri, { overwrite: true });
    this.model = model;
    this.log.info(`Saved the trained model to ${this.fileUri.fsPath}`);
    this.changeEmitter.fire(model);
  }

  /** Returns to the seeded untrained weights and deletes the saved model. */
  async reset(): Promise<void> {
    this.model = undefined;
    try {
      await vscode.workspace.fs.delete(this.fileUri);
    } catch {
      // Nothing was saved.
    }
    this.log.info('Reset the model to untrained weights');
    this.changeEmitter.fire(undefined);
  }

  dispose(): void {
    this.changeEmitter.dispose();
  }
}
