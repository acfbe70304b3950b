/**
 * Position vectors against the numpy reference (test/fixtures/positions.json):
 * the sinusoidal table, the learned table's seeded draws, and every stage of
 * a run whose attention input is embeddings + positions.
 */
import * as assert from 'node:assert/strict';
import { selfAttention } from '../../../src/model/attention';
import { DEFAULT_CONFIG, validateConfig } from '../../../src/model/config';
import { add } from '../../../src/model/matrix';
import { initParameters } from '../../../src/model/parameters';
import { positionVectors, sinusoidalPositions } from '../../../src/model/positions';
import { runModel } from '../../../src/model/run';
import { runToJson } from '../../../src/model/serialize';
import {
  ForwardCase,
  STAGE_TOLERANCE,
  assertTensorClose,
  loadFixture,
  toParameters,
  toTensor,
} from '../fixtures';

describe('positions', () => {
  for (const testCase of loadFixture<ForwardCase[]>('positions.json')) {
    describe(testCase.name, () => {
      it('runModel matches numpy at every stage', () => {
        const run = runModel(testCase.text, testCase.config);
        assert.deepEqual(run.vocabulary, testCase.vocabulary);
        assert.ok(run.trace.positions !== undefined, 'the trace has no positions stage');
        assertTensorClose(
          run.trace.positions,
          testCase.stages.positions,
          STAGE_TOLERANCE,
          'positions',
        );
        for (const [name, expected] of Object.entries(testCase.stages)) {
          const actual = run.trace[name as keyof typeof run.trace];
          assert.ok(actual !== undefined, `the trace lacks stage ${name}`);
          assertTensorClose(actual, expected, STAGE_TOLERANCE, name);
        }
        assert.equal(run.prediction.id, testCase.prediction.id);
      });

      it('parameters match numpy', () => {
        const parameters = initParameters(testCase.config, testCase.vocabulary.length);
        for (const [name, expected] of Object.entries(testCase.parameters)) {
          assertTensorClose(parameters[name as keyof typeof parameters], expected, 1e-6, name);
        }
      });

      it('attention reads embeddings plus positions', () => {
        const { stages, config } = testCase;
        const x = add(toTensor(stages.embeddings), toTensor(stages.positions));
        const trace = selfAttention(
          x,
          toParameters(testCase.parameters),
          config.heads,
          config.causalMask,
        );
        assertTensorClose(trace.queries, stages.queries, STAGE_TOLERANCE, 'queries');
        assertTensorClose(trace.attention, stages.attention, STAGE_TOLERANCE, 'attention');
      });
    });
  }

  it('sinusoidal row 0 alternates sin 0 and cos 0', () => {
    assert.deepEqual(Array.from(sinusoidalPositions(1, 6).data), [0, 1, 0, 1, 0, 1]);
  });

  it('none adds no positions stage', () => {
    const run = runModel('a b c', DEFAULT_CONFIG);
    assert.equal(run.trace.positions, undefined);
    assert.equal('positions' in runToJson(run).stages, false);
  });

  it('positions stage appears in the JSON', () => {
    const run = runModel('a b c', { ...DEFAULT_CONFIG, positions: 'sinusoidal' });
    assert.deepEqual(runToJson(run).stages.positions?.shape, [3, 16]);
  });

  it('learned table shorter than the text is rejected', () => {
    const table = toTensor({ shape: [2, 4], data: [0, 0, 0, 0, 0, 0, 0, 0] });
    assert.throws(() => positionVectors('learned', 3, 4, table), /2×4, but 3 positions/);
  });

  it('validateConfig rejects an unknown encoding', () => {
    const { config, problems } = validateConfig({ positions: 'rotary' });
    assert.equal(config.positions, 'none');
    assert.match(
      problems[0].message,
      /positions is "rotary", but it must be one of none, sinusoidal, learned/,
    );
  });
});
