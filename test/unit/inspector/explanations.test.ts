/**
 * The inspector's pointers to the readable code of each stage must name
 * functions that the named source files export, so that they stay true as
 * the code moves.
 */
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { STAGE_TEXT, StageText, TRAINED_STAGE_TEXT } from '../../../src/webview/explanations';
import { REPO_ROOT } from '../fixtures';

const TEXTS: [string, StageText][] = [
  ...Object.entries(STAGE_TEXT),
  ...Object.entries(TRAINED_STAGE_TEXT).map(([name, text]): [string, StageText] => [
    `trained ${name}`,
    text,
  ]),
];

describe('stage explanations', () => {
  for (const [name, text] of TEXTS) {
    it(`${name} points at exported readable code`, () => {
      assert.ok(text.readableCode.length > 0, 'no readable code named');
      for (const { file, functions } of text.readableCode) {
        const source = readFileSync(path.join(REPO_ROOT, file), 'utf8');
        assert.ok(functions.length > 0, `${file}: no function named`);
        for (const functionName of functions) {
          const exported = new RegExp(`^export function ${functionName}\\b`, 'm');
          assert.match(source, exported, `${file}: ${functionName}`);
        }
      }
    });
  }
});
