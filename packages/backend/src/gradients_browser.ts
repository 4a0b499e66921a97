/**
 * What `#tfjs-gradients` resolves to under the `browser` condition (Vite, webpack, esbuild for the
 * web): tfjs-core's own per-file ES module that registers every gradient function. Bundlers resolve
 * its extension-less imports, and it shares the module instances of the `@tensorflow/tfjs-core`
 * the application imports, so nothing is duplicated. No Node built-in is imported on this path.
 */
import '@tensorflow/tfjs-core/dist/register_all_gradients.js';
