/**
 * jsonPieces must give exactly the text of JSON.stringify, piece by piece,
 * and write stages' Float32Arrays as arrays of numbers.
 */
import * as assert from 'node:assert/strict';
import { jsonPieces } from '../../../src/model/serialize';

const CASES: [string, unknown][] = [
  ['primitives', [1, 'two', true, null, -0, 1e-7]],
  ['empty object and array', { a: {}, b: [] }],
  ['left-out fields', { kept: 1, gone: undefined, alsoGone: () => 1 }],
  [
    'array past a piece',
    Array.from({ length: 200_003 }, (_, i) => (i % 3 === 0 ? `s${i}` : i / 7)),
  ],
  ['exactly one piece', Array.from({ length: 65_536 }, (_, i) => i)],
  ['one past a piece', Array.from({ length: 65_537 }, (_, i) => i)],
  [
    'nested stages',
    {
      config: { heads: 4, name: 'quote " and \\\\ backslash' },
      stages: { scores: { shape: [2, 2], data: [1, '-Infinity', 0.5, 'NaN'] } },
      long: { data: Array.from({ length: 70_000 }, (_, i) => [i, { x: i }]) },
    },
  ],
];

describe('jsonPieces', () => {
  for (const [name, value] of CASES) {
    it(`matches JSON.stringify: ${name}`, () => {
      const pieces = [...jsonPieces(value)];
      assert.equal(pieces.join(''), JSON.stringify(value));
    });
  }

  it('writes a Float32Array as numbers', () => {
    const data = Float32Array.of(1.5, -Infinity, 0, NaN, Infinity, -2);
    const text = [...jsonPieces({ data })].join('');
    assert.deepEqual(JSON.parse(text), { data: [1.5, '-Infinity', 0, 'NaN', 'Infinity', -2] });
    assert.equal([...jsonPieces(new Float32Array(0))].join(''), '[]');
  });

  it('writes a long Float32Array in pieces', () => {
    const data = Float32Array.from({ length: 150_001 }, (_, i) => i / 8);
    const pieces = [...jsonPieces(data)];
    assert.ok(pieces.length >= 4, `only ${pieces.length} pieces`);
    assert.deepEqual(JSON.parse(pieces.join('')), Array.from(data));
  });

  it('splits a long array into pieces', () => {
    const pieces = [...jsonPieces(Array.from({ length: 200_000 }, () => 0.125))];
    assert.ok(pieces.length >= 4, `only ${pieces.length} pieces`);
    assert.ok(Math.max(...pieces.map((piece) => piece.length)) < 1_000_000);
  });
});
