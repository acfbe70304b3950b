/**
 * Splits a token sequence into training windows. A window is a run of up to
 * `contextLength` input positions; the target of each input is the token
 * that follows it. Every epoch covers each target exactly once, in windows
 * tiled from a random phase, so that a token is seen at different positions
 * in different epochs and the model learns more than one alignment of the
 * text.
 */
import { Mulberry32, openStream } from '../random';

/** Input positions start .. start + length - 1, with targets one position later. */
export interface TrainingWindow {
  readonly start: number;
  readonly length: number;
}

/**
 * Returns the windows of each epoch, in the order to train on them. With
 * `tokenCount` tokens there are `tokenCount - 1` targets. When they fit in
 * one context, every epoch has the single window [0, tokenCount - 1).
 * Otherwise epoch e draws a phase o in [0, contextLength) and uses the
 * windows [0, o) (when o > 0) and [o + k * contextLength, ...) clipped to
 * the targets, in a shuffled order.
 */
export function planWindows(
  tokenCount: number,
  contextLength: number,
  epochs: number,
  seed: number,
): TrainingWindow[][] {
  const targets = tokenCount - 1;
  if (targets < 1) {
    throw new RangeError(`training needs at least 2 tokens, but the text has ${tokenCount}`);
  }
  if (targets <= contextLength) {
    return Array.from({ length: epochs }, () => [{ start: 0, length: targets }]);
  }

  const random = openStream(seed, 'train.windows');
  const plan: TrainingWindow[][] = [];
  for (let epoch = 0; epoch < epochs; epoch++) {
    const phase = Math.floor(random.next() * contextLength);
    const windows: TrainingWindow[] = [];
    if (phase > 0) {
      windows.push({ start: 0, length: phase });
    }
    for (let start = phase; start < targets; start += contextLength) {
      windows.push({ start, length: Math.min(contextLength, targets - start) });
    }
    plan.push(shuffle(windows, random));
  }
  return plan;
}

/** Shuffles `items` in place with the Fisher-Yates algorithm and returns them. */
function shuffle<T>(items: T[], random: Mulberry32): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random.next() * (i + 1));
    [items[i], items[j]] = [items[j], items[i]];
  }
  return items;
}
