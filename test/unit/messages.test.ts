import * as assert from 'node:assert/strict';
import { isHostMessage, isWebviewMessage } from '../../src/messages';
import { toInspectorPayload } from '../../src/inspector/payload';
import { DEFAULT_CONFIG } from '../../src/model/config';
import { runModel } from '../../src/model/run';

describe('messages', () => {
  const valid: unknown[] = [
    { type: 'ready' },
    { type: 'exportTrace' },
    { type: 'revealToken', index: 3 },
    { type: 'highlightToken', index: null },
    { type: 'highlightToken', index: 0 },
    { type: 'saveHeatmap', format: 'svg', data: '<svg/>' },
  ];
  for (const message of valid) {
    it(`accepts webview message ${JSON.stringify(message)}`, () => {
      assert.ok(isWebviewMessage(message));
    });
  }

  const malformed: unknown[] = [
    null,
    'ready',
    42,
    {},
    { type: 'unknown' },
    { type: 'revealToken' },
    { type: 'revealToken', index: -1 },
    { type: 'revealToken', index: 1.5 },
    { type: 'revealToken', index: '2' },
    { type: 'highlightToken', index: undefined },
    { type: 'saveHeatmap', format: 'gif', data: '' },
    { type: 'saveHeatmap', format: 'png', data: 7 },
  ];
  for (const message of malformed) {
    it(`rejects webview message ${JSON.stringify(message)}`, () => {
      assert.equal(isWebviewMessage(message), false);
    });
  }

  it('accepts a host run message', () => {
    const run = runModel('Hello how are you hello', DEFAULT_CONFIG);
    const message = {
      type: 'showRun',
      inspectorRun: {
        sequence: 1,
        source: { fileName: 'a.txt', description: 'Selection' },
        input: { text: 'Hello how are you hello', offset: 0, document: 'file:///a.txt' },
        payload: toInspectorPayload(run, 0, undefined),
      },
    };
    assert.ok(isHostMessage(message));
  });

  const malformedHost: unknown[] = [
    { type: 'showRun' },
    { type: 'showRun', inspectorRun: { sequence: 1 } },
    { type: 'showRun', inspectorRun: { sequence: 1, source: {}, input: {}, payload: {} } },
    { type: 'exportHeatmap', format: 'bmp' },
    { type: 'training', progress: { document: 'a', losses: ['x'], epochs: 1 } },
  ];
  for (const message of malformedHost) {
    it(`rejects host message ${JSON.stringify(message)}`, () => {
      assert.equal(isHostMessage(message), false);
    });
  }
});
