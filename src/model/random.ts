/**
 * Seeded random numbers for the model's weights. Each parameter draws from a
 * stream of its own, named after the parameter, so that growing the
 * vocabulary by one word leaves every other number unchanged. The generator
 * (mulberry32) and the seeding (FNV-1a) are small enough to reimplement
 * exactly in the numpy reference; docs/model.md gives their definitions.
 */

const FNV_OFFSET_BASIS = 0x811c9dc5;
const FNV_PRIME = 0x01000193;
const TWO_TO_THE_32 = 4294967296;

/** Returns the 32-bit FNV-1a hash of the UTF-8 bytes of `text`. */
export function fnv1a32(text: string): number {
  let hash = FNV_OFFSET_BASIS;
  for (const byte of new TextEncoder().encode(text)) {
    hash ^= byte;
    hash = Math.imul(hash, FNV_PRIME) >>> 0;
  }
  return hash >>> 0;
}

/** A mulberry32 generator of uniform numbers in [0, 1). */
export class Mulberry32 {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** Draws the next uniform number in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / TWO_TO_THE_32;
  }

  /** Draws a standard normal number with the Box-Muller transform. */
  nextNormal(): number {
    const u1 = this.next();
    const u2 = this.next();
    // 1 - u1 lies in (0, 1], so the logarithm is finite.
    return Math.sqrt(-2 * Math.log(1 - u1)) * Math.cos(2 * Math.PI * u2);
  }
}

/** Opens the stream that parameter `name` draws from under `seed`. */
export function openStream(seed: number, name: string): Mulberry32 {
  return new Mulberry32(fnv1a32(`${seed}:${name}`));
}

/** Fills `target` with normal numbers times `scale` from stream `name`. */
export function fillNormal(target: Float32Array, seed: number, name: string, scale: number): void {
  const stream = openStream(seed, name);
  for (let i = 0; i < target.length; i++) {
    target[i] = stream.nextNormal() * scale;
  }
}
