let registration: Promise<void> | undefined;

/**
 * Registers tfjs-core's gradient functions (`tf.grad`, `tf.variableGrads`, optimisers need them)
 * with the engine, once; later calls return the same promise. Importing `@diffflow/backend` does
 * not register anything: call this, or {@link selectBackend} (which calls it), before the first
 * gradient. Backend-independent: call it whichever backend you start yourself.
 *
 * In Node it loads a bundle of tfjs-core's gradient modules made at build time (tfjs-core's Node
 * entry registers none, and its per-file ES modules do not load in Node; see
 * scripts/tfjs_gradients.mjs); under a bundler's `browser` condition it imports tfjs-core's own
 * `register_all_gradients` module. `@tensorflow/tfjs` (the union package) is not needed.
 */
export function registerGradients(): Promise<void> {
  registration ??= import('#tfjs-gradients').then(() => undefined);
  return registration;
}
