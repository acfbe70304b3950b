import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { TinyLlmApi } from '../../src/extension';
import {
  activateProduct,
  inspectorTabs,
  openSample,
  predict,
  productLogFile,
  readProductLog,
  selectLine,
  waitFor,
} from './support';

const SAMPLE = 'gettysburg-address.txt';
/** 0-based line of the first paragraph ("Four score and seven years ago ..."). */
const FIRST_PARAGRAPH_LINE = 3;

/** Commands that focus editor group 1, 2 and 3, by view column. */
const FOCUS_GROUP_COMMANDS: Readonly<Record<number, string>> = {
  1: 'workbench.action.focusFirstEditorGroup',
  2: 'workbench.action.focusSecondEditorGroup',
  3: 'workbench.action.focusThirdEditorGroup',
};

/** Describes every open tab, for failure messages. */
function describeTabs(): string {
  return JSON.stringify(
    vscode.window.tabGroups.all.flatMap((group) =>
      group.tabs.map((tab) => ({
        column: group.viewColumn,
        label: tab.label,
        active: tab.isActive,
        input: tab.input?.constructor.name,
        viewType: (tab.input as { viewType?: string } | undefined)?.viewType,
      })),
    ),
  );
}

/** Returns the one inspector tab, failing when there is none or more than one. */
function onlyInspectorTab(): vscode.Tab {
  const tabs = inspectorTabs();
  assert.equal(tabs.length, 1, `expected one inspector tab among ${describeTabs()}`);
  return tabs[0];
}

/** Waits until the workbench lists one inspector tab, which it reports after the panel is created. */
async function waitForInspectorTab(): Promise<vscode.Tab> {
  await waitFor(
    () => inspectorTabs().length === 1,
    'the workbench lists one inspector tab',
    5_000,
  ).catch(() => undefined);
  return onlyInspectorTab();
}

/** Closes every inspector tab and waits until the extension has disposed of its panel. */
async function closeInspector(api: TinyLlmApi): Promise<void> {
  await vscode.window.tabGroups.close(inspectorTabs());
  await waitFor(() => !api.isInspectorOpen(), 'the extension reports the inspector closed');
}

/** Shows the sample in the first column with its first paragraph selected, ready for Predict. */
async function selectParagraph(): Promise<vscode.TextEditor> {
  const editor = await openSample(SAMPLE, vscode.ViewColumn.One);
  selectLine(editor, FIRST_PARAGRAPH_LINE);
  return editor;
}

describe('inspector', () => {
  let api: TinyLlmApi;

  before(async () => {
    api = (await activateProduct()).exports;
    await closeInspector(api);
  });

  it('opens beside the editor on Predict', async () => {
    const editor = await selectParagraph();
    const before = api.latestSequence();
    assert.equal(api.isInspectorOpen(), false);

    assert.ok(await predict(), 'tinyLlm.predictNextWord resolved to nothing');

    assert.equal(api.latestSequence(), before + 1, 'the run got no new sequence number');
    assert.equal(api.isInspectorOpen(), true);
    const tab = await waitForInspectorTab();
    assert.notEqual(tab.group.viewColumn, editor.viewColumn, 'the inspector covers the editor');
    assert.equal(tab.label, 'Attention Inspector');
  });

  it('comes back after being hidden', async () => {
    const column = (await waitForInspectorTab()).group.viewColumn;
    const other = await vscode.workspace.openTextDocument({ content: 'covers the inspector' });
    await vscode.window.showTextDocument(other, { viewColumn: column, preview: false });
    await waitFor(() => !onlyInspectorTab().isActive, 'another editor hides the inspector');
    assert.equal(api.isInspectorOpen(), true, 'a hidden inspector counts as open');

    await vscode.commands.executeCommand('tinyLlm.openInspector');
    await waitFor(() => onlyInspectorTab().isActive, 'Open Attention Inspector shows it');
    assert.equal(onlyInspectorTab().group.viewColumn, column, 'the inspector moved');

    await selectParagraph();
    const before = api.latestSequence();
    assert.ok(await predict(), 'Predict failed after the inspector came back');
    assert.equal(api.latestSequence(), before + 1);
    onlyInspectorTab();

    await vscode.window.showTextDocument(other, { viewColumn: column });
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
  });

  it('reopens after being closed', async () => {
    await closeInspector(api);
    assert.deepEqual(inspectorTabs(), []);

    await vscode.commands.executeCommand('tinyLlm.openInspector');

    assert.equal(api.isInspectorOpen(), true);
    await waitForInspectorTab();
    await waitFor(() => onlyInspectorTab().isActive, 'the reopened inspector is the active tab');
  });

  it('closes with Close Editor', async () => {
    const tab = await waitForInspectorTab();
    const focusGroup = FOCUS_GROUP_COMMANDS[tab.group.viewColumn];
    assert.ok(focusGroup, `the inspector is in editor group ${tab.group.viewColumn}`);
    // The inspector is the active editor of its group, so focusing the group
    // makes it the active editor of the window.
    await vscode.commands.executeCommand(focusGroup);
    await waitFor(
      () => vscode.window.tabGroups.activeTabGroup.activeTab?.label === tab.label,
      'the inspector is the active editor',
    );

    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');

    await waitFor(() => !api.isInspectorOpen(), 'the extension reports the inspector closed');
    assert.deepEqual(inspectorTabs(), []);
  });

  it('opens only one panel', async () => {
    await vscode.commands.executeCommand('tinyLlm.openInspector');
    await vscode.commands.executeCommand('tinyLlm.openInspector');
    await selectParagraph();
    await predict();

    await waitForInspectorTab();
  });

  it('logs no error', async function () {
    const logFile = productLogFile();
    if (logFile === undefined) {
      // Only the desktop runner passes no log folder.
      this.skip();
    }
    // The log is written in order, so once this run's line is in the file,
    // an error logged by any earlier step is in it too.
    const runs = () => readProductLog(logFile).filter((line) => line.includes('Predicted ')).length;
    const runsBefore = runs();
    await selectParagraph();
    assert.ok(await predict(), 'tinyLlm.predictNextWord resolved to nothing');
    await waitFor(() => runs() > runsBefore, `${logFile} logs the run`);

    const lines = readProductLog(logFile);
    assert.deepEqual(
      lines.filter((line) => line.includes('[error]')),
      [],
      `${logFile} contains errors`,
    );
    assert.deepEqual(
      lines.filter((line) => line.includes('malformed message')),
      [],
      `${logFile} reports malformed messages`,
    );
  });
});
