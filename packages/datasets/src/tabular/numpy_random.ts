/**
 * numpy's legacy `RandomState` (MT19937), only as far as the MAF POWER preprocessing uses it —
 * `RandomState(seed)`, `shuffle` of an array's rows and `rand` — so the release's exact shuffle and
 * noise, hence its exact train/validation/test split, can be reproduced. The generator is the
 * reference MT19937 (Matsumoto & Nishimura 1998) with the standard `init_genrand` seeding; doubles
 * take 53 bits from two outputs, (a >>> 5) · 2²⁶ + (b >>> 6), divided by 2⁵³; `shuffle` walks
 * i = n−1 … 1 swapping row i with row j = a uniform integer in [0, i] drawn by masked rejection on
 * 32-bit outputs. Checked against numpy's own output in the test fixtures.
 */

const N = 624;
const M = 397;

/** A numpy `RandomState(seed)` stream. */
export class NumpyRandomState {
  private readonly mt = new Uint32Array(N);
  private index = N;

  /** @param seed integer in [0, 2³²) */
  constructor(seed: number) {
    if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) throw new RangeError(`NumpyRandomState: seed must be an integer in [0, 2³²); got ${seed}`);
    this.mt[0] = seed >>> 0;
    for (let i = 1; i < N; i++) {
      const prev = this.mt[i - 1]! ^ (this.mt[i - 1]! >>> 30);
      this.mt[i] = (Math.imul(1812433253, prev) + i) >>> 0;
    }
  }

  private twist(): void {
    const mt = this.mt;
    for (let i = 0; i < N; i++) {
      const y = (mt[i]! & 0x80000000) | (mt[(i + 1) % N]! & 0x7fffffff);
      let v = mt[(i + M) % N]! ^ (y >>> 1);
      if (y & 1) v ^= 0x9908b0df;
      mt[i] = v >>> 0;
    }
    this.index = 0;
  }

  /** The next 32-bit output. */
  nextUint32(): number {
    if (this.index >= N) this.twist();
    let y = this.mt[this.index++]!;
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  }

  /** A double in [0, 1) with 53 random bits (numpy's `random_sample`). */
  nextDouble(): number {
    const a = this.nextUint32() >>> 5;
    const b = this.nextUint32() >>> 6;
    return (a * 67108864 + b) / 9007199254740992;
  }

  /** A uniform integer in [0, max] by masked rejection (numpy's `random_interval`, max < 2³²). */
  interval(max: number): number {
    if (max === 0) return 0;
    let mask = max;
    mask |= mask >>> 1;
    mask |= mask >>> 2;
    mask |= mask >>> 4;
    mask |= mask >>> 8;
    mask |= mask >>> 16;
    mask >>>= 0;
    for (;;) {
      const v = (this.nextUint32() & mask) >>> 0;
      if (v <= max) return v;
    }
  }

  /** Shuffles the rows of a row-major [rows, cols] array in place (numpy's `shuffle`). */
  shuffleRows(data: Float64Array, rows: number, cols: number): void {
    const tmp = new Float64Array(cols);
    for (let i = rows - 1; i > 0; i--) {
      const j = this.interval(i);
      if (i === j) continue;
      tmp.set(data.subarray(j * cols, (j + 1) * cols));
      data.copyWithin(j * cols, i * cols, (i + 1) * cols);
      data.set(tmp, i * cols);
    }
  }

  /** `count` doubles in [0, 1) (numpy's `rand(count)`, or `rand(r, c)` with count = r·c, row-major). */
  rand(count: number): Float64Array {
    const out = new Float64Array(count);
    for (let i = 0; i < count; i++) out[i] = this.nextDouble();
    return out;
  }
}
