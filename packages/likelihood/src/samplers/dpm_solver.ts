import * as tf from '@tensorflow/tfjs-core';
import { applyField, type DiffusionModel } from '@diffflow/sde-core';
import { defineSampler, SamplerModelError, type SamplerChunk, type SamplerStepper } from './sampler.js';

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
 *
 * `dpm-solver-sde` (SDE-DPM-Solver++(2M)) integrates the backward SDE (λ = 1) instead,
 * its linear part and its noise exactly: x_t = (σ_t/σ_s) e^{−h} x_s + 2α_t ∫_{λ_s}^{λ_t} e^{−2(λ_t − λ)} x̂_0(λ) dλ
 * + σ_t √(1 − e^{−2h}) δ, so
 *   x_t = (σ_t/σ_s) e^{−h} x_s + α_t (1 − e^{−2h}) x̂_0 + α_t (h − ½(1 − e^{−2h})) x̂_0′ + σ_t √(1 − e^{−2h}) δ
 * (the x̂_0′ term at order 2). Order 1 is the DDPM posterior step q(x_t | x_s, x̂_0). δ is the chunk's
 * keyed noise of step i (none on the last step with `denoise`, its default); the SDE's noise corrects
 * errors of the score that the ODE carries to the end.
 */
export const dpmSolver = defineSampler({
  name: 'dpm-solver',
  description: 'DPM-Solver++ multistep exponential integrator (orders 1–3) for VP, sub-VP, VE and DDPM; 1 evaluation per step',
  settings: {
    order: { kind: 'integer', default: 3, min: 1, max: 3, description: 'order of the multistep method (1 = DDIM)' },
    lowerOrderFinal: { kind: 'boolean', default: true, description: 'lower the order on the last steps of a grid with fewer than 15 steps' },
  },
  checkModel: (model) => checkLinearMarginal('dpm-solver', model),
  start: (chunk) => multistepRule({ name: 'dpm-solver', stochastic: false, denoise: false }, chunk),
});

/**
 * SDE-DPM-Solver++(2M) (Lu et al. 2022): the backward SDE (λ = 1) integrated with its linear part and
 * its noise exact, second order from its second step (the first, with one x̂_0, is first order: the DDPM
 * posterior step q(x_t | x_s, x̂_0)) — the rule of `dpm-solver` with the SDE's step (see its comment). One score evaluation per step; the step's noise is the
 * chunk's keyed normal of step i (same seed → same samples on one thread or many).
 */
export const dpmSolverSde = defineSampler({
  name: 'dpm-solver-sde',
  description: 'SDE-DPM-Solver++(2M): the backward SDE with its linear part and noise exact, second order, for VP, sub-VP, VE and DDPM; 1 evaluation per step',
  settings: {
    lowerOrderFinal: { kind: 'boolean', default: true, description: 'lower the order on the last steps of a grid with fewer than 15 steps' },
    denoise: { kind: 'boolean', default: true, description: "the last step without its noise (the step's mean, as DDPM's chain ends)" },
  },
  checkModel: (model) => checkLinearMarginal('dpm-solver-sde', model),
  start: (chunk) => multistepRule({ name: 'dpm-solver-sde', stochastic: true, denoise: chunk.settings.denoise }, { ...chunk, settings: { order: 2, lowerOrderFinal: chunk.settings.lowerOrderFinal } }),
});

function checkLinearMarginal(name: string, model: DiffusionModel): void {
  if (model.sde.marginal === undefined) {
    throw new SamplerModelError(
      name,
      model.sde.name,
      `sampler '${name}' needs an SDE with a fixed linear drift and a closed-form marginal (VP, sub-VP, VE); '${model.sde.name}' has none (a learned drift) — use heun, rk45, predictor-corrector or euler-maruyama`,
    );
  }
}

/**
 * The multistep rule of both samplers, named by `rule.name` in its errors: the ODE (`stochastic`
 * false) or the backward SDE (with `denoise`, no noise on the last step).
 */
function multistepRule(
  rule: { readonly name: string; readonly stochastic: boolean; readonly denoise: boolean },
  { model, settings, grid, normal }: SamplerChunk<{ readonly order: number; readonly lowerOrderFinal: boolean }>,
): SamplerStepper {
  const { name, stochastic, denoise } = rule;
  const marginal = model.sde.marginal;
  if (marginal === undefined) throw new SamplerModelError(name, model.sde.name, `sampler '${name}': '${model.sde.name}' has no closed-form marginal`);
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
      if (!(s.sigma > 0 && s.alpha > 0)) throw new RangeError(`sampler '${name}': needs σ(t) > 0 and α(t) > 0 above t_0, got σ = ${s.sigma}, α = ${s.alpha} at t = ${grid[i + 1]}`);
      const x0 = tf.tidy(() => tf.div(tf.add(x, tf.mul(applyField(model.score, 'score', x, grid[i + 1] as number), s.sigma * s.sigma)), s.alpha));
      history.unshift({ lambda: s.lambda, x0 });
      if (history.length > 3) tf.dispose(history.pop()?.x0);
      let order = Math.min(settings.order, history.length);
      if (settings.lowerOrderFinal && steps < 15) order = Math.min(order, i + 1);
      if (!(t.sigma > 0)) return tf.mul(x0, t.alpha); // λ_t = ∞: the ODE ends on the data prediction
      const h = t.lambda - s.lambda;
      if (stochastic) {
        const keep = -Math.expm1(-2 * h); // 1 − e^{−2h}
        const noise = i === 0 && denoise ? null : normal(i);
        try {
          return tf.tidy(() => {
            let out = tf.add(tf.mul(x, (t.sigma / s.sigma) * Math.exp(-h)), tf.mul(x0, t.alpha * keep));
            if (order >= 2) {
              const [p0, p1] = history as [{ lambda: number; x0: tf.Tensor }, { lambda: number; x0: tf.Tensor }];
              const slope = tf.div(tf.sub(p0.x0, p1.x0), p0.lambda - p1.lambda); // x̂_0′ by the last two values
              out = tf.add(out, tf.mul(slope, t.alpha * (h - 0.5 * keep)));
            }
            return noise === null ? out : tf.add(out, tf.mul(noise, t.sigma * Math.sqrt(keep)));
          });
        } finally {
          noise?.dispose();
        }
      }
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
}
