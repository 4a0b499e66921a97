import * as tf from '@tensorflow/tfjs-core';
import { lambdaDrift, lambdaStep } from './euler_maruyama.js';
import type { DiffusionModel } from './model.js';
import type { Sde } from './sde.js';
import { applyField, type VectorField } from './vector_field.js';

/**
 * λ of the marginal-equivalent family when a caller does not choose one: 0, the probability-flow
 * ODE — deterministic, and measured at least as good as λ = 1 (the backward SDE) at every number of
 * steps on the 2-D DiffFlow and DDPM checkpoints of docs/results/samplers.md, and on the main job's
 * checkpoint (93.3 % vs 91.6 % inside the checkerboard's squares). The one default of the library:
 * every sampler, command and worker reads it from here.
 */
export const defaultLambda = 0;

/**
 * The reverse process of a {@link DiffusionModel} (paper Eq. 17; score_sde's `SDE.reverse()`):
 *   dx = [f(x, t) − ((1 + λ²)/2) g(t)² s(x, t)] dt + λ g(t) dw̄,   λ ≥ 0,
 * run backward in time. λ = 1 is the backward SDE, λ = 0 the probability-flow ODE. Every sampler and
 * the probability-flow NLL take the λ-drift from here; nothing else derives it.
 */
export interface ReverseProcess {
  /** The model it reverses. */
  readonly model: DiffusionModel;
  /** The model's forward SDE (drift f, g, prior, interval, marginal). */
  readonly sde: Sde;
  /** The model's score field s(x, t). */
  readonly score: VectorField;
  /** λ ≥ 0. */
  readonly lambda: number;
  /** The factor of the score in the drift: ((1 + λ²)/2) g(t)². */
  scoreWeight(t: number): number;
  /** The diffusion of the reverse process: λ g(t). */
  diffusion(t: number): number;
  /**
   * The λ-drift f − ((1 + λ²)/2) g² s at (x, t), both fields evaluated through `applyField`.
   * @param x [B, ...D] @param t shared by the batch @returns [B, ...D]
   */
  drift(x: tf.Tensor, t: number): tf.Tensor;
  /**
   * The λ-drift from field values already computed at time t (e.g. by a vector–Jacobian product).
   * @param f f(x, t), @param s s(x, t): [B, ...D] @returns [B, ...D]
   */
  driftOf(f: tf.Tensor, s: tf.Tensor, t: number): tf.Tensor;
  /**
   * One Euler–Maruyama step backward from x at t to t − dt, the fields at the right end point t:
   *   x − [f − ((1 + λ²)/2) g² s] dt + λ g √dt δ
   * (δ ~ N(0, I) [B, ...D], or null for the noise-free step).
   */
  step(x: tf.Tensor, t: number, dt: number, noise: tf.Tensor | null): tf.Tensor;
  /**
   * The Tweedie denoising step from x at t to t − dt: the mean x − (f − g² s) dt of the backward
   * SDE's step (λ = 1, for every λ of this process), the samplers' noise-free last step.
   */
  tweedieStep(x: tf.Tensor, t: number, dt: number): tf.Tensor;
}

/**
 * The reverse process of `model` for one λ ≥ 0 (default {@link defaultLambda}).
 * @example
 * const ode = reverseProcess(model, 0); // the probability-flow ODE
 * const v = ode.drift(x, t);            // f − ½ g² s
 */
export function reverseProcess(model: DiffusionModel, lambda: number = defaultLambda): ReverseProcess {
  if (!Number.isFinite(lambda) || lambda < 0) throw new RangeError(`reverseProcess: lambda (λ) must be a finite number ≥ 0, got ${lambda}`);
  const { sde, score } = model;
  const fields = (x: tf.Tensor, t: number): [tf.Tensor, tf.Tensor] => [applyField(sde.drift, 'drift', x, t), applyField(score, 'score', x, t)];
  return Object.freeze({
    model,
    sde,
    score,
    lambda,
    scoreWeight: (t: number): number => {
      const g = sde.diffusion(t);
      return 0.5 * (1 + lambda * lambda) * g * g;
    },
    diffusion: (t: number): number => lambda * sde.diffusion(t),
    drift: (x: tf.Tensor, t: number): tf.Tensor => tf.tidy(() => lambdaDrift(...fields(x, t), sde.diffusion(t), lambda)),
    driftOf: (f: tf.Tensor, s: tf.Tensor, t: number): tf.Tensor => lambdaDrift(f, s, sde.diffusion(t), lambda),
    step: (x: tf.Tensor, t: number, dt: number, noise: tf.Tensor | null): tf.Tensor =>
      tf.tidy(() => lambdaStep(x, ...fields(x, t), sde.diffusion(t), dt, lambda, noise)),
    tweedieStep: (x: tf.Tensor, t: number, dt: number): tf.Tensor => tf.tidy(() => lambdaStep(x, ...fields(x, t), sde.diffusion(t), dt, 1, null)),
  });
}
