import * as tf from '@tensorflow/tfjs-core';
import type { Parameter } from '@diffflow/networks';
import { adam, type Adam } from './adam.js';
import { clipByGlobalNorm } from './clip.js';
import { ema, type Ema } from './ema.js';

/** A snapshot of everything the next iteration reads, keyed by stable names. */
export interface TrainerState {
  readonly iteration: number;
  readonly adamStep: number;
  readonly emaUpdates: number;
  /** 'param/<name>', 'adam/m/<name>', 'adam/v/<name>', 'ema/<name>' (owned by the caller). */
  readonly tensors: Map<string, tf.Tensor>;
}

/**
 * The optimiser side of a training loop over named parameters, shared by DiffFlow's trainer and the
 * DDPM baseline's: global-norm clipping with a guard against non-finite gradients, Adam with
 * explicit state and StepLR, the EMA of the weights, and snapshots keyed by the parameters' stable names (not
 * tfjs's per-process variable names), so a checkpoint restores into freshly built networks.
 */
export interface NamedOptimizer {
  readonly ema: Ema;
  /**
   * Clips `grads` (keyed by variable name; disposed), then, when their norm is finite, one Adam step
   * at lr = baseLr · lrDecay^⌊iteration / lrDecayEvery⌋ (StepLR) and one EMA update. A non-finite
   * norm changes nothing and names the first bad gradient. A parameter without a gradient keeps its
   * value and Adam moments (its EMA still moves toward it). All of it runs on the parameters laid
   * end to end as one vector [P]: one concatenation of the gradients, the clip norm (summed in float64
   * from one read of it), Adam (~13 kernels), the EMA (3 kernels) and one split back into the variables.
   * @throws RangeError for a gradient keyed by no parameter's variable (the gradients are disposed)
   */
  update(grads: tf.NamedTensorMap, baseLr: number, iteration: number): { lr: number; gradNorm: number } | { failed: string };
  /** Adam from zero moments and step 0 (the EMA runs on). */
  restartAdam(): void;
  /** A snapshot of parameters, Adam and EMA state at `iteration` (copies the caller disposes). */
  state(iteration: number): TrainerState;
  /** Checks every tensor of `state` before assigning any; returns the snapshot's iteration. */
  restore(state: TrainerState): number;
  /** Frees Adam's and the EMA's tensors (not the parameters). */
  dispose(): void;
}

/** Clip threshold (0 = off), EMA decay, and StepLR: ×lrDecay every lrDecayEvery iterations. */
export interface NamedOptimizerOptions {
  /** Global gradient-norm clip (0 = off). */
  readonly clip: number;
  /** EMA decay of the weights. */
  readonly emaDecay: number;
  /** StepLR: lr × lrDecay every lrDecayEvery iterations. */
  readonly lrDecay: number;
  readonly lrDecayEvery: number;
}

/**
 * The optimisation settings every trainer takes (DiffFlow's `createTrainer`, `createLossTrainer`,
 * the DDPM baseline's `createDdpmTrainer`): Adam at `lr` with StepLR, clipping and EMA
 * ({@link NamedOptimizerOptions}), the root seed of the trainer's draws and the retry budget.
 */
export interface OptimizerConfig extends NamedOptimizerOptions {
  /** Root seed of the trainer's draws. */
  readonly seed: number;
  /** Adam's learning rate before StepLR. */
  readonly lr: number;
  /** Non-finite iterations retried with fresh noise before giving up. */
  readonly maxRetries: number;
}

/**
 * Adam, gradient clipping, StepLR and an EMA over named parameters: the update every trainer shares.
 * @throws RangeError when two parameters share a stable name (snapshots are keyed by it)
 */
export function namedOptimizer(parameters: readonly Parameter[], options: NamedOptimizerOptions): NamedOptimizer {
  // snapshots are keyed by the stable names: two parameters under one name would restore into one another
  const seen = new Set<string>();
  for (const p of parameters) {
    if (seen.has(p.name)) {
      throw new RangeError(`namedOptimizer: two parameters are named '${p.name}'; stable names must be unique (a model's two networks: namedParameters(model) names them 'drift/…' and 'score/…')`);
    }
    seen.add(p.name);
  }
  const variables = parameters.map((p) => p.variable);
  let optimizer: Adam = adam(variables);
  const average = ema(variables, options.emaDecay);
  const stableName = new Map(parameters.map((p) => [p.variable.name, p.name]));
  const liveName = new Map(parameters.map((p) => [p.name, p.variable.name]));
  return {
    ema: average,
    update(raw, baseLr, iteration) {
      let flat: tf.Tensor;
      let present: boolean[];
      try {
        present = optimizer.layout.present(raw);
        flat = optimizer.layout.flatten(raw);
      } catch (e) {
        tf.dispose(Object.values(raw));
        throw e;
      }
      const { grad, norm } = clipByGlobalNorm(flat, options.clip);
      if (!Number.isFinite(norm)) {
        grad.dispose();
        const bad = Object.entries(raw).find(([, g]) => (g.dataSync() as Float32Array).some((x) => !Number.isFinite(x)));
        tf.dispose(Object.values(raw));
        return { failed: `gradient of '${bad === undefined ? '?' : (stableName.get(bad[0]) ?? bad[0])}'` };
      }
      tf.dispose(Object.values(raw));
      const lr = baseLr * options.lrDecay ** Math.floor(iteration / options.lrDecayEvery);
      const theta = optimizer.applyFlat(grad, lr, present);
      grad.dispose();
      average.update(theta);
      theta.dispose();
      return { lr, gradNorm: norm };
    },
    restartAdam() {
      optimizer.dispose();
      optimizer = adam(variables);
    },
    state(iteration) {
      const tensors = new Map<string, tf.Tensor>();
      for (const p of parameters) tensors.set(`param/${p.name}`, tf.clone(p.variable));
      const { step, slots } = optimizer.state();
      for (const [key, t] of slots) {
        const [slot, ...rest] = key.split('/');
        tensors.set(`adam/${slot}/${stableName.get(rest.join('/')) ?? rest.join('/')}`, t);
      }
      for (const [name, t] of average.shadows()) tensors.set(`ema/${stableName.get(name) ?? name}`, t);
      return { iteration, adamStep: step, emaUpdates: average.updates, tensors };
    },
    restore(state) {
      const need = (key: string, shape: readonly number[]): tf.Tensor => {
        const t = state.tensors.get(key);
        if (t === undefined) throw new RangeError(`checkpoint has no tensor '${key}'`);
        if (t.shape.join(',') !== shape.join(',')) throw new RangeError(`checkpoint tensor '${key}' has shape [${t.shape}], the model needs [${shape}]`);
        return t;
      };
      const slots = new Map<string, tf.Tensor>();
      const shadows = new Map<string, tf.Tensor>();
      const values = parameters.map((p) => {
        const live = liveName.get(p.name) as string;
        slots.set(`m/${live}`, need(`adam/m/${p.name}`, p.variable.shape));
        slots.set(`v/${live}`, need(`adam/v/${p.name}`, p.variable.shape));
        shadows.set(live, need(`ema/${p.name}`, p.variable.shape));
        return need(`param/${p.name}`, p.variable.shape);
      });
      parameters.forEach((p, i) => p.variable.assign(values[i] as tf.Tensor));
      optimizer.restore(state.adamStep, slots);
      average.restore(state.emaUpdates, shadows);
      return state.iteration;
    },
    dispose() {
      optimizer.dispose();
      average.dispose();
    },
  };
}
