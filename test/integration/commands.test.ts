import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { activateProduct } from './support';

interface CommandContribution {
  readonly command: string;
  readonly title: string;
}

describe('commands', () => {
  it('registers every contributed command', async () => {
    const extension = await activateProduct();
    const contributed = (extension.packageJSON.contributes?.commands ??
      []) as CommandContribution[];
    assert.ok(contributed.length > 0, 'package.json contributes no commands');

    const registered = new Set(await vscode.commands.getCommands(true));
    for (const { command } of contributed) {
      assert.ok(registered.has(command), `command ${command} is contributed but not registered`);
    }
  });
});
