/**
 * Samples of the λ-family Euler–Maruyama sampler recorded from likelihood's `sampleMarginal` at 665c757
 * (wasm backend), before the sampler became the registry's `euler-maruyama`: exact float32 bits, row-major
 * [rows, 2]. The models are the two of euler_maruyama.test.ts (a small DiffFlow model and a DDPM-style VP one).
 *
 * `fusedBits`: the same draws re-recorded on 2026-12-08, when the networks' gate became one wasm kernel
 * with its own exp (issue 27): they differ from 665c757's `bits` by float32 rounding only (≤ 6e-7
 * relative; 28 of 38 values bit for bit).
 */
/** One recorded draw: the model and grid by name, `sampleMarginal`'s options, the samples' float32 bits. */
export interface RecordedCase {
  readonly model: 'diffflow' | 'ddpm';
  readonly grid: 'grid' | 'vpGrid';
  readonly lambda: number;
  readonly n: number;
  readonly seed: number;
  readonly batchSize?: number;
  readonly denoise?: boolean;
  readonly rows?: readonly [number, number];
  readonly bits: readonly number[];
  /** The same draw with the fused wasm gate (see above). */
  readonly fusedBits: readonly number[];
}

export const recordedEulerMaruyama: readonly RecordedCase[] = [
  { model: 'diffflow', grid: 'grid', lambda: 1, n: 5, seed: 7, batchSize: 2, bits: [0xbdb538d5, 0xc030f2e2, 0x4060b920, 0x3f1b8a2c, 0xbfa8f424, 0x3fc14bd7, 0xbe8a489e, 0xbf935e93, 0x3e9d1c67, 0xbf947682], fusedBits: [0xbdb538ce, 0xc030f2e2, 0x4060b920, 0x3f1b8a2c, 0xbfa8f424, 0x3fc14bd7, 0xbe8a489e, 0xbf935e93, 0x3e9d1c67, 0xbf947682] },
  { model: 'diffflow', grid: 'grid', lambda: 0.5, n: 5, seed: 8, denoise: false, rows: [1, 4], bits: [0x3eb4e6c0, 0xbff6f72a, 0x3f3336b8, 0xbf4a4f4c, 0xbfdd4706, 0xbefd287a], fusedBits: [0x3eb4e6c0, 0xbff6f72a, 0x3f3336b8, 0xbf4a4f4c, 0xbfdd4706, 0xbefd287a] },
  { model: 'diffflow', grid: 'grid', lambda: 0, n: 4, seed: 9, bits: [0x400f7e7a, 0x3f6c2611, 0x3e19fe44, 0xc0060d09, 0x3e1b2632, 0x401ae162, 0xbbfc746c, 0xbe51e0e1], fusedBits: [0x400f7e7a, 0x3f6c2611, 0x3e19fe46, 0xc0060d09, 0x3e1b2632, 0x401ae162, 0xbbfc746c, 0xbe51e0e1] },
  { model: 'ddpm', grid: 'vpGrid', lambda: 1, n: 4, seed: 10, bits: [0xc2bb4dd3, 0xc151b2e3, 0x41ad70bf, 0xc1cc5b7d, 0xc236358c, 0xc0cce4c8, 0x400db460, 0xc1e167d2], fusedBits: [0xc2bb4dd6, 0xc151b2e1, 0x41ad70bc, 0xc1cc5b7c, 0xc236358c, 0xc0cce4ca, 0x400db465, 0xc1e167d1] },
  { model: 'ddpm', grid: 'vpGrid', lambda: 0, n: 3, seed: 11, denoise: false, bits: [0x414e6560, 0xc0b31853, 0x4200c654, 0x421d9a81, 0xc1ee4ff2, 0x4115c487], fusedBits: [0x414e6560, 0xc0b31856, 0x4200c654, 0x421d9a81, 0xc1ee4ff2, 0x4115c487] },
];
