import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { activateProduct } from './support';

interface CommandContribution {
  readonly command: string;
  readonly title: string;
  readonly category?: string;
}

interface MenuContribution {
  readonly command: string;
  readonly when?: string;
}

/** Command Palette entries that the README documents, which must keep their exact titles. */
const DOCUMENTED_COMMANDS: readonly CommandContribution[] = [
  { command: 'tinyLlm.predictNextWord', title: 'Predict Next Word', category: 'Tiny LLM' },
  { command: 'tinyLlm.openInspector', title: 'Open Attention Inspector', category: 'Tiny LLM' },
];

describe('commands', () => {
  let extension: vscode.Extension<unknown>;
  /** `contributes.commands` as VS Code read it from the installed manifest. */
  let reported: CommandContribution[];

  before(async () => {
    extension = await activateProduct();
    reported = (extension.packageJSON.contributes?.commands ?? []) as CommandContribution[];
  });

  it('registers every contributed command', async () => {
    assert.ok(reported.length > 0, 'package.json contributes no commands');

    const registered = new Set(await vscode.commands.getCommands(true));
    for (const { command } of reported) {
      assert.ok(registered.has(command), `command ${command} is contributed but not registered`);
    }
  });

  it('keeps the documented titles', () => {
    for (const expected of DOCUMENTED_COMMANDS) {
      const entry = reported.find(({ command }) => command === expected.command);
      assert.ok(entry, `${expected.command} is not contributed`);
      assert.equal(entry.title, expected.title, `title of ${expected.command}`);
      assert.equal(entry.category, expected.category, `category of ${expected.command}`);
    }
  });

  it('puts every command in the Tiny LLM category', () => {
    for (const { command, title, category } of reported) {
      assert.equal(category, 'Tiny LLM', `category of ${command}`);
      assert.ok(title.trim().length > 0, `${command} has an empty title`);
    }
  });

  it('puts Predict in the editor context menu', () => {
    const menu = (extension.packageJSON.contributes?.menus?.['editor/context'] ??
      []) as MenuContribution[];
    const entry = menu.find(({ command }) => command === 'tinyLlm.predictNextWord');
    assert.ok(entry, 'tinyLlm.predictNextWord is not in the editor/context menu');
    assert.equal(entry.when, 'editorHasSelection');
  });
});
