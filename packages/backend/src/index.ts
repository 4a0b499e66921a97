export { selectBackend, backendNames, BackendError } from './select_backend.js';
export type { BackendName, BackendInfo } from './select_backend.js';
export { registerGradients } from './register_gradients.js';
