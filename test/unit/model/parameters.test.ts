import * as assert from 'node:assert/strict';
import { DEFAULT_CONFIG } from '../../../src/model/config';
import { Parameters, initParameters } from '../../../src/model/parameters';
import { ForwardCase, assertTensorClose, loadFixture } from '../fixtures';

describe('parameters', () => {
  for (const testCase of loadFixture<ForwardCase[]>('forward.json')) {
    it(`"${testCase.name}" weights match numpy`, () => {
      const parameters = initParameters(testCase.config, testCase.vocabulary.length);
      for (const [name, expected] of Object.entries(testCase.parameters)) {
        assertTensorClose(parameters[name as keyof Parameters], expected, 1e-6, name);
      }
    });
  }

  it('a larger vocabulary keeps the existing rows', () => {
    const small = initParameters(DEFAULT_CONFIG, 3);
    const large = initParameters(DEFAULT_CONFIG, 4);
    const d = DEFAULT_CONFIG.embeddingSize;
    assert.deepEqual(large.embeddings.data.subarray(0, 3 * d), small.embeddings.data);
    assert.deepEqual(large.queryWeight.data, small.queryWeight.data);
  });

  it('a different seed gives different weights', () => {
    const a = initParameters(DEFAULT_CONFIG, 2);
    const b = initParameters({ ...DEFAULT_CONFIG, seed: 43 }, 2);
    assert.notDeepEqual(a.embeddings.data, b.embeddings.data);
  });
});
