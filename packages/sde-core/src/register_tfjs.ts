/**
 * Registers tfjs's gradient functions (and chained tensor methods) with the engine.
 *
 * `@tensorflow/tfjs-core`'s Node bundle registers neither, and its per-file ES modules cannot be
 * loaded by Node (extension-less imports), so the union package's Node bundle does it: it
 * requires the same `@tensorflow/tfjs-core` instance and adds the registrations as side effects.
 * Everything in this library still codes against the tfjs-core API, functional style
 * (`tf.add(a, b)`, not `a.add(b)`).
 */
import '@tensorflow/tfjs';
