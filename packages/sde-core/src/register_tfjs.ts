/**
 * Registers tfjs's gradient functions (and chained tensor methods) with the engine.
 *
 * `@tensorflow/tfjs-core`'s Node bundle registers neither, and its per-file ES modules cannot be
 * loaded by Node (extension-less imports), so the union package's Node bundle does it: it
 * requires the same `@tensorflow/tfjs-core` instance and adds the registrations as side effects.
 * Everything in this library still codes against the tfjs-core API, functional style
 * (`tf.add(a, b)`, not `a.add(b)`).
 *
 * In Node the bundle is loaded lean: while it evaluates, its requires of tfjs-layers,
 * tfjs-converter, tfjs-data and tfjs-backend-webgl get empty stand-ins. Those four register no
 * gradient, and loading them costs ~40 MiB of RSS in every thread that imports this package
 * (measured: core + wasm backend + registrations 62 MiB, the same with the whole union package
 * 106 MiB) — the main thread and each data-parallel worker. The bundle is then dropped from the
 * require cache, so a caller's own `require('@tensorflow/tfjs')` / `import` still loads it whole.
 * If the union package was loaded before this module, nothing is stubbed (it is already whole).
 * Outside Node (no `process.getBuiltinModule`) the whole package is imported.
 */
type NodeModuleApi = {
  createRequire(from: string): NodeJS.Require;
  _load?: (request: string, parent: unknown, isMain: boolean) => unknown;
};

/** The union package's heavy siblings, which register no gradients. */
export const stubbedTfjsPackages: readonly string[] = ['@tensorflow/tfjs-layers', '@tensorflow/tfjs-converter', '@tensorflow/tfjs-data', '@tensorflow/tfjs-backend-webgl'];

const nodeModule = (globalThis.process as { getBuiltinModule?: (id: string) => unknown } | undefined)?.getBuiltinModule?.('node:module') as NodeModuleApi | undefined;

if (nodeModule !== undefined && typeof nodeModule._load === 'function') {
  const require = nodeModule.createRequire(import.meta.url);
  const path = require.resolve('@tensorflow/tfjs');
  if (require.cache[path] !== undefined) {
    // already loaded whole by the caller: its registrations are in place
  } else {
    const load = nodeModule._load;
    const stubbed = new Set(stubbedTfjsPackages);
    nodeModule._load = function (this: unknown, request: string, parent: unknown, isMain: boolean): unknown {
      return stubbed.has(request) ? {} : load.call(this, request, parent, isMain);
    };
    try {
      require(path);
    } finally {
      nodeModule._load = load;
      delete require.cache[path];
    }
  }
} else {
  await import('@tensorflow/tfjs');
}
