/**
 * Loads the JSON fixtures that test/reference/reference.py writes with
 * numpy, and compares arrays within a tolerance. Non-finite numbers are
 * stored as the strings "Infinity", "-Infinity" and "NaN".
 */
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { ModelConfig } from '../../src/model/config';
import { Parameters } from '../../src/model/parameters';
import { Tensor } from '../../src/model/tensor';

/** The repository's root: the compiled tests run from out/test/unit. */
export const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');

export type JsonNumber = number | 'Infinity' | '-Infinity' | 'NaN';

export interface TensorJson {
  shape: number[];
  data: JsonNumber[];
}

export interface ForwardCase {
  name: string;
  text: string;
  config: ModelConfig;
  vocabulary: string[];
  ids: number[];
  parameters: Record<keyof Parameters, TensorJson>;
  stages: Record<string, TensorJson>;
  prediction: { id: number; word: string; probability: number };
}

/** Reads test/fixtures/NAME. */
export function loadFixture<T>(name: string): T {
  return JSON.parse(readFileSync(path.join(REPO_ROOT, 'test', 'fixtures', name), 'utf8')) as T;
}

/** Converts a fixture number to a JavaScript number. */
export function toNumber(value: JsonNumber): number {
  return typeof value === 'number' ? value : Number(value);
}

/** Converts a fixture tensor to a model tensor. */
export function toTensor(json: TensorJson): Tensor {
  return { shape: json.shape, data: Float32Array.from(json.data, toNumber) };
}

/** Converts every fixture parameter to a model tensor. */
export function toParameters(json: ForwardCase['parameters']): Parameters {
  const entries = Object.entries(json).map(([name, tensor]) => [name, toTensor(tensor)]);
  return Object.fromEntries(entries) as Parameters;
}

/**
 * Asserts that every element matches within `tolerance`, absolute for
 * values up to 1 and relative above. NaN matches only NaN. The message
 * names the first element that differs.
 */
export function assertClose(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  tolerance: number,
  label: string,
): void {
  assert.equal(actual.length, expected.length, `${label}: length`);
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i];
    const e = expected[i];
    if (Number.isNaN(e) || !Number.isFinite(e)) {
      assert.ok(Object.is(a, e), `${label}[${i}]: expected ${e}, got ${a}`);
      continue;
    }
    const error = Math.abs(a - e) / Math.max(1, Math.abs(e));
    assert.ok(error <= tolerance, `${label}[${i}]: expected ${e}, got ${a} (error ${error})`);
  }
}

/** Asserts that a tensor has the fixture's shape and numbers within `tolerance`. */
export function assertTensorClose(
  actual: Tensor,
  expected: TensorJson,
  tolerance: number,
  label: string,
): void {
  assert.deepEqual([...actual.shape], expected.shape, `${label}: shape`);
  assertClose(actual.data, expected.data.map(toNumber), tolerance, label);
}

/** The tolerance every stage must meet against numpy. */
export const STAGE_TOLERANCE = 1e-5;
