// Checks of what the inspector shows against the CLI's run of the same text,
// shared by the end-to-end test files.

'use strict';

const assert = require('node:assert/strict');

/** Checks the inspector's DOM against the CLI's run of the same text. */
function assertInspectorMatches(displayed, cli) {
  assert.equal(displayed.bodyState, 'ready');
  assert.equal(displayed.word, cli.prediction.word, 'predicted word differs from the CLI');

  assert.equal(
    displayed.tokens.length,
    cli.tokens.length,
    'number of token chips differs from the CLI',
  );
  displayed.tokens.forEach((chip, index) => {
    const expected = cli.tokens[index];
    assert.equal(
      chip.id,
      String(expected.id),
      `token chip ${index} has data-id ${chip.id}, the CLI gives "${expected.text}" id ${expected.id}`,
    );
    assert.ok(
      chip.text.includes(expected.text),
      `token chip ${index} reads "${chip.text}", expected "${expected.text}"`,
    );
  });

  // The panel may draw only the last rows of a long text, so the DOM reports
  // how many tokens the heatmap covers, and they must be the last ones.
  assert.ok(displayed.heatmap, 'table[data-testid="heatmap"] not found');
  const drawn = displayed.heatmap.rowHeaders.length;
  assert.ok(drawn > 0, 'heatmap has no rows');
  assert.ok(
    drawn <= cli.tokens.length,
    `heatmap has ${drawn} rows for ${cli.tokens.length} tokens`,
  );
  const lastTokens = cli.tokens.slice(cli.tokens.length - drawn).map((token) => token.text);
  assert.deepEqual(
    displayed.heatmap.rowHeaders,
    lastTokens,
    'heatmap row headers are not the last tokens',
  );
  assert.deepEqual(
    displayed.heatmap.columnHeaders,
    lastTokens,
    'heatmap column headers are not the last tokens',
  );
  assert.equal(
    displayed.heatmap.cells,
    drawn * drawn,
    `heatmap has ${displayed.heatmap.cells} cells, expected ${drawn}×${drawn}`,
  );
  displayed.heatmap.cellsPerRow.forEach((cells, row) => {
    assert.equal(cells, drawn, `heatmap row ${row} has ${cells} cells, expected ${drawn}`);
  });
  return drawn;
}

module.exports = { assertInspectorMatches };
