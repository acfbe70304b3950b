/**
 * The Adam optimizer (Kingma and Ba, "Adam: A Method for Stochastic
 * Optimization", 2015) with bias correction. It keeps a running mean of each
 * parameter's gradient and of its square, and moves every parameter by about
 * the learning rate in the direction of the mean, scaled down where the
 * gradient is noisy.
 */
import { PARAMETER_NAMES, ParameterName, Parameters } from '../parameters';
import { Gradients } from './backward';

export interface AdamSettings {
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
}

export const DEFAULT_ADAM: AdamSettings = {
  beta1: 0.9,
  beta2: 0.999,
  epsilon: 1e-8,
};

/** Adam's state: the first and second moment of every parameter and the step count. */
export class Adam {
  private readonly firstMoment = {} as Record<ParameterName, Float64Array>;
  private readonly secondMoment = {} as Record<ParameterName, Float64Array>;
  private step = 0;

  constructor(
    parameters: Parameters,
    private readonly settings: AdamSettings = DEFAULT_ADAM,
  ) {
    for (const name of PARAMETER_NAMES) {
      this.firstMoment[name] = new Float64Array(parameters[name].data.length);
      this.secondMoment[name] = new Float64Array(parameters[name].data.length);
    }
  }

  /**
   * Updates `parameters` in place with one Adam step:
   * m = b1 m + (1 - b1) g, v = b2 v + (1 - b2) g^2,
   * p -= lr * (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps).
   */
  update(parameters: Parameters, gradients: Gradients, learningRate: number): void {
    this.step++;
    const { beta1, beta2, epsilon } = this.settings;
    const correction1 = 1 - Math.pow(beta1, this.step);
    const correction2 = 1 - Math.pow(beta2, this.step);

    for (const name of PARAMETER_NAMES) {
      const p = parameters[name].data;
      const g = gradients[name].data;
      const m = this.firstMoment[name];
      const v = this.secondMoment[name];
      if (g.length !== p.length) {
        throw new RangeError(
          `gradient of ${name} has ${g.length} values, the parameter ${p.length}`,
        );
      }
      for (let i = 0; i < p.length; i++) {
        m[i] = beta1 * m[i] + (1 - beta1) * g[i];
        v[i] = beta2 * v[i] + (1 - beta2) * g[i] * g[i];
        p[i] -= (learningRate * (m[i] / correction1)) / (Math.sqrt(v[i] / correction2) + epsilon);
      }
    }
  }
}
