import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { TinyLlmApi } from '../../src/extension';
import { activateProduct, closeWithoutSaving, openUntitled, predict, selectAll } from './support';

describe('Predict on empty input', () => {
  let api: TinyLlmApi;

  before(async () => {
    api = (await activateProduct()).exports;
  });

  it('returns undefined in an empty document', async () => {
    const editor = await openUntitled('');
    try {
      assert.equal(editor.selection.isEmpty, true);
      const before = api.latestSequence();

      assert.equal(await predict(), undefined);
      assert.equal(api.latestSequence(), before, 'an empty document was recorded as a run');
    } finally {
      await closeWithoutSaving(editor);
    }
  });

  it('returns undefined for a whitespace selection', async () => {
    const editor = await openUntitled(' \t \n   \n\u00a0\n');
    try {
      selectAll(editor);
      assert.equal(editor.selection.isEmpty, false);
      const before = api.latestSequence();

      assert.equal(await predict(), undefined);
      assert.equal(api.latestSequence(), before, 'a whitespace selection was recorded as a run');
    } finally {
      await closeWithoutSaving(editor);
    }
  });

  it('returns undefined with no editor open', async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    assert.equal(vscode.window.activeTextEditor, undefined);

    assert.equal(await predict(), undefined);
  });
});
