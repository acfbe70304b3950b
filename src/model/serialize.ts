/**
 * Converts a model run to the object that the CLI's `--json` and the
 * inspector's trace export write with `jsonPieces`. Stages keep their full
 * shape and row-major data.
 */
import { ModelConfig } from './config';
import { STAGE_NAMES, StageName } from './forward';
import { Candidate, ModelRun, ModelToken } from './run';

/**
 * A stage's numbers, which `jsonPieces` writes as a JSON array. JSON has no
 * infinities or NaN, so those are written as the strings "Infinity",
 * "-Infinity" and "NaN": the masked scores of the causal mask are
 * "-Infinity".
 */
export interface StageJson {
  readonly shape: number[];
  readonly data: Float32Array;
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
    stages[name] = { shape: [...tensor.shape], data: tensor.data };
  }
  if (run.trace.positions !== undefined) {
    const { shape, data } = run.trace.positions;
    stages.positions = { shape: [...shape], data };
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

/** Array elements per piece of `jsonPieces`: about 1 MB of text for numbers. */
const PIECE_ELEMENTS = 65536;

/**
 * Yields the text of `JSON.stringify(value)` in pieces, for values of plain
 * objects, arrays and primitives, and writes a Float32Array as an array of
 * its numbers, with non-finite ones as strings. A whole trace of a long text can be
 * longer than the longest string V8 allows (about 2^29 characters), so
 * writers send the pieces one by one instead of joining them.
 */
export function* jsonPieces(value: unknown): Generator<string> {
  if (value instanceof Float32Array) {
    // A stage can hold more numbers than a JavaScript array may, so it is
    // converted one piece at a time.
    yield '[';
    for (let start = 0; start < value.length; start += PIECE_ELEMENTS) {
      const piece = Array.from(value.subarray(start, start + PIECE_ELEMENTS), (number) =>
        Number.isFinite(number) ? number : String(number),
      );
      yield (start === 0 ? '' : ',') + JSON.stringify(piece).slice(1, -1);
    }
    yield ']';
    return;
  }
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
