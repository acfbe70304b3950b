/**
 * Checks the hand-written backward pass against central finite differences
 * of a float64 copy of the loss, for every entry of every parameter group,
 * on a small model with two heads.
 */
import * as assert from 'node:assert/strict';
import { ModelConfig } from '../../../../src/model/config';
import { forward } from '../../../../src/model/forward';
import { PARAMETER_NAMES, initParameters } from '../../../../src/model/parameters';
import { tokenize } from '../../../../src/model/tokenizer';
import {
  headsBackward,
  referenceHeadsBackward,
} from '../../../../src/model/train/attentionBackward';
import { backward, zeroGradients } from '../../../../src/model/train/backward';
import { crossEntropy } from '../../../../src/model/train/loss';
import { buildTrainedVocabulary, encodeWords } from '../../../../src/model/train/trainedModel';
import { assertClose } from '../../fixtures';
import { float64Loss, toFloat64 } from './float64Loss';

/** Step of the central difference (L(p + h) - L(p - h)) / 2h. */
const STEP = 1e-5;
/**
 * An analytic gradient g passes against the finite difference n when
 * |g - n| <= ABSOLUTE + RELATIVE * |n|. The float32 backward pass has a
 * relative error near 1e-6, but a wrong factor or a missing term is off by far
 * more than 1e-4.
 */
const ABSOLUTE_TOLERANCE = 1e-6;
const RELATIVE_TOLERANCE = 1e-4;

const TEXT = 'the cat sat on the mat .';

const CASES: { name: string; config: ModelConfig }[] = [
  {
    name: 'learned positions, causal',
    config: {
      embeddingSize: 8,
      heads: 2,
      feedForwardSize: 12,
      seed: 5,
      causalMask: true,
      contextLength: 6,
      positions: 'learned',
    },
  },
  {
    name: 'sinusoidal positions, no mask',
    config: {
      embeddingSize: 8,
      heads: 2,
      feedForwardSize: 12,
      seed: 11,
      causalMask: false,
      contextLength: 6,
      positions: 'sinusoidal',
    },
  },
  {
    name: 'no positions, one head',
    config: {
      embeddingSize: 8,
      heads: 1,
      feedForwardSize: 12,
      seed: 3,
      causalMask: true,
      contextLength: 6,
      positions: 'none',
    },
  },
];

describe('backward', () => {
  const words = tokenize(TEXT).map((token) => token.text);
  const vocabulary = buildTrainedVocabulary(words);
  const ids = encodeWords(words, vocabulary);
  const inputs = ids.slice(0, 6);
  const targets = ids.slice(1, 7);

  for (const { name, config } of CASES) {
    describe(name, () => {
      const parameters = initParameters(config, vocabulary.length);
      const trace = forward(inputs, parameters, config.heads, config.causalMask, config.positions);
      const { loss, dLogits } = crossEntropy(trace.logits, targets);
      const gradients = backward(inputs, trace, dLogits, parameters, config);
      const exact = toFloat64(parameters);

      it('float64 loss matches the model', () => {
        const reference = float64Loss(exact, config, inputs, targets);
        assert.ok(Math.abs(reference - loss) < 1e-5, `float64 ${reference}, float32 ${loss}`);
      });

      for (const group of PARAMETER_NAMES) {
        if (group === 'positions' && config.positions !== 'learned') {
          continue;
        }
        it(`${group} gradient matches finite differences`, () => {
          const values = exact[group].data;
          assert.ok(values.length > 0, `${group} is empty`);
          let largest = 0;
          for (let i = 0; i < values.length; i++) {
            const original = values[i];
            values[i] = original + STEP;
            const above = float64Loss(exact, config, inputs, targets);
            values[i] = original - STEP;
            const below = float64Loss(exact, config, inputs, targets);
            values[i] = original;

            const numeric = (above - below) / (2 * STEP);
            const analytic = gradients[group].data[i];
            largest = Math.max(largest, Math.abs(numeric));
            assert.ok(
              Math.abs(analytic - numeric) <=
                ABSOLUTE_TOLERANCE + RELATIVE_TOLERANCE * Math.abs(numeric),
              `${group}[${i}]: backward ${analytic}, finite difference ${numeric}`,
            );
          }
          // An all-zero gradient would pass trivially.
          assert.ok(largest > 1e-4, `${group}: largest finite difference is only ${largest}`);
        });
      }

      it('heads backward as products agrees with the readable loops', () => {
        const dContext = {
          shape: trace.context.shape,
          data: trace.residual.data.map((x) => x * 0.3),
        };
        const fast = headsBackward(dContext, trace, config.heads);
        const readable = referenceHeadsBackward(dContext, trace, config.heads, config.causalMask);
        assertClose(fast.dQueries.data, readable.dQueries.data, 1e-6, 'dQ');
        assertClose(fast.dKeys.data, readable.dKeys.data, 1e-6, 'dK');
        assertClose(fast.dValues.data, readable.dValues.data, 1e-6, 'dV');
      });
    });
  }

  it('adds into a sum the gradients it returns alone', () => {
    const config = CASES[0].config;
    const parameters = initParameters(config, vocabulary.length);
    const windows = [ids.slice(0, 6), ids.slice(1, 7)];
    const sum = zeroGradients(parameters);
    const separate = windows.map((window) => {
      const inputs = window.slice(0, 5);
      const trace = forward(inputs, parameters, config.heads, config.causalMask, config.positions);
      const { dLogits } = crossEntropy(trace.logits, window.slice(1));
      const alone = backward(inputs, trace, dLogits, parameters, config);
      assert.equal(backward(inputs, trace, dLogits, parameters, config, sum), sum);
      return alone;
    });
    for (const group of PARAMETER_NAMES) {
      const expected = separate[0][group].data.map((x, i) => x + separate[1][group].data[i]);
      assertClose(sum[group].data, expected, 1e-6, group);
    }
  });
});
