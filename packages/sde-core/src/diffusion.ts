/**
 * Diffusion schedules g(t): the scalar noise scale of dx = f dt + g(t) dw.
 */

/** g(t) ≥ 0 at a time t; one value per time, shared by the batch. */
export type Diffusion = (t: number) => number;

/** g(t) = value for all t (the reference uses 0.2 in 2-D and 1 for images). */
export function constantDiffusion(value: number): Diffusion {
  if (!Number.isFinite(value) || value < 0) throw new RangeError(`diffusion g must be a finite number ≥ 0, got ${value}`);
  return () => value;
}

/**
 * Piecewise-linear g through the knots (times[k], values[k]), constant beyond the end knots.
 * @example piecewiseDiffusion([0, 0.05], [0.1, 0.5])(0.025) // 0.3
 */
export function piecewiseDiffusion(times: readonly number[], values: readonly number[]): Diffusion {
  if (times.length < 1 || times.length !== values.length) {
    throw new RangeError(`piecewiseDiffusion: times and values must be non-empty and of equal length, got ${times.length} and ${values.length}`);
  }
  times.forEach((t, k) => {
    if (!Number.isFinite(t) || (k > 0 && t <= (times[k - 1] as number))) throw new RangeError(`piecewiseDiffusion: times must be finite and increasing (index ${k})`);
  });
  values.forEach((v, k) => {
    if (!Number.isFinite(v) || v < 0) throw new RangeError(`piecewiseDiffusion: values[${k}] must be a finite number ≥ 0, got ${v}`);
  });
  return (t) => {
    if (t <= (times[0] as number)) return values[0] as number;
    for (let k = 1; k < times.length; k++) {
      const t1 = times[k] as number;
      if (t <= t1) {
        const t0 = times[k - 1] as number;
        const w = (t - t0) / (t1 - t0);
        return (1 - w) * (values[k - 1] as number) + w * (values[k] as number);
      }
    }
    return values[values.length - 1] as number;
  };
}

/**
 * Any function of t, checked on use: g must be finite and ≥ 0 wherever it is evaluated.
 * @example functionalDiffusion((t) => Math.sqrt(0.1 + 19.9 * t)) // the VP-SDE's √β(t)
 */
export function functionalDiffusion(g: (t: number) => number): Diffusion {
  return (t) => {
    const v = g(t);
    if (!Number.isFinite(v) || v < 0) throw new RangeError(`diffusion g(${t}) = ${v}: must be a finite number ≥ 0`);
    return v;
  };
}
