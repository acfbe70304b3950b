/**
 * The latest run and, for each document the model has read, the vocabulary
 * of its latest run. The inspector draws the latest run; the hover provider
 * looks words up in the document's vocabulary.
 */
import * as vscode from 'vscode';
import { InspectorRun } from './messages';
import { ModelRun } from './model/run';

export class RunStore implements vscode.Disposable {
  private latestRun: InspectorRun | undefined;
  private latestModel: ModelRun | undefined;
  private nextSequence = 1;
  private readonly vocabularies = new Map<string, ReadonlyMap<string, number>>();
  private readonly changeEmitter = new vscode.EventEmitter<InspectorRun>();
  private readonly closeListener: vscode.Disposable;

  /** Fires with every new run. */
  readonly onDidChange = this.changeEmitter.event;

  constructor() {
    this.closeListener = vscode.workspace.onDidCloseTextDocument((document) => {
      this.vocabularies.delete(document.uri.toString());
    });
  }

  get latest(): InspectorRun | undefined {
    return this.latestRun;
  }

  /** The full model run behind `latest`, with every stage. */
  get latestModelRun(): ModelRun | undefined {
    return this.latestModel;
  }

  /** The document the latest run read. */
  get latestDocument(): vscode.Uri | undefined {
    return this.latestRun === undefined
      ? undefined
      : vscode.Uri.parse(this.latestRun.input.document);
  }

  /** Returns the sequence number the next run gets. */
  claimSequence(): number {
    return this.nextSequence++;
  }

  /** Records a run and notifies listeners; a run older than the latest is dropped. */
  add(inspectorRun: InspectorRun, modelRun: ModelRun): void {
    if (this.latestRun !== undefined && inspectorRun.sequence < this.latestRun.sequence) {
      return;
    }
    this.latestRun = inspectorRun;
    this.latestModel = modelRun;
    const ids = new Map(inspectorRun.payload.vocabulary.map((word, id) => [word, id]));
    this.vocabularies.set(inspectorRun.input.document, ids);
    this.changeEmitter.fire(inspectorRun);
  }

  /** Returns the vocabulary of the latest run on `document`, if any. */
  vocabularyOf(document: vscode.TextDocument): ReadonlyMap<string, number> | undefined {
    return this.vocabularies.get(document.uri.toString());
  }

  dispose(): void {
    this.closeListener.dispose();
    this.changeEmitter.dispose();
  }
}
