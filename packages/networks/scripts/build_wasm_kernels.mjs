#!/usr/bin/env node
/**
 * The source of DiffFlow's wasm kernels (see src/wasm_kernels.ts): writes their WebAssembly text
 * (SIMD) and compiles it with wabt into src/wasm_kernels_binary.ts, the bytes the library
 * instantiates. Run after editing this file:
 *
 *   node packages/networks/scripts/build_wasm_kernels.mjs           # writes the binary module
 *   node packages/networks/scripts/build_wasm_kernels.mjs --check   # exit 1 if it is stale (a test runs this)
 *   node packages/networks/scripts/build_wasm_kernels.mjs --wat     # prints the WebAssembly text
 *
 * The text is generated rather than written out because the gate runs four vectors per loop
 * iteration, interleaved (four independent dependency chains: 1.2–1.5× the speed of one vector a
 * loop iteration in a by-hand run on [1, 512, 64], 2026-12-08; V8 does not inline wasm calls, and a
 * per-vector function was slower than one vector inline): its per-vector steps are written once
 * below and repeated per vector.
 *
 * wabt (a devDependency, pinned) is needed only here and in that test: users of the package get the
 * committed bytes.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import wabtInit from 'wabt';

const outPath = join(dirname(fileURLToPath(import.meta.url)), '..', 'src', 'wasm_kernels_binary.ts');

/** An f32x4 constant with the same value in every lane. */
const f4 = (v) => `(v128.const f32x4 ${v} ${v} ${v} ${v})`;

/**
 * The gate's steps for one vector of four lanes, in order: [local, expression] ({u} is the vector's
 * index in the loop iteration, {off} its byte offset), or [null, statement].
 *   z = a x;  y = −z clamped to [−87, 88] (σ̃ is the same as without: σ rounds to 1 below −87, and
 *   σ̃ flushes to 0 above 28);  e^y = 2^k e^r with k = nearest(y log₂e) by the 1.5·2²³ rounding trick
 *   (k sits in kf's low mantissa bits), r = y − k ln2 in two parts (Cody–Waite);  e^r = 1 + r + r²·P(r)
 *   with Cephes' expf polynomial P, evaluated by Estrin's scheme (shorter chains than Horner);
 *   σ̃ = max(1 / (1 + e^y) − 2⁻⁴⁰, 0);  value = x σ̃;  derivative = σ̃ (1 + z (1 − σ̃)).
 * pmin/pmax keep their first operand when it is NaN, so a NaN in x stays NaN in both outputs.
 */
const gateSteps = [
  ['xv', '(v128.load offset={off} (i32.add (local.get $x) (local.get $k)))'],
  ['z', '(f32x4.mul (local.get $xv{u}) (local.get $av))'],
  ['y', `(f32x4.pmax (f32x4.pmin (f32x4.neg (local.get $z{u})) ${f4(88)}) ${f4(-87)})`],
  ['kf', `(f32x4.add (f32x4.mul (local.get $y{u}) ${f4('1.44269504088896341')}) ${f4(12582912)})`],
  ['kn', `(f32x4.sub (local.get $kf{u}) ${f4(12582912)})`],
  ['r', `(f32x4.sub (f32x4.sub (local.get $y{u}) (f32x4.mul (local.get $kn{u}) ${f4(0.693359375)})) (f32x4.mul (local.get $kn{u}) ${f4('-2.12194440e-4')}))`],
  ['r2', '(f32x4.mul (local.get $r{u}) (local.get $r{u}))'],
  ['pa', `(f32x4.add (f32x4.mul (local.get $r{u}) ${f4('1.9875691500e-4')}) ${f4('1.3981999507e-3')})`],
  ['pb', `(f32x4.add (f32x4.mul (local.get $r{u}) ${f4('8.3334519073e-3')}) ${f4('4.1665795894e-2')})`],
  ['pc', `(f32x4.add (f32x4.mul (local.get $r{u}) ${f4('1.6666665459e-1')}) ${f4('5.0000001201e-1')})`],
  ['p', '(f32x4.add (f32x4.add (f32x4.mul (local.get $pa{u}) (f32x4.mul (local.get $r2{u}) (local.get $r2{u}))) (f32x4.mul (local.get $pb{u}) (local.get $r2{u}))) (local.get $pc{u}))'],
  ['e', `(f32x4.add (f32x4.add (f32x4.mul (local.get $p{u}) (local.get $r2{u})) (local.get $r{u})) ${f4(1)})`],
  // 2^k = bits (k + 127) << 23 = bits (kf − bits(1.5·2²³) + 127) << 23; −1262485377 = 127 − 0x4B400000
  ['e', '(f32x4.mul (local.get $e{u}) (i32x4.shl (i32x4.add (local.get $kf{u}) (v128.const i32x4 -1262485377 -1262485377 -1262485377 -1262485377)) (i32.const 23)))'],
  ['s', `(f32x4.pmax (f32x4.sub (f32x4.div ${f4(1)} (f32x4.add ${f4(1)} (local.get $e{u}))) ${f4('9.094947017729282e-13')}) ${f4(0)})`],
  [null, '(v128.store offset={off} (i32.add (local.get $value) (local.get $k)) (f32x4.mul (local.get $xv{u}) (local.get $s{u})))'],
  [null, `(if (local.get $deriv) (then (v128.store offset={off} (i32.add (local.get $deriv) (local.get $k)) (f32x4.mul (local.get $s{u}) (f32x4.add ${f4(1)} (f32x4.mul (local.get $z{u}) (f32x4.sub ${f4(1)} (local.get $s{u}))))))))`],
];

/** The gate's steps for `vectors` vectors, step by step (each step for every vector before the next step). */
const gateBlock = (vectors) =>
  gateSteps
    .flatMap(([local, expr]) =>
      Array.from({ length: vectors }, (_, u) => {
        const e = expr.replaceAll('{u}', String(u)).replaceAll('{off}', String(16 * u));
        return local === null ? `      ${e}` : `      (local.set $${local}${u} ${e})`;
      }),
    )
    .join('\n');

/** Vectors per iteration of the gate's main loop. */
const UNROLL = 4;
const locals = [...new Set(gateSteps.map(([l]) => l).filter((l) => l !== null))];
const gate = `  ;; value = x·σ̃(a x) and, when deriv ≠ 0, deriv = σ̃(a x)·(1 + a x (1 − σ̃(a x))), on n ≥ 4 floats at byte
  ;; offsets: ${UNROLL} vectors per iteration while they fit, then one at a time, the last one overlapping
  ;; the one before when n mod 4 ≠ 0 (its lanes give the same numbers; the outputs must not overlap x).
  (func (export "gate") (param $x i32) (param $value i32) (param $deriv i32) (param $n i32) (param $a f32)
    (local $end i32) (local $k i32) (local $av v128)
    ${Array.from({ length: UNROLL }, (_, u) => locals.map((l) => `(local $${l}${u} v128)`).join(' ')).join('\n    ')}
    (local.set $av (f32x4.splat (local.get $a)))
    (local.set $end (i32.shl (local.get $n) (i32.const 2)))
    (local.set $k (i32.const 0))
    (block $done (loop $l
      (br_if $done (i32.gt_u (i32.add (local.get $k) (i32.const ${16 * UNROLL})) (local.get $end)))
${gateBlock(UNROLL)}
      (local.set $k (i32.add (local.get $k) (i32.const ${16 * UNROLL})))
      (br $l)))
    (block $done1 (loop $l1
      (if (i32.gt_u (i32.add (local.get $k) (i32.const 16)) (local.get $end))
        (then
          (br_if $done1 (i32.ge_u (local.get $k) (local.get $end)))
          (local.set $k (i32.sub (local.get $end) (i32.const 16)))))
${gateBlock(1)}
      (local.set $k (i32.add (local.get $k) (i32.const 16)))
      (br $l1)))
  )`;

/** Rows (of hᵀ) and four-column vectors of dW held in registers by {@link layerGrad}'s product: a 4 × 8 block. */
const BLOCK_ROWS = 4;
const BLOCK_VECTORS = 2;
const blockAcc = Array.from({ length: BLOCK_ROWS }, (_, r) => Array.from({ length: BLOCK_VECTORS }, (_, v) => `$a${r}_${v}`)).flat();
/** The byte address of element [row, col] of a row-major matrix with `cols` columns at `base` (i32 locals or constants as WAT). */
const at = (base, row, col, cols) => `(i32.add (local.get ${base}) (i32.shl (i32.add (i32.mul ${row} (local.get ${cols})) ${col}) (i32.const 2)))`;

/**
 * One row's dp = dy ⊙ slope and db += dp over columns j (from its current value): four lanes at a
 * time up to n4 (`vector`), or one at a time up to n — the same arithmetic on each entry.
 */
const rowPass = (vector) => {
  const [t, load, store, local, end, step, name] = vector ? ['f32x4', 'v128.load', 'v128.store', '$v', '$n4', 4, 'v'] : ['f32', 'f32.load', 'f32.store', '$f', '$n', 1, 's'];
  return `      (block $${name}b (loop $${name}l
        (br_if $${name}b (i32.ge_u (local.get $j) (local.get ${end})))
        (local.set $o (i32.shl (i32.add (i32.mul (local.get $b) (local.get $n)) (local.get $j)) (i32.const 2)))
        (local.set ${local} (${t}.mul (${load} (i32.add (local.get $dy) (local.get $o))) (${load} (i32.add (local.get $slope) (local.get $o)))))
        (${store} (i32.add (local.get $dp) (local.get $o)) (local.get ${local}))
        (local.set $o (i32.add (local.get $db) (i32.shl (local.get $j) (i32.const 2))))
        (${store} (local.get $o) (${t}.add (${load} (local.get $o)) (local.get ${local})))
        (local.set $j (i32.add (local.get $j) (i32.const ${step})))
        (br $${name}l)))`;
};

/**
 * The pull-back of a dense layer y = σ(h W + b) given the gate's slope σ′ at its pre-activation:
 *   dp = dy ⊙ σ′ ([rows, n]),  dW = hᵀ·dp ([m, n]),  db = Σ_rows dp ([n]),
 * h [rows, m]. One pass forms dp and db row by row (db summed in row order); then dW in 4 × 8 blocks
 * held in registers, each summed over the rows in row order (8 SIMD accumulators, one splat of h per
 * block row and row, no packing and no transpose — XNNPACK's product would first pack dp, a fresh
 * tensor, at ~3 ns a float, and hᵀ needs a transpose). Entries outside whole blocks (m mod 4, n mod 8)
 * are summed one at a time in the same row order, so a dW entry does not depend on the blocking.
 */
const layerGrad = `  ;; dp = dy ⊙ slope, dw = hᵀ·dp, db = Σ_rows dp; h [rows, m], dy, slope, dp [rows, n], dw [m, n], db [n].
  (func (export "layerGrad") (param $h i32) (param $dy i32) (param $slope i32) (param $dp i32) (param $dw i32) (param $db i32)
      (param $rows i32) (param $m i32) (param $n i32)
    (local $b i32) (local $i i32) (local $j i32) (local $n4 i32) (local $mb i32) (local $nb i32) (local $rowBytes i32) (local $hBytes i32)
    (local $o i32) (local $v v128) (local $f f32) (local $hp i32) (local $pp i32) (local $pend i32) (local $acc f32)
    ${blockAcc.map((a) => `(local ${a} v128)`).join(' ')} ${Array.from({ length: BLOCK_VECTORS }, (_, v) => `(local $d${v} v128)`).join(' ')} ${Array.from({ length: BLOCK_ROWS }, (_, r) => `(local $s${r} v128)`).join(' ')}
    (local.set $n4 (i32.and (local.get $n) (i32.const -4)))
    (local.set $rowBytes (i32.shl (local.get $n) (i32.const 2)))
    (local.set $hBytes (i32.shl (local.get $m) (i32.const 2)))
    ;; db = 0
    (local.set $j (i32.const 0))
    (block $zb (loop $zl
      (br_if $zb (i32.ge_u (local.get $j) (local.get $n)))
      (f32.store ${at('$db', '(i32.const 0)', '(local.get $j)', '$n')} (f32.const 0))
      (local.set $j (i32.add (local.get $j) (i32.const 1)))
      (br $zl)))
    ;; dp = dy ⊙ slope and db += dp, row by row
    (local.set $b (i32.const 0))
    (block $rb (loop $rl
      (br_if $rb (i32.ge_u (local.get $b) (local.get $rows)))
      (local.set $j (i32.const 0))
${rowPass(true)}
${rowPass(false)}
      (local.set $b (i32.add (local.get $b) (i32.const 1)))
      (br $rl)))
    ;; dw = hᵀ·dp in ${BLOCK_ROWS} × ${4 * BLOCK_VECTORS} blocks
    (local.set $mb (i32.sub (local.get $m) (i32.rem_u (local.get $m) (i32.const ${BLOCK_ROWS}))))
    (local.set $nb (i32.sub (local.get $n) (i32.rem_u (local.get $n) (i32.const ${4 * BLOCK_VECTORS}))))
    (local.set $i (i32.const 0))
    (block $ib (loop $il
      (br_if $ib (i32.ge_u (local.get $i) (local.get $mb)))
      (local.set $j (i32.const 0))
      (block $jb (loop $jl
        (br_if $jb (i32.ge_u (local.get $j) (local.get $nb)))
${blockAcc.map((a) => `        (local.set ${a} (v128.const f32x4 0 0 0 0))`).join('\n')}
        (local.set $hp (i32.add (local.get $h) (i32.shl (local.get $i) (i32.const 2))))
        (local.set $pp (i32.add (local.get $dp) (i32.shl (local.get $j) (i32.const 2))))
        (local.set $pend (i32.add (local.get $pp) (i32.mul (local.get $rows) (local.get $rowBytes))))
        (block $bb (loop $bl
          (br_if $bb (i32.ge_u (local.get $pp) (local.get $pend)))
${Array.from({ length: BLOCK_VECTORS }, (_, v) => `          (local.set $d${v} (v128.load offset=${16 * v} (local.get $pp)))`).join('\n')}
${Array.from({ length: BLOCK_ROWS }, (_, r) => `          (local.set $s${r} (v128.load32_splat offset=${4 * r} (local.get $hp)))`).join('\n')}
${Array.from({ length: BLOCK_ROWS }, (_, r) => Array.from({ length: BLOCK_VECTORS }, (_, v) => `          (local.set $a${r}_${v} (f32x4.add (local.get $a${r}_${v}) (f32x4.mul (local.get $s${r}) (local.get $d${v}))))`)).flat().join('\n')}
          (local.set $hp (i32.add (local.get $hp) (local.get $hBytes)))
          (local.set $pp (i32.add (local.get $pp) (local.get $rowBytes)))
          (br $bl)))
${Array.from({ length: BLOCK_ROWS }, (_, r) => Array.from({ length: BLOCK_VECTORS }, (_, v) => `        (v128.store offset=${16 * v} ${at('$dw', `(i32.add (local.get $i) (i32.const ${r}))`, '(local.get $j)', '$n')} (local.get $a${r}_${v}))`)).flat().join('\n')}
        (local.set $j (i32.add (local.get $j) (i32.const ${4 * BLOCK_VECTORS})))
        (br $jl)))
      (local.set $i (i32.add (local.get $i) (i32.const ${BLOCK_ROWS})))
      (br $il)))
    ;; the entries outside whole blocks (rows i ≥ mb, or columns j ≥ nb), one at a time
    (local.set $i (i32.const 0))
    (block $ib2 (loop $il2
      (br_if $ib2 (i32.ge_u (local.get $i) (local.get $m)))
      (local.set $j (select (local.get $nb) (i32.const 0) (i32.lt_u (local.get $i) (local.get $mb))))
      (block $jb2 (loop $jl2
        (br_if $jb2 (i32.ge_u (local.get $j) (local.get $n)))
        (local.set $acc (f32.const 0))
        (local.set $b (i32.const 0))
        (block $bb2 (loop $bl2
          (br_if $bb2 (i32.ge_u (local.get $b) (local.get $rows)))
          (local.set $acc (f32.add (local.get $acc) (f32.mul (f32.load ${at('$h', '(local.get $b)', '(local.get $i)', '$m')}) (f32.load ${at('$dp', '(local.get $b)', '(local.get $j)', '$n')}))))
          (local.set $b (i32.add (local.get $b) (i32.const 1)))
          (br $bl2)))
        (f32.store ${at('$dw', '(local.get $i)', '(local.get $j)', '$n')} (local.get $acc))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $jl2)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $il2)))
  )`;

/**
 * The module: tfjs-backend-wasm's heap imported as env.memory; every pointer a byte offset into it.
 * Two builds of the same text: for tfjs's single-threaded wasm (a plain memory) and for its threaded
 * build (a shared memory of at most 4 GiB, which is what tfjs creates; an import must declare it so).
 */
const moduleText = (memory) => `(module
  (import "env" "memory" ${memory})
${gate}
${layerGrad}
)
`;
export const wat = moduleText('(memory 1)');
const sharedWat = moduleText('(memory 1 65536 shared)');

if (process.argv.includes('--wat')) {
  process.stdout.write(wat);
  process.exit(0);
}
const wabt = await wabtInit();
/** The binary of a module text, base64 in lines of 100 characters. */
const compile = (text, validate) => {
  const module = wabt.parseWat('wasm_kernels.wat', text, { simd: true, threads: true });
  if (validate) module.validate();
  const { buffer } = module.toBinary({});
  module.destroy();
  return { bytes: buffer.length, lines: Buffer.from(buffer).toString('base64').match(/.{1,100}/g) ?? [] };
};
// wabt.js's validate() rejects every shared memory (it ignores the threads feature); the shared build
// differs from the plain one only in its import, and V8 validates it when the test instantiates it
const plain = compile(wat, true);
const shared = compile(sharedWat, false);
const constant = (lines) => lines.map((l) => `  '${l}'`).join(' +\n');
const text = `// Generated by scripts/build_wasm_kernels.mjs (${plain.bytes} bytes of wasm each): do not edit.
/** The compiled module of DiffFlow's wasm kernels (see wasm_kernels.ts), base64: for a plain heap. */
export const wasmKernelsBase64 =
${constant(plain.lines)};
/** The same module for a shared heap (tfjs's threaded wasm build), base64. */
export const wasmKernelsSharedBase64 =
${constant(shared.lines)};
`;
if (process.argv.includes('--check')) {
  let current = '';
  try {
    current = readFileSync(outPath, 'utf8');
  } catch {
    // missing: stale
  }
  if (current !== text) {
    console.error(`${outPath} is stale: run node packages/networks/scripts/build_wasm_kernels.mjs`);
    process.exit(1);
  }
  console.log(`${outPath} is up to date (${plain.bytes} bytes)`);
} else {
  writeFileSync(outPath, text);
  console.log(`wrote ${outPath} (${plain.bytes} bytes)`);
}
