/**
 * Builds the static site once and serves `dist/` on a loopback port for the end-to-end tests:
 * with the cross-origin-isolation headers (wasm threads) on one port, without them on another, as
 * a plain static server would, and under a sub-path (`/diffflow-playground/`, as a project page),
 * also without headers.
 */
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';
import { build, preview, type PreviewServer } from 'vite';

const root = fileURLToPath(new URL('..', import.meta.url));
const servers: PreviewServer[] = [];

declare module 'vitest' {
  export interface ProvidedContext {
    isolatedUrl: string;
    plainUrl: string;
    subpathUrl: string;
  }
}

export async function setup(project: TestProject): Promise<void> {
  // Only registered when the end-to-end tests run (vitest.config.ts: not under PLAYGROUND_SKIP_E2E=1, e2e/selection.ts).
  await build({ root, logLevel: 'warn' });
  const isolated = await preview({ root, logLevel: 'warn', preview: { host: '127.0.0.1', port: 0, strictPort: false } });
  // No config file: no headers, as from any static file server.
  const plain = await preview({ root, configFile: false, base: './', logLevel: 'warn', preview: { host: '127.0.0.1', port: 0, strictPort: false } });
  const subpath = await preview({ root, configFile: false, base: '/diffflow-playground/', logLevel: 'warn', preview: { host: '127.0.0.1', port: 0, strictPort: false } });
  servers.push(isolated, plain, subpath);
  project.provide('isolatedUrl', (isolated.resolvedUrls?.local[0] ?? '').replace('localhost', '127.0.0.1'));
  project.provide('plainUrl', (plain.resolvedUrls?.local[0] ?? '').replace('localhost', '127.0.0.1'));
  project.provide('subpathUrl', (subpath.resolvedUrls?.local[0] ?? '').replace('localhost', '127.0.0.1'));
}

export async function teardown(): Promise<void> {
  await Promise.all(servers.map((s) => s.close()));
}
