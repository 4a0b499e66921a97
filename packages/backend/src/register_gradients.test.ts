import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { registerGradients } from './register_gradients.js';

const packageRoot = fileURLToPath(new URL('..', import.meta.url));

/** Reads a tensor into a plain array and disposes it. */
const read = (t: tf.Tensor): number[] => {
  const values = Array.from(t.dataSync());
  t.dispose();
  return values;
};

describe('registerGradients', () => {
  it('registers the gradients tfjs-core alone lacks: tanh, matMul, conv2d, sin against closed forms', async () => {
    await registerGradients();
    const before = tf.memory().numTensors;
    const x = tf.tensor2d([0.3, -0.2, 0.5, 1.1], [2, 2]);
    const [dTanh] = tf.grads((a: tf.Tensor) => tf.sum(tf.tanh(a)))([x]);
    const expected = read(tf.tidy(() => tf.sub(1, tf.square(tf.tanh(x)))));
    Array.from(dTanh!.dataSync()).forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 6));
    // d/dA sum(A B) = 1 Bᵀ: every row of the gradient is the row sums of B
    const b = tf.tensor2d([1, 2, 3, 4], [2, 2]);
    const [dMatMul] = tf.grads((a: tf.Tensor) => tf.sum(tf.matMul(a as tf.Tensor2D, b)))([x]);
    expect(Array.from(dMatMul!.dataSync())).toEqual([3, 7, 3, 7]);
    // each input pixel of a 3×3 image is covered by as many 2×2 windows as the count below
    const img = tf.ones([1, 3, 3, 1]);
    const kernel = tf.ones([2, 2, 1, 1]) as tf.Tensor4D;
    const [dConv] = tf.grads((a: tf.Tensor) => tf.sum(tf.conv2d(a as tf.Tensor4D, kernel, 1, 'valid')))([img]);
    expect(Array.from(dConv!.dataSync())).toEqual([1, 2, 1, 2, 4, 2, 1, 2, 1]);
    // the Fourier time features' sin: d/dx Σ sin x = cos x
    const [dSin] = tf.grads((a: tf.Tensor) => tf.sum(tf.sin(a)))([x]);
    const cos = read(tf.cos(x));
    Array.from(dSin!.dataSync()).forEach((v, i) => expect(v).toBeCloseTo(cos[i]!, 6));
    tf.dispose([x, dTanh!, b, dMatMul!, img, kernel, dConv!, dSin!]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('returns one promise however often it is called', () => {
    expect(registerGradients()).toBe(registerGradients());
  });

  it("importing the package registers nothing and leaves Node's module loader alone", () => {
    const program = `
      import { createRequire } from 'node:module';
      const nodeModule = createRequire(import.meta.url)('node:module');
      const load = nodeModule._load;
      const tf = await import('@tensorflow/tfjs-core');
      const backend = await import('@diffflow/backend');
      const registeredOnImport = tf.getGradient('Tanh') !== undefined;
      const loaderUntouched = nodeModule._load === load;
      await backend.registerGradients();
      console.log(JSON.stringify({ registeredOnImport, loaderUntouched, registered: tf.getGradient('Tanh') !== undefined }));`;
    const run = spawnSync(process.execPath, ['--conditions=@diffflow/source', '--import', 'tsx', '--input-type=module', '-e', program], {
      cwd: packageRoot,
      encoding: 'utf8',
    });
    expect(run.stderr).toBe('');
    expect(JSON.parse(run.stdout.trim().split('\n').at(-1)!)).toEqual({ registeredOnImport: false, loaderUntouched: true, registered: true });
  });

  it("bundles for the browser with tfjs-core's own register_all_gradients and no Node built-in", async () => {
    const result = await build({
      entryPoints: [fileURLToPath(new URL('./index.ts', import.meta.url))],
      bundle: true,
      platform: 'browser',
      format: 'esm',
      conditions: ['@diffflow/source'],
      write: false,
      metafile: true,
      logLevel: 'silent',
    });
    const inputs = Object.keys(result.metafile.inputs);
    expect(inputs.some((path) => path.endsWith('@tensorflow/tfjs-core/dist/register_all_gradients.js'))).toBe(true);
    expect(inputs.filter((path) => path.startsWith('node:') || path.includes('gradients_dev') || path.includes('tfjs_gradients'))).toEqual([]);
  });
});
