import * as assert from 'node:assert/strict';
import { DEFAULT_CONFIG, validateConfig } from '../../../src/model/config';

describe('validateConfig', () => {
  it('fills defaults for missing values', () => {
    const { config, problems } = validateConfig({});
    assert.deepEqual(config, DEFAULT_CONFIG);
    assert.equal(problems.length, 0);
  });

  it('rejects embedding size 0 with its range', () => {
    const { config, problems } = validateConfig({ embeddingSize: 0 });
    assert.equal(config.embeddingSize, DEFAULT_CONFIG.embeddingSize);
    assert.match(
      problems[0].message,
      /embeddingSize is 0, but it must be a whole number from 2 to 512/,
    );
  });

  it('rejects negative heads', () => {
    const { problems } = validateConfig({ heads: -2 });
    assert.equal(problems[0].key, 'heads');
  });

  it('rejects a non-numeric seed', () => {
    const { config, problems } = validateConfig({ seed: 'abc' });
    assert.equal(config.seed, DEFAULT_CONFIG.seed);
    assert.match(problems[0].message, /seed is "abc"/);
  });

  it('rejects a size not divisible by the heads', () => {
    const { config, problems } = validateConfig({ embeddingSize: 10, heads: 4 });
    assert.equal(config.embeddingSize, DEFAULT_CONFIG.embeddingSize);
    assert.equal(config.heads, DEFAULT_CONFIG.heads);
    assert.match(problems[0].message, /not divisible by heads 4/);
  });

  it('rejects a non-boolean causal mask', () => {
    const { config, problems } = validateConfig({ causalMask: 'yes' });
    assert.equal(config.causalMask, true);
    assert.equal(problems[0].key, 'causalMask');
  });

  it('accepts valid values', () => {
    const { config, problems } = validateConfig({
      embeddingSize: 32,
      heads: 4,
      seed: 0,
      causalMask: false,
    });
    assert.equal(problems.length, 0);
    assert.equal(config.heads, 4);
    assert.equal(config.causalMask, false);
  });
});
