/**
 * Each stage on its own, fed numpy's input for that stage, so that a
 * failure points at one stage rather than at everything after it.
 */
import { selfAttention } from '../../../src/model/attention';
import { feedForward } from '../../../src/model/feedForward';
import { add, addBias, matmul } from '../../../src/model/matrix';
import {
  ForwardCase,
  STAGE_TOLERANCE,
  assertTensorClose,
  loadFixture,
  toParameters,
  toTensor,
} from '../fixtures';

describe('stages', () => {
  for (const testCase of loadFixture<ForwardCase[]>('forward.json')) {
    const { stages, config } = testCase;
    const parameters = toParameters(testCase.parameters);

    describe(testCase.name, () => {
      it('attention matches numpy', () => {
        const trace = selfAttention(
          toTensor(stages.embeddings),
          parameters,
          config.heads,
          config.causalMask,
        );
        for (const name of [
          'queries',
          'keys',
          'values',
          'scores',
          'weights',
          'context',
          'attention',
        ] as const) {
          assertTensorClose(trace[name], stages[name], STAGE_TOLERANCE, name);
        }
      });

      it('residual matches numpy', () => {
        const residual = add(toTensor(stages.embeddings), toTensor(stages.attention));
        assertTensorClose(residual, stages.residual, STAGE_TOLERANCE, 'residual');
      });

      it('feed-forward matches numpy', () => {
        const trace = feedForward(toTensor(stages.residual), parameters);
        assertTensorClose(trace.hidden, stages.hidden, STAGE_TOLERANCE, 'hidden');
        assertTensorClose(trace.feedForward, stages.feedForward, STAGE_TOLERANCE, 'feedForward');
      });

      it('vocabulary projection matches numpy', () => {
        const logits = addBias(
          matmul(toTensor(stages.output), parameters.vocabularyWeight),
          parameters.vocabularyBias.data,
        );
        assertTensorClose(logits, stages.logits, STAGE_TOLERANCE, 'logits');
      });
    });
  }
});
