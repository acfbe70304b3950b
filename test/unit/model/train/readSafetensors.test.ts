/**
 * Cross-checks the model file with the independent Python reader
 * (test/reference/read_safetensors.py): every value it reads must equal the
 * TypeScript weights bit for bit. Skipped when python3 with numpy is missing.
 */
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PARAMETER_NAMES } from '../../../../src/model/parameters';
import { encodeModelFile } from '../../../../src/model/train/modelFile';
import { trainModel } from '../../../../src/model/train/train';
import { REPO_ROOT } from '../../fixtures';

const READER = path.join(REPO_ROOT, 'test', 'reference', 'read_safetensors.py');

interface ReaderOutput {
  metadata: Record<string, string>;
  tensors: Record<
    string,
    { shape: number[]; count: number; sum: number; first: number[]; data: number[] }
  >;
}

describe('read_safetensors.py', function () {
  // Python starts slowly on a busy machine. This is a limit, not a timing check.
  this.timeout(20000);

  let directory = '';
  before(function () {
    if (spawnSync('python3', ['-c', 'import numpy'], { encoding: 'utf8' }).status !== 0) {
      this.skip();
    }
    directory = mkdtempSync(path.join(os.tmpdir(), 'tiny-llm-'));
  });
  after(() => {
    if (directory !== '') {
      rmSync(directory, { recursive: true, force: true });
    }
  });

  it('reads every weight exactly', () => {
    const model = trainModel('to be or not to be , that is the question', {
      embeddingSize: 4,
      heads: 2,
      feedForwardSize: 6,
      contextLength: 5,
      positions: 'learned',
      epochs: 3,
      document: 'hamlet.txt',
    });
    const file = path.join(directory, 'model.safetensors');
    writeFileSync(file, encodeModelFile(model));

    const result = spawnSync('python3', [READER, file, '--full'], { encoding: 'utf8' });
    assert.equal(result.status, 0, result.stderr);
    const output = JSON.parse(result.stdout) as ReaderOutput;

    assert.equal(output.metadata.document, 'hamlet.txt');
    assert.deepEqual(JSON.parse(output.metadata.vocabulary), model.vocabulary);
    assert.deepEqual(Object.keys(output.tensors).sort(), [...PARAMETER_NAMES].sort());
    for (const name of PARAMETER_NAMES) {
      const expected = model.parameters[name];
      const actual = output.tensors[name];
      assert.deepEqual(actual.shape, expected.shape, `${name} shape`);
      assert.equal(actual.count, expected.data.length, `${name} count`);
      assert.deepEqual(actual.data, Array.from(expected.data), `${name} data`);
      const sum = expected.data.reduce((total, value) => total + value, 0);
      assert.ok(Math.abs(actual.sum - sum) <= 1e-9 * Math.max(1, Math.abs(sum)), `${name} sum`);
    }
  });

  it('rejects a truncated file', () => {
    const file = path.join(directory, 'short.safetensors');
    writeFileSync(file, new Uint8Array(4));
    const result = spawnSync('python3', [READER, file], { encoding: 'utf8' });
    assert.equal(result.status, 1);
    assert.match(result.stderr, /truncated/);
  });
});
