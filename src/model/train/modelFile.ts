/**
 * Saves a trained model as a safetensors file and loads it back. Each
 * parameter group is one F32 tensor named like its field in Parameters. The
 * `__metadata__` strings hold the configuration and the vocabulary as JSON,
 * and the training info; loading checks every tensor's shape against them.
 */
import { ModelConfig, validateConfig } from '../config';
import { PARAMETER_NAMES, ParameterName, Parameters } from '../parameters';
import { ModelFileError, decodeSafetensors, encodeSafetensors } from '../safetensors';
import { Tensor } from '../tensor';
import { TrainedModel, TrainingInfo, UNKNOWN_TOKEN } from './trainedModel';

/** Value of the `format` metadata entry. */
export const MODEL_FORMAT = 'tiny-llm';
/** Version of the metadata layout; loading rejects any other. */
export const MODEL_FORMAT_VERSION = '1';

/** Encodes `model` as the bytes of a safetensors file. */
export function encodeModelFile(model: TrainedModel): Uint8Array {
  const { info } = model;
  const metadata: Record<string, string> = {
    format: MODEL_FORMAT,
    format_version: MODEL_FORMAT_VERSION,
    config: JSON.stringify(model.config),
    vocabulary: JSON.stringify(model.vocabulary),
    document: info.document,
    steps: String(info.steps),
    epochs: String(info.epochs),
    final_loss: String(info.finalLoss),
  };
  if (info.accuracy !== undefined) {
    metadata.accuracy = String(info.accuracy);
  }
  const tensors = new Map<string, Tensor>(
    PARAMETER_NAMES.map((name) => [name, model.parameters[name]]),
  );
  return encodeSafetensors(tensors, metadata);
}

/**
 * Decodes a model file. Throws ModelFileError for any fault that
 * decodeSafetensors finds, and for missing or invalid metadata, a missing
 * or unknown tensor, or a tensor whose shape does not match the
 * configuration and vocabulary.
 */
export function decodeModelFile(bytes: Uint8Array): TrainedModel {
  const { tensors, metadata } = decodeSafetensors(bytes);
  const format = metadata.format;
  if (format !== MODEL_FORMAT || metadata.format_version !== MODEL_FORMAT_VERSION) {
    throw new ModelFileError(
      `not a ${MODEL_FORMAT} model of format version ${MODEL_FORMAT_VERSION}: ` +
        `__metadata__ has format ${JSON.stringify(format)}, format_version ${JSON.stringify(metadata.format_version)}`,
    );
  }
  const config = readConfig(metadata);
  const vocabulary = readVocabulary(metadata);
  const info = readInfo(metadata);

  const expected = expectedShapes(config, vocabulary.length);
  const parameters = {} as Record<ParameterName, Tensor>;
  for (const name of PARAMETER_NAMES) {
    const tensor = tensors.get(name);
    if (tensor === undefined) {
      throw new ModelFileError(`the model file lacks tensor "${name}"`);
    }
    if (tensor.shape.join() !== expected[name].join()) {
      throw new ModelFileError(
        `tensor "${name}" has shape [${tensor.shape.join(', ')}], but the metadata sizes need [${expected[name].join(', ')}]`,
      );
    }
    parameters[name] = tensor;
  }
  for (const name of tensors.keys()) {
    if (!(PARAMETER_NAMES as readonly string[]).includes(name)) {
      throw new ModelFileError(`the model file has an unknown tensor "${name}"`);
    }
  }
  return { config, vocabulary, parameters: parameters as Parameters, info };
}

/** Returns the shape of every parameter group for a configuration and vocabulary size. */
export function expectedShapes(config: ModelConfig, V: number): Record<ParameterName, number[]> {
  const d = config.embeddingSize;
  const dFF = config.feedForwardSize;
  return {
    embeddings: [V, d],
    queryWeight: [d, d],
    keyWeight: [d, d],
    valueWeight: [d, d],
    outputWeight: [d, d],
    w1: [d, dFF],
    b1: [dFF],
    w2: [dFF, d],
    b2: [d],
    vocabularyWeight: [d, V],
    vocabularyBias: [V],
    positions: [config.positions === 'learned' ? config.contextLength : 0, d],
  };
}

function parseJson(metadata: Record<string, string>, key: string): unknown {
  const text = metadata[key];
  if (text === undefined) {
    throw new ModelFileError(`__metadata__ lacks "${key}"`);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ModelFileError(
      `__metadata__ "${key}" is not valid JSON: ${(error as Error).message}`,
    );
  }
}

function readConfig(metadata: Record<string, string>): ModelConfig {
  const input = parseJson(metadata, 'config');
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new ModelFileError('__metadata__ "config" must be a JSON object');
  }
  const keys: (keyof ModelConfig)[] = [
    'embeddingSize',
    'heads',
    'feedForwardSize',
    'seed',
    'causalMask',
    'contextLength',
    'positions',
  ];
  const missing = keys.filter((key) => !(key in input));
  if (missing.length > 0) {
    throw new ModelFileError(`__metadata__ "config" lacks ${missing.join(', ')}`);
  }
  const { config, problems } = validateConfig(input);
  if (problems.length > 0) {
    throw new ModelFileError(`invalid __metadata__ "config": ${problems[0].message}`);
  }
  return config;
}

function readVocabulary(metadata: Record<string, string>): string[] {
  const vocabulary = parseJson(metadata, 'vocabulary');
  if (
    !Array.isArray(vocabulary) ||
    vocabulary[0] !== UNKNOWN_TOKEN ||
    !vocabulary.every((word) => typeof word === 'string' && word.length > 0)
  ) {
    throw new ModelFileError(
      `__metadata__ "vocabulary" must be a JSON list of words that starts with "${UNKNOWN_TOKEN}"`,
    );
  }
  if (new Set(vocabulary).size !== vocabulary.length) {
    throw new ModelFileError('__metadata__ "vocabulary" lists a word twice');
  }
  return vocabulary as string[];
}

/** Returns the number in `text`, or NaN when it is missing or blank (where Number gives 0). */
function parseNumber(text: string | undefined): number {
  return text === undefined || text.trim() === '' ? NaN : Number(text);
}

function readInfo(metadata: Record<string, string>): TrainingInfo {
  const count = (key: string): number => {
    const value = Number(metadata[key]);
    if (!/^\d+$/.test(metadata[key] ?? '') || !Number.isSafeInteger(value)) {
      throw new ModelFileError(
        `__metadata__ "${key}" is ${JSON.stringify(metadata[key])}, but it must be a whole number`,
      );
    }
    return value;
  };
  const finalLoss = parseNumber(metadata.final_loss);
  if (!Number.isFinite(finalLoss)) {
    throw new ModelFileError(
      `__metadata__ "final_loss" is ${JSON.stringify(metadata.final_loss)}, but it must be a finite number`,
    );
  }
  const info: TrainingInfo = {
    document: metadata.document ?? '',
    steps: count('steps'),
    epochs: count('epochs'),
    finalLoss,
  };
  if (metadata.accuracy === undefined) {
    return info;
  }
  const accuracy = parseNumber(metadata.accuracy);
  if (!(accuracy >= 0 && accuracy <= 1)) {
    throw new ModelFileError(
      `__metadata__ "accuracy" is ${JSON.stringify(metadata.accuracy)}, but it must be a number from 0 to 1`,
    );
  }
  return { ...info, accuracy };
}
