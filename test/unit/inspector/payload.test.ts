import * as assert from 'node:assert/strict';
import {
  MAX_DRAWN_TOKENS,
  matrixValue,
  squareValue,
  toInspectorPayload,
} from '../../../src/inspector/payload';
import { DEFAULT_CONFIG } from '../../../src/model/config';
import { runModel } from '../../../src/model/run';

describe('inspector payload', () => {
  const words = Array.from({ length: 60 }, (_, i) => `w${i % 17}`).join(' ');
  const config = { ...DEFAULT_CONFIG, heads: 2 };
  const run = runModel(words, config);
  const payload = toInspectorPayload(run, 100, undefined);
  const T = run.tokens.length;

  it('keeps only the drawn rows of each matrix', () => {
    const embeddings = payload.matrices.embeddings;
    assert.ok(embeddings);
    assert.equal(embeddings.firstRow, T - MAX_DRAWN_TOKENS);
    assert.equal(embeddings.data.length, MAX_DRAWN_TOKENS * config.embeddingSize);
    const row = T - 1;
    assert.equal(
      matrixValue(embeddings, row, 3),
      run.trace.embeddings.data[row * config.embeddingSize + 3],
    );
  });

  it('scores window matches the full scores', () => {
    const head = 1;
    for (const [i, j] of [
      [T - 1, T - 1],
      [T - 1, T - MAX_DRAWN_TOKENS],
      [T - 10, T - 20],
    ]) {
      assert.equal(
        squareValue(payload.scores, head, i, j),
        run.trace.scores.data[head * T * T + i * T + j],
      );
    }
  });

  it('keeps every weight for the canvas', () => {
    assert.equal(payload.weights.data.length, 2 * T * T);
    assert.equal(squareValue(payload.weights, 0, 5, 2), run.trace.weights.data[5 * T + 2]);
  });

  it('shifts token offsets into the document', () => {
    assert.equal(payload.tokens[0].start, run.tokens[0].start + 100);
  });

  it('predicts at every position', () => {
    const V = run.vocabulary.length;
    const last = run.trace.probabilities.data.subarray((T - 1) * V);
    assert.equal(payload.positionPredictions.ids[T - 1], run.prediction.id);
    assert.equal(payload.positionPredictions.probabilities[T - 1], last[run.prediction.id]);
  });
});
