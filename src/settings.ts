/**
 * Reads the model's settings from the `tinyLlm` configuration section. A bad
 * value is replaced by its default, and the user is told which setting, its
 * value and the accepted range, once per distinct problem.
 */
import * as vscode from 'vscode';
import { ModelConfig, validateConfig } from './model/config';

export const SETTINGS_SECTION = 'tinyLlm';

const reportedProblems = new Set<string>();

/** Returns the model configuration from the user's settings. */
export function readModelConfig(log: vscode.LogOutputChannel): ModelConfig {
  const section = vscode.workspace.getConfiguration(SETTINGS_SECTION);
  const { config, problems } = validateConfig({
    embeddingSize: section.get('embeddingSize'),
    heads: section.get('heads'),
    feedForwardSize: section.get('feedForwardSize'),
    seed: section.get('seed'),
    causalMask: section.get('causalMask'),
    contextLength: section.get('contextLength'),
  });
  for (const problem of problems) {
    const message = `Invalid setting: ${SETTINGS_SECTION}.${problem.message}. Using the default meanwhile.`;
    if (reportedProblems.has(message)) {
      continue;
    }
    reportedProblems.add(message);
    log.warn(message);
    void vscode.window.showWarningMessage(message, 'Open Settings').then((choice) => {
      if (choice === 'Open Settings') {
        void vscode.commands.executeCommand(
          'workbench.action.openSettings',
          `${SETTINGS_SECTION}.${problem.key}`,
        );
      }
    });
  }
  return config;
}

/** Forgets the problems already shown, so that a fixed-then-broken setting is reported again. */
export function resetReportedProblems(): void {
  reportedProblems.clear();
}
