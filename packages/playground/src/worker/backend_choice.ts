/**
 * Which backend the page trains on when the user has not chosen one: by measurement. A GPU backend
 * whose device is a software renderer (SwiftShader, llvmpipe, …: the GPU emulated on the CPU,
 * tens of times slower than wasm for this work) is ruled out by its renderer string; the others
 * are timed on the same small workload and the fastest wins. Pure, so the rule is unit-tested; the
 * probing itself is `backend.ts`'s.
 */
import type { BrowserBackend } from './backend_names.js';

/** What was found out about one available backend. */
export interface BackendProbe {
  readonly name: BrowserBackend;
  /** GPU backends: the renderer / adapter description, when the browser tells it. */
  readonly renderer?: string;
  /** Milliseconds per benchmark step (median), when it was timed; undefined when not timed or failed. */
  readonly ms?: number;
}

/** The choice and the sentence the page shows for it. */
export interface BackendChoice {
  readonly name: BrowserBackend;
  readonly reason: string;
}

const SOFTWARE = /swiftshader|llvmpipe|softpipe|lavapipe|software|microsoft basic render|mesa offscreen/i;

/** True when a renderer string names a software rasteriser (the GPU emulated on the CPU). */
export function isSoftwareRenderer(renderer: string | undefined): boolean {
  return renderer !== undefined && SOFTWARE.test(renderer);
}

const LABEL: Record<BrowserBackend, string> = { webgpu: 'WebGPU', webgl: 'WebGL', wasm: 'wasm', cpu: 'plain JavaScript (cpu)' };

/**
 * The backend to train on: the fastest timed probe among those not software-rendered, in
 * `probes`' order on ties and when nothing was timed (the caller lists them fastest-first by
 * expectation: webgpu, webgl, wasm, cpu). Throws a RangeError for an empty list.
 */
export function chooseBackend(probes: readonly BackendProbe[]): BackendChoice {
  if (probes.length === 0) throw new RangeError('chooseBackend: probes must name at least one backend');
  const software = probes.filter((p) => isSoftwareRenderer(p.renderer));
  const usable = probes.filter((p) => !isSoftwareRenderer(p.renderer));
  const pool = usable.length > 0 ? usable : [...probes];
  const timed = pool.filter((p) => p.ms !== undefined && Number.isFinite(p.ms));
  const best = timed.length > 0 ? timed.reduce((a, b) => ((b.ms as number) < (a.ms as number) ? b : a)) : (pool[0] as BackendProbe);
  const parts: string[] = [];
  if (software.length > 0 && usable.length > 0) {
    const names = software.map((p) => LABEL[p.name]).join(' and ');
    parts.push(`${names} ${software.length > 1 ? 'are' : 'is'} software-rendered here (${firstWords(software[0]?.renderer)})`);
  }
  if (timed.length > 1) parts.push(`measured ${timed.map((p) => `${LABEL[p.name]} ${(p.ms as number).toFixed(1)} ms`).join(', ')} per step`);
  parts.push(`using ${LABEL[best.name]}`);
  return { name: best.name, reason: parts.join('; ') };
}

/** The recognisable start of a renderer string, e.g. 'Google SwiftShader' of a long ANGLE string. */
function firstWords(renderer: string | undefined): string {
  const m = renderer?.match(SOFTWARE);
  return m === null || m === undefined ? 'no GPU' : m[0];
}
