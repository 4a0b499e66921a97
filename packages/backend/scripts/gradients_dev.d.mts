// Side effects only: registers tfjs-core's gradient functions (see gradients_dev.mjs).
export {};
