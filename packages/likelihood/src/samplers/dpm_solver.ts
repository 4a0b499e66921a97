import * as tf from '@tensorflow/tfjs-core';
import { applyField } from '@diffflow/sde-core';
import { defineSampler, SamplerModelError } from './sampler.js';

/**
 * DPM-Solver, multistep with data prediction (Lu et al. 2022, DPM-Solver++ (kM)): an exponential
 * integrator of the probability-flow ODE for an SDE whose drift is fixed and linear, whose marginal
 * x_t = α_t x_0 + σ_t ε is known in closed form (VP, sub-VP, VE, DDPM's VP). In the half log-SNR
 * λ_t = log(α_t / σ_t) the ODE is solved exactly up to the model's data prediction
 * x̂_0(x, t) = (x + σ_t² s(x, t)) / α_t:
 *   x_t = (σ_t / σ_s) x_s + σ_t ∫_{λ_s}^{λ_t} e^λ x̂_0(λ) dλ,
 * with x̂_0 replaced by the polynomial of degree k − 1 through its last k values (k = the order, 1–3),
 * h = λ_t − λ_s, φ₁ = e^{−h} − 1, φ₂ = φ₁/h + 1, φ₃ = φ₂/h − ½:
 *   x_t = (σ_t/σ_s) x_s − α_t φ₁ x̂_0 + α_t h φ₂ x̂_0′ − α_t h² φ₃ x̂_0″   (derivatives in λ at λ_s).
 * Order 1 is DDIM. The first steps use the orders their history allows; with `lowerOrderFinal` the
 * last steps of a short grid (N < 15) drop to the orders that remain, as DPM-Solver recommends (a
 * last step that is long in λ — a grid uniform in t ending near t = 0 — is unstable at order ≥ 2). One score
 * evaluation per step (the linear drift is integrated exactly); global error O(h^order).
 */
export const dpmSolver = defineSampler({
  name: 'dpm-solver',
  description: 'DPM-Solver++ multistep exponential integrator (orders 1–3) for VP, sub-VP, VE and DDPM; 1 evaluation per step',
  settings: {
    order: { kind: 'integer', default: 3, min: 1, max: 3, description: 'order of the multistep method (1 = DDIM)' },
    lowerOrderFinal: { kind: 'boolean', default: true, description: 'lower the order on the last steps of a grid with fewer than 15 steps' },
  },
  checkModel: (model) => {
    if (model.sde.marginal === undefined) {
      throw new SamplerModelError(
        'dpm-solver',
        model.sde.name,
        `sampler 'dpm-solver' needs an SDE with a fixed linear drift and a closed-form marginal (VP, sub-VP, VE); '${model.sde.name}' has none (a learned drift) — use heun, rk45, predictor-corrector or euler-maruyama`,
      );
    }
  },
  start: ({ model, settings, grid }) => {
    const marginal = model.sde.marginal;
    if (marginal === undefined) throw new SamplerModelError('dpm-solver', model.sde.name, `sampler 'dpm-solver': '${model.sde.name}' has no closed-form marginal`);
    const steps = grid.length - 1;
    const at = (t: number): { alpha: number; sigma: number; lambda: number } => {
      const { meanScale: alpha, std: sigma } = marginal(t);
      return { alpha, sigma, lambda: Math.log(alpha) - Math.log(sigma) };
    };
    /** The last data predictions, newest first: x̂_0 at λ. */
    const history: { lambda: number; x0: tf.Tensor }[] = [];
    const dispose = (): void => {
      tf.dispose(history.map((h) => h.x0));
      history.length = 0;
    };
    return {
      step: (x, i) => {
        const s = at(grid[i + 1] as number);
        const t = at(grid[i] as number);
        if (!(s.sigma > 0 && s.alpha > 0)) throw new RangeError(`sampler 'dpm-solver': needs σ(t) > 0 and α(t) > 0 above t_0, got σ = ${s.sigma}, α = ${s.alpha} at t = ${grid[i + 1]}`);
        const x0 = tf.tidy(() => tf.div(tf.add(x, tf.mul(applyField(model.score, 'score', x, grid[i + 1] as number), s.sigma * s.sigma)), s.alpha));
        history.unshift({ lambda: s.lambda, x0 });
        if (history.length > 3) tf.dispose(history.pop()?.x0);
        let order = Math.min(settings.order, history.length);
        if (settings.lowerOrderFinal && steps < 15) order = Math.min(order, i + 1);
        if (!(t.sigma > 0)) return tf.mul(x0, t.alpha); // λ_t = ∞: the ODE ends on the data prediction
        const h = t.lambda - s.lambda;
        const phi1 = Math.expm1(-h);
        const phi2 = phi1 / h + 1;
        const phi3 = phi2 / h - 0.5;
        return tf.tidy(() => {
          let out = tf.sub(tf.mul(x, t.sigma / s.sigma), tf.mul(x0, t.alpha * phi1));
          if (order >= 2) {
            const [p0, p1] = history as [{ lambda: number; x0: tf.Tensor }, { lambda: number; x0: tf.Tensor }];
            const h0 = p0.lambda - p1.lambda;
            const d01 = tf.div(tf.sub(p0.x0, p1.x0), h0); // divided difference x̂_0[λ_s, λ_1]
            let first = d01; // x̂_0′(λ_s)
            if (order === 3) {
              const p2 = history[2] as { lambda: number; x0: tf.Tensor };
              const h1 = p1.lambda - p2.lambda;
              const d12 = tf.div(tf.sub(p1.x0, p2.x0), h1);
              const d012 = tf.div(tf.sub(d01, d12), h0 + h1); // x̂_0[λ_s, λ_1, λ_2] = x̂_0″ / 2
              first = tf.add(d01, tf.mul(d012, h0));
              out = tf.sub(out, tf.mul(d012, 2 * t.alpha * h * h * phi3));
            }
            out = tf.add(out, tf.mul(first, t.alpha * h * phi2));
          }
          return out;
        });
      },
      dispose,
    };
  },
});
