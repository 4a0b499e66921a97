/**
 * vitest setup shared by every package: registers tfjs's gradients and picks the backend the tests
 * run on. `DIFFFLOW_TEST_BACKEND=cpu|wasm` (default wasm, the embedded default of the library).
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { registerGradients } from '@diffflow/backend';

await registerGradients();
const wanted = process.env['DIFFFLOW_TEST_BACKEND'] ?? 'wasm';
if (!(await tf.setBackend(wanted))) throw new Error(`DIFFFLOW_TEST_BACKEND=${wanted}: backend failed to start`);
await tf.ready();
