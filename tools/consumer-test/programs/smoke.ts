/**
 * The consumer test's own program, run until examples/ exists: imports every library package's
 * public entry as a user outside this repository would, and computes one small thing with each.
 */
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend, type BackendInfo } from '@diffflow/backend';
import { fixedGrid, type TimeGrid } from '@diffflow/sde-core';
import * as networks from '@diffflow/networks';
import * as losses from '@diffflow/losses';
import * as adjoint from '@diffflow/adjoint';
import { natsToBitsPerDim } from '@diffflow/likelihood';
import { sampleToy } from '@diffflow/datasets';

/** Never called: the type checker must reject it, which it only can if the packages' types resolved. */
export function typesResolved(): void {
  // @ts-expect-error steps is a number
  fixedGrid({ steps: 'four', tMin: 1e-3, tMax: 0.05, beta: 0.9 });
}

const info: BackendInfo = await selectBackend({ quiet: true, prefer: 'cpu' });
const grid: TimeGrid = fixedGrid({ steps: 4, tMin: 1e-3, tMax: 0.05, beta: 0.9 });
const points = sampleToy('checkerboard', 8, { seed: 0, iteration: 0 });
const x = tf.tensor2d([0.3, -0.2, 0.5, 1.1], [2, 2]);
// d/dA Σ tanh(A A): needs the gradients selectBackend registered
const g = tf.grad((a: tf.Tensor) => tf.sum(tf.tanh(tf.matMul(a as tf.Tensor2D, a as tf.Tensor2D))))(x);
console.log(
  JSON.stringify({
    backend: info.name,
    gridPoints: grid.length,
    toyValues: points.length,
    bitsPerNat: natsToBitsPerDim(Math.LN2, 1),
    exports: { networks: Object.keys(networks).length, losses: Object.keys(losses).length, adjoint: Object.keys(adjoint).length },
    gradient: Array.from(g.dataSync()).map((v) => Number(v.toFixed(4))),
  }),
);
