/**
 * Prints the Monte Carlo estimate of the synthetic mixture's entropy that src/tabular/synthetic.ts
 * stores as `syntheticEntropy`: `npx tsx scripts/synthetic-entropy.ts [samples] [seed]`.
 */
import { estimateSyntheticEntropy, syntheticEntropyBounds } from '../src/tabular/synthetic.js';

const samples = Number(process.argv[2] ?? 4_000_000);
const seed = Number(process.argv[3] ?? 2021);
const t0 = performance.now();
const { estimate, standardError } = estimateSyntheticEntropy(samples, seed);
const bounds = syntheticEntropyBounds();
console.log(JSON.stringify({ estimate, standardError, samples, seed, bounds, seconds: (performance.now() - t0) / 1000 }));
