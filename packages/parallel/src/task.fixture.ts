/** Tasks for tasks.test.ts, run in a worker by `taskWorker`. */
import * as tf from '@tensorflow/tfjs-core';

/** This module's URL: the worker imports the tasks from here. */
export const tasksModule = import.meta.url;

/** The sum of x's rows on the worker's backend, and that backend's name. */
export async function rowSums(x: number[][]): Promise<{ sums: number[]; backend: string }> {
  const t = tf.tensor2d(x);
  const s = tf.sum(t, 1);
  const sums = Array.from(await s.data());
  tf.dispose([t, s]);
  return { sums, backend: tf.getBackend() };
}

/** Always throws. */
export function refuses(reason: string): never {
  throw new Error(`refused: ${reason}`);
}
