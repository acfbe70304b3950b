/**
 * Converts a model run to plain JSON: the CLI prints it, the extension
 * posts it to the inspector, and the tests compare it with the numpy
 * reference. Stages keep their full shape and row-major data.
 */
import { ModelConfig } from './config';
import { STAGE_NAMES, StageName } from './forward';
import { Candidate, ModelRun, ModelToken } from './run';

/**
 * A stage's numbers. JSON has no infinities or NaN, so those are written as
 * the strings "Infinity", "-Infinity" and "NaN": the masked scores of the
 * causal mask are "-Infinity".
 */
export interface StageJson {
  readonly shape: number[];
  readonly data: (number | string)[];
}

export interface RunJson {
  readonly config: ModelConfig;
  readonly tokens: readonly ModelToken[];
  readonly vocabulary: readonly string[];
  readonly droppedCharacters: number;
  readonly prediction: Candidate;
  readonly topCandidates: readonly Candidate[];
  /** Every stage; `positions` only when the model has position vectors. */
  readonly stages: Record<StageName, StageJson> & { positions?: StageJson };
}

/** Returns `run` as a JSON-ready object. */
export function runToJson(run: ModelRun): RunJson {
  const stages = {} as RunJson['stages'];
  for (const name of STAGE_NAMES) {
    const tensor = run.trace[name];
    stages[name] = { shape: [...tensor.shape], data: jsonNumbers(tensor.data) };
  }
  if (run.trace.positions !== undefined) {
    const { shape, data } = run.trace.positions;
    stages.positions = { shape: [...shape], data: jsonNumbers(data) };
  }
  return {
    config: run.config,
    tokens: run.tokens.map(({ text, id, start, end }) => ({ text, id, start, end })),
    vocabulary: [...run.vocabulary],
    droppedCharacters: run.droppedCharacters,
    prediction: run.prediction,
    topCandidates: run.topCandidates,
    stages,
  };
}

/** Returns `data` as JSON values, with non-finite numbers as strings. */
function jsonNumbers(data: Float32Array): (number | string)[] {
  return Array.from(data, (value) => (Number.isFinite(value) ? value : String(value)));
}

/** Array elements per piece of `jsonPieces`: about 1 MB of text for numbers. */
const PIECE_ELEMENTS = 65536;

/**
 * Yields the text of `JSON.stringify(value)` in pieces, for values of plain
 * objects, arrays and primitives. A whole trace of a long text can be
 * longer than the longest string V8 allows (about 2^29 characters), so
 * writers send the pieces one by one instead of joining them.
 */
export function* jsonPieces(value: unknown): Generator<string> {
  if (Array.isArray(value) && value.length > PIECE_ELEMENTS) {
    yield '[';
    for (let start = 0; start < value.length; start += PIECE_ELEMENTS) {
      const piece = JSON.stringify(value.slice(start, start + PIECE_ELEMENTS));
      yield (start === 0 ? '' : ',') + piece.slice(1, -1);
    }
    yield ']';
    return;
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    yield JSON.stringify(value);
    return;
  }
  yield '{';
  let first = true;
  for (const [key, field] of Object.entries(value)) {
    if (field === undefined || typeof field === 'function' || typeof field === 'symbol') {
      continue; // JSON.stringify leaves these fields out too
    }
    yield `${first ? '' : ','}${JSON.stringify(key)}:`;
    yield* jsonPieces(field);
    first = false;
  }
  yield '}';
}
