/**
 * Activation: wires the model's commands, hover, status bar and inspector
 * together. Each piece lives in its own module, and this file contains no
 * logic of its own beyond reporting a command's failure.
 */
import * as vscode from 'vscode';
import { useKernels } from './model/kernels/runtime';
import { INSPECTOR_VIEW_TYPE, InspectorPanel } from './inspector/inspectorPanel';
import { exportHeatmap, exportTrace } from './exportCommands';
import { TokenHoverProvider } from './hoverProvider';
import { HeatmapFormat, RunInput, RunSource, SavedInspectorState, isRunInput } from './messages';
import { PredictCommand, UserFacingError } from './predictCommand';
import { RunStore } from './runStore';
import { SelectionFollower } from './selectionFollower';
import { SETTINGS_SECTION, resetReportedProblems } from './settings';
import { ContinueOptions, continueText } from './continueCommand';
import { ModelStore } from './training/modelStore';
import { TrainCommandOptions, TrainingController } from './training/trainCommand';

/** The API that `activate` returns: views of the extension's state, for tests and other extensions. */
export interface TinyLlmApi {
  /** Returns whether the inspector panel is open. */
  isInspectorOpen(): boolean;
  /** Returns the sequence number of the latest run, or 0 before the first. */
  latestSequence(): number;
  /** Returns whether a training run is going on. */
  isTraining(): boolean;
  /** Returns the number of epochs the running training has finished, 0 when none runs. */
  trainingEpochs(): number;
  /** Returns the path of the saved model file, which may not exist. */
  modelFile(): string;
  /** Loads the saved model file again, as at activation. */
  reloadModel(): Promise<void>;
  /** Returns whether a trained model is in use. */
  isTrained(): boolean;
}

export async function activate(context: vscode.ExtensionContext): Promise<TinyLlmApi> {
  // The extension host is shared by every extension: the model's runs here
  // are small, and a second busy thread would only compete with the editor.
  useKernels('wasm', { threads: false });
  const log = vscode.window.createOutputChannel('Tiny LLM', { log: true });
  const store = new RunStore();
  const models = new ModelStore(context.globalStorageUri, log);
  const training = new TrainingController(context.extensionUri, models, log);
  const statusBar = vscode.window.createStatusBarItem(
    'tinyLlm.prediction',
    vscode.StatusBarAlignment.Right,
    100,
  );
  statusBar.name = 'Tiny LLM Prediction';
  statusBar.command = 'tinyLlm.openInspector';

  const showInspector = (): void => {
    InspectorPanel.createOrShow(context.extensionUri, store, log);
  };
  const predict = new PredictCommand(store, models, statusBar, showInspector, log);

  context.subscriptions.push(
    log,
    store,
    models,
    training,
    statusBar,
    vscode.commands.registerCommand('tinyLlm.predictNextWord', () =>
      reportFailure(log, 'Predict Next Word', () => predict.execute()),
    ),
    vscode.commands.registerCommand('tinyLlm.openInspector', () =>
      reportFailure(log, 'Open Attention Inspector', showInspector),
    ),
    vscode.commands.registerCommand('tinyLlm.exportTrace', (target?: vscode.Uri) =>
      reportFailureAsync(log, 'Export Trace', () => exportTrace(store, target)),
    ),
    vscode.commands.registerCommand(
      'tinyLlm.exportHeatmap',
      (format?: HeatmapFormat, target?: vscode.Uri) =>
        reportFailureAsync(log, 'Export Heatmap', () => exportHeatmap(store, format, target)),
    ),
    vscode.commands.registerCommand('tinyLlm.trainOnDocument', (options?: TrainCommandOptions) =>
      reportFailureAsync(log, 'Train on Document', () => training.train(options)),
    ),
    vscode.commands.registerCommand('tinyLlm.resetModel', () =>
      reportFailureAsync(log, 'Reset Model', async () => {
        await models.reset();
        void vscode.window.showInformationMessage('Tiny LLM is back to its seeded random weights.');
      }),
    ),
    vscode.commands.registerCommand('tinyLlm.continueText', (options?: ContinueOptions) =>
      reportFailureAsync(log, 'Continue Text', () => continueText(models, log, options)),
    ),
    // The inspector shows the loss curve while training runs.
    training.onDidProgress((progress) => InspectorPanel.instance?.showTraining(progress)),
    // A new or reset model takes over the run on screen at once.
    models.onDidChange(() => {
      const latest = store.latest;
      if (latest !== undefined) {
        reportFailure(log, 'Update the inspector', () =>
          predict.restore(latest.input, latest.source),
        );
      }
    }),
    new SelectionFollower((editor) => predict.execute(editor, { quiet: true }), log),
    // Shows the export commands in the Command Palette once there is a run to export.
    store.onDidChange(() => vscode.commands.executeCommand('setContext', 'tinyLlm.hasRun', true)),
    vscode.languages.registerHoverProvider({ pattern: '**' }, new TokenHoverProvider(store)),
    vscode.window.registerWebviewPanelSerializer(INSPECTOR_VIEW_TYPE, {
      deserializeWebviewPanel: async (panel, state: unknown) => {
        InspectorPanel.revive(panel, context.extensionUri, store, log);
        const saved = state as Partial<SavedInspectorState> | undefined;
        if (store.latest === undefined && isRunInput(saved?.input) && saved?.source) {
          reportFailure(log, 'Restore the inspector', () =>
            predict.restore(saved.input as RunInput, saved.source as RunSource),
          );
        }
      },
    }),
    vscode.workspace.onDidChangeConfiguration((event) => {
      if (event.affectsConfiguration(SETTINGS_SECTION)) {
        resetReportedProblems();
      }
    }),
  );
  await models.load();
  log.info('Tiny LLM activated');

  return {
    isInspectorOpen: () => InspectorPanel.isOpen(),
    latestSequence: () => store.latest?.sequence ?? 0,
    isTraining: () => training.isRunning,
    trainingEpochs: () => training.finishedEpochs,
    modelFile: () => models.fileUri.fsPath,
    reloadModel: () => models.load(),
    isTrained: () => models.current !== undefined,
  };
}

/**
 * Runs a command's handler. A failure is logged in full and shown to the
 * user in one sentence; the command then returns undefined.
 */
function reportFailure<T>(
  log: vscode.LogOutputChannel,
  command: string,
  handler: () => T,
): T | undefined {
  try {
    return handler();
  } catch (error) {
    if (error instanceof UserFacingError) {
      void vscode.window.showWarningMessage(error.message);
      return undefined;
    }
    log.error(`${command} failed`, error);
    void vscode.window.showErrorMessage(
      `Tiny LLM: ${command} failed: ${error instanceof Error ? error.message : String(error)}. See the Tiny LLM output for details.`,
    );
    return undefined;
  }
}

/** Awaits an async command's handler and reports its failure like `reportFailure`. */
async function reportFailureAsync<T>(
  log: vscode.LogOutputChannel,
  command: string,
  handler: () => Promise<T>,
): Promise<T | undefined> {
  try {
    return await handler();
  } catch (error) {
    return reportFailure(log, command, () => {
      throw error;
    });
  }
}

export function deactivate(): void {}
