/** Runs the built CLI (dist/cli.js) as a user would. */
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { REPO_ROOT } from './fixtures';

const CLI = path.join(REPO_ROOT, 'dist', 'cli.js');

function runCli(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('cli', () => {
  it('predict --json prints the seed vocabulary and ids', () => {
    const { status, stdout } = runCli('predict', '--text', 'Hello how are you hello', '--json');
    assert.equal(status, 0);
    const output = JSON.parse(stdout);
    assert.deepEqual(output.vocabulary, ['Hello', 'how', 'are', 'you', 'hello']);
    assert.deepEqual(
      output.tokens.map((token: { id: number }) => token.id),
      [0, 1, 2, 3, 4],
    );
    assert.deepEqual(output.tokens[1], { text: 'how', id: 1, start: 6, end: 9 });
    assert.deepEqual(output.stages.embeddings.shape, [5, 16]);
    assert.deepEqual(output.stages.weights.shape, [1, 5, 5]);
    assert.equal(output.stages.weights.data.length, 25);
    assert.equal(typeof output.prediction.word, 'string');
  });

  it('predict reads --file', () => {
    const { status, stdout } = runCli(
      'predict',
      '--file',
      path.join(REPO_ROOT, 'samples', 'gettysburg-address.txt'),
    );
    assert.equal(status, 0);
    assert.match(stdout, /Predicted next word: /);
  });

  it('--seed changes the numbers', () => {
    const a = JSON.parse(runCli('predict', '--text', 'a b c', '--json', '--seed', '1').stdout);
    const b = JSON.parse(runCli('predict', '--text', 'a b c', '--json', '--seed', '2').stdout);
    assert.notDeepEqual(a.stages.embeddings.data, b.stages.embeddings.data);
  });

  const badInputs: [string, string[], RegExp][] = [
    ['empty text', ['predict', '--text', '  '], /no words or punctuation/],
    ['missing file', ['predict', '--file', '/nonexistent/file.txt'], /file not found/],
    ['non-numeric seed', ['predict', '--text', 'a', '--seed', 'abc'], /seed is "abc"/],
    ['unknown command', ['train'], /unknown command "train"/],
    ['no input', ['predict'], /missing input/],
  ];
  for (const [name, args, message] of badInputs) {
    it(`rejects ${name} with one error line`, () => {
      const { status, stdout, stderr } = runCli(...args);
      assert.equal(status, 1);
      assert.equal(stdout, '');
      assert.match(stderr, message);
      assert.equal(stderr.trim().split('\n').length, 1);
    });
  }
});
