/**
 * Picks the fastest TensorFlow.js backend present (tfjs-node-gpu, tfjs-node, wasm, then cpu) and registers tfjs's gradient functions without the @tensorflow/tfjs union package.
 * @module @diffflow/backend
 */
export { selectBackend, backendNames, BackendError } from './select_backend.js';
export type { BackendName, BackendInfo } from './select_backend.js';
export { registerGradients } from './register_gradients.js';
