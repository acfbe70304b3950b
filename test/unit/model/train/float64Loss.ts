/**
 * A float64 copy of the forward pass and the cross-entropy loss, for the
 * finite-difference gradient check. The model stores every stage in
 * float32, whose rounding (about 1e-7 relative) would swamp the small loss
 * changes that a tight finite difference measures. In float64 a central
 * difference with step 1e-5 has an error of roughly 1e-9, an estimate from
 * the step size and float64 rounding.
 */
import { ModelConfig } from '../../../../src/model/config';
import { PARAMETER_NAMES, ParameterName, Parameters } from '../../../../src/model/parameters';

export type Float64Parameters = Record<ParameterName, { shape: number[]; data: Float64Array }>;

/** Copies every parameter group into float64. */
export function toFloat64(parameters: Parameters): Float64Parameters {
  const copy = {} as Float64Parameters;
  for (const name of PARAMETER_NAMES) {
    copy[name] = {
      shape: [...parameters[name].shape],
      data: Float64Array.from(parameters[name].data),
    };
  }
  return copy;
}

/** Returns a @ b for row-major a [n, k] and b [k, m]. */
function matmul(a: Float64Array, b: Float64Array, n: number, k: number, m: number): Float64Array {
  const out = new Float64Array(n * m);
  for (let i = 0; i < n; i++) {
    for (let p = 0; p < k; p++) {
      for (let j = 0; j < m; j++) {
        out[i * m + j] += a[i * k + p] * b[p * m + j];
      }
    }
  }
  return out;
}

/**
 * Returns the mean cross-entropy of the model on `inputs` against `targets`,
 * computed in float64 with the formulas of docs/model.md.
 */
export function float64Loss(
  p: Float64Parameters,
  config: Pick<ModelConfig, 'heads' | 'causalMask' | 'positions'>,
  inputs: readonly number[],
  targets: readonly number[],
): number {
  const T = inputs.length;
  const [V, d] = p.embeddings.shape;
  const dFF = p.b1.shape[0];
  const dHead = d / config.heads;

  const x = new Float64Array(T * d); // [T, d]
  for (let t = 0; t < T; t++) {
    for (let c = 0; c < d; c++) {
      let value = p.embeddings.data[inputs[t] * d + c];
      if (config.positions === 'learned') {
        value += p.positions.data[t * d + c];
      } else if (config.positions === 'sinusoidal') {
        const angle = t / Math.pow(10000, (2 * Math.floor(c / 2)) / d);
        value += c % 2 === 0 ? Math.sin(angle) : Math.cos(angle);
      }
      x[t * d + c] = value;
    }
  }

  const q = matmul(x, p.queryWeight.data, T, d, d); // [T, d]
  const k = matmul(x, p.keyWeight.data, T, d, d); // [T, d]
  const v = matmul(x, p.valueWeight.data, T, d, d); // [T, d]
  const context = new Float64Array(T * d); // [T, d]
  for (let head = 0; head < config.heads; head++) {
    const column = head * dHead;
    for (let i = 0; i < T; i++) {
      const visible = config.causalMask ? i + 1 : T;
      const scores = new Float64Array(visible);
      for (let j = 0; j < visible; j++) {
        for (let c = 0; c < dHead; c++) {
          scores[j] += (q[i * d + column + c] * k[j * d + column + c]) / Math.sqrt(dHead);
        }
      }
      const max = Math.max(...scores);
      const exps = scores.map((s) => Math.exp(s - max));
      const sum = exps.reduce((a, b) => a + b, 0);
      for (let j = 0; j < visible; j++) {
        for (let c = 0; c < dHead; c++) {
          context[i * d + column + c] += (exps[j] / sum) * v[j * d + column + c];
        }
      }
    }
  }

  const attention = matmul(context, p.outputWeight.data, T, d, d); // [T, d]
  const residual = x.map((value, i) => value + attention[i]); // [T, d]
  const hidden = matmul(residual, p.w1.data, T, d, dFF).map((value, i) =>
    Math.max(0, value + p.b1.data[i % dFF]),
  ); // [T, d_ff]
  const feedForward = matmul(hidden, p.w2.data, T, dFF, d).map(
    (value, i) => value + p.b2.data[i % d],
  ); // [T, d]
  const output = residual.map((value, i) => value + feedForward[i]); // [T, d]
  const logits = matmul(output, p.vocabularyWeight.data, T, d, V).map(
    (value, i) => value + p.vocabularyBias.data[i % V],
  ); // [T, V]

  let total = 0;
  for (let t = 0; t < T; t++) {
    const row = logits.subarray(t * V, (t + 1) * V);
    const max = Math.max(...row);
    const sum = row.reduce((s, value) => s + Math.exp(value - max), 0);
    total += Math.log(sum) + max - row[targets[t]];
  }
  return total / T;
}
