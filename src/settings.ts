/**
 * Reads the extension's settings from the `tinyLlm` configuration section. A
 * bad value is replaced by its default, and a warning names the setting, its
 * value and the accepted range, once per distinct problem.
 */
import * as vscode from 'vscode';
import { ModelConfig, validateConfig } from './model/config';
import { DEFAULT_TRAIN_OPTIONS, TrainOptions } from './model/train/train';

export const SETTINGS_SECTION = 'tinyLlm';

const reportedProblems = new Set<string>();

/** Returns the untrained model's configuration from the user's settings. */
export function readModelConfig(log: vscode.LogOutputChannel): ModelConfig {
  const section = vscode.workspace.getConfiguration(SETTINGS_SECTION);
  const { config, problems } = validateConfig({
    embeddingSize: section.get('embeddingSize'),
    heads: section.get('heads'),
    feedForwardSize: section.get('feedForwardSize'),
    seed: section.get('seed'),
    causalMask: section.get('causalMask'),
    contextLength: section.get('contextLength'),
    positions: section.get('positions'),
  });
  for (const problem of problems) {
    reportProblem(log, problem.key, problem.message);
  }
  return config;
}

/** The training settings; sizes other than the context come from the training defaults. */
export type TrainingSettings = Pick<
  TrainOptions,
  'epochs' | 'learningRate' | 'contextLength' | 'seed'
>;

/** Returns the training settings, each invalid value replaced by its default. */
export function readTrainingSettings(log: vscode.LogOutputChannel): TrainingSettings {
  const section = vscode.workspace.getConfiguration(SETTINGS_SECTION);
  const seed = readModelConfig(log).seed;
  return {
    epochs: readNumber(
      log,
      section,
      'training.epochs',
      DEFAULT_TRAIN_OPTIONS.epochs,
      1,
      10000,
      true,
    ),
    learningRate: readNumber(
      log,
      section,
      'training.learningRate',
      DEFAULT_TRAIN_OPTIONS.learningRate,
      1e-6,
      1,
      false,
    ),
    contextLength: readNumber(
      log,
      section,
      'training.contextLength',
      DEFAULT_TRAIN_OPTIONS.contextLength,
      2,
      512,
      true,
    ),
    seed,
  };
}

export interface GenerationSettings {
  /** Number of words Continue Text appends. */
  readonly words: number;
  /** 0 picks the most likely word each time; above 0 samples. */
  readonly temperature: number;
  /** Sample only among the k most likely words; 0 means no limit. */
  readonly topK: number;
}

/** Returns the Continue Text settings, each invalid value replaced by its default. */
export function readGenerationSettings(log: vscode.LogOutputChannel): GenerationSettings {
  const section = vscode.workspace.getConfiguration(SETTINGS_SECTION);
  return {
    words: readNumber(log, section, 'generation.words', 10, 1, 1000, true),
    temperature: readNumber(log, section, 'generation.temperature', 0, 0, 10, false),
    topK: readNumber(log, section, 'generation.topK', 0, 0, 10000, true),
  };
}

/** Forgets the problems already shown, so that a fixed-then-broken setting is reported again. */
export function resetReportedProblems(): void {
  reportedProblems.clear();
}

function readNumber(
  log: vscode.LogOutputChannel,
  section: vscode.WorkspaceConfiguration,
  key: string,
  fallback: number,
  min: number,
  max: number,
  integer: boolean,
): number {
  const value = section.get<unknown>(key);
  if (value === undefined) {
    return fallback;
  }
  const valid =
    typeof value === 'number' &&
    Number.isFinite(value) &&
    (!integer || Number.isInteger(value)) &&
    value >= min &&
    value <= max;
  if (valid) {
    return value;
  }
  const kind = integer ? 'a whole number' : 'a number';
  reportProblem(
    log,
    key,
    `${key} is ${JSON.stringify(value)}, but it must be ${kind} from ${min} to ${max}`,
  );
  return fallback;
}

function reportProblem(log: vscode.LogOutputChannel, key: string, problem: string): void {
  const message = `Invalid setting: ${SETTINGS_SECTION}.${problem}. Using the default meanwhile.`;
  if (reportedProblems.has(message)) {
    return;
  }
  reportedProblems.add(message);
  log.warn(message);
  void vscode.window.showWarningMessage(message, 'Open Settings').then((choice) => {
    if (choice === 'Open Settings') {
      void vscode.commands.executeCommand(
        'workbench.action.openSettings',
        `${SETTINGS_SECTION}.${key}`,
      );
    }
  });
}
