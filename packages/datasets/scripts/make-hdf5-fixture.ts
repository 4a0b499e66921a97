/**
 * Writes test-data/datasets/maf/BSDS300/BSDS300.hdf5 (the MAF release's BSDS300 layout: float32
 * datasets 'train', 'validation', 'test', [n, 63] there, [n, 7] here) with h5wasm, and the same
 * splits as maf-expected/bsds300/{train,validation,test}.npy.
 * Values: v(split s, row i, column j) = round(1000 · sin(0.37 i + 1.3 j + s)) / 1000.
 * Run: npx tsx --conditions=@diffflow/source packages/datasets/scripts/make-hdf5-fixture.ts
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import h5wasm from 'h5wasm/node';
import { encodeNpy } from '../src/tabular/npy.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'test-data', 'datasets');
const sizes = { train: 40, validation: 8, test: 10 } as const;
const cols = 7;

await h5wasm.ready;
const path = join(root, 'maf', 'BSDS300', 'BSDS300.hdf5');
mkdirSync(dirname(path), { recursive: true });
rmSync(path, { force: true });
const file = new h5wasm.File(path, 'w');
Object.entries(sizes).forEach(([name, rows], s) => {
  const data = new Float32Array(rows * cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) data[i * cols + j] = Math.round(1000 * Math.sin(0.37 * i + 1.3 * j + s)) / 1000;
  file.create_dataset({ name, data, shape: [rows, cols] });
  const out = join(root, 'maf-expected', 'bsds300', `${name}.npy`);
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, encodeNpy({ data, rows, cols }));
});
file.close();
console.log(`wrote ${path}`);
