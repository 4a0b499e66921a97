/**
 * Dev server only (vite.config.ts): what `@diffflow/datasets` resolves to for modules the page
 * imports that use the package's main entry: its browser-safe
 * parts. The main entry also holds the Node file readers, whose CommonJS dependencies touch Node
 * globals when the dev server loads them; `vite build` tree-shakes them away instead.
 */
export * from '@diffflow/datasets/toy2d';
export * from '@diffflow/datasets/normalizer';
