/**
 * The names of the page's tfjs backends, on their own (no backend imported), so the page's main
 * bundle can name them without loading any of them.
 */

/** The browser backends, fastest first by expectation (the order `pickBackend` probes them). */
export const browserBackends = ['webgpu', 'webgl', 'wasm', 'cpu'] as const;
export type BrowserBackend = (typeof browserBackends)[number];

/** True for one of `browserBackends`. */
export function isBrowserBackend(s: string): s is BrowserBackend {
  return (browserBackends as readonly string[]).includes(s);
}
