import * as assert from 'node:assert/strict';
import { Mulberry32, fnv1a32, openStream } from '../../../src/model/random';
import { assertClose, loadFixture } from '../fixtures';

interface RandomFixture {
  mulberry32: { seed: number; draws: number[] }[];
  fnv1a32: { text: string; hash: number }[];
  normal: { stream: string; state: number; draws: number[] };
}

const fixture = loadFixture<RandomFixture>('random.json');

describe('random', () => {
  for (const { seed, draws } of fixture.mulberry32) {
    it(`mulberry32 seed ${seed} matches numpy exactly`, () => {
      const generator = new Mulberry32(seed);
      assert.deepEqual(
        draws.map(() => generator.next()),
        draws,
      );
    });
  }

  for (const { text, hash } of fixture.fnv1a32) {
    it(`fnv1a32 of ${JSON.stringify(text)} matches`, () => {
      assert.equal(fnv1a32(text), hash);
    });
  }

  it('stream state is the FNV-1a hash of its name', () => {
    assert.equal(fnv1a32(fixture.normal.stream), fixture.normal.state);
  });

  it('normal draws match numpy', () => {
    const [seed, ...name] = fixture.normal.stream.split(':');
    const stream = openStream(Number(seed), name.join(':'));
    const draws = fixture.normal.draws.map(() => stream.nextNormal());
    // V8's Math.log and Math.cos may differ from C's libm in the last bit.
    assertClose(draws, fixture.normal.draws, 1e-14, 'normal draws');
  });

  it('same seed gives the same draws', () => {
    const a = new Mulberry32(7);
    const b = new Mulberry32(7);
    for (let i = 0; i < 100; i++) {
      assert.equal(a.next(), b.next());
    }
  });

  it('draws stay in [0, 1)', () => {
    const generator = new Mulberry32(123);
    for (let i = 0; i < 10000; i++) {
      const u = generator.next();
      assert.ok(u >= 0, `draw ${i} is ${u}`);
      assert.ok(u < 1, `draw ${i} is ${u}`);
    }
  });
});
