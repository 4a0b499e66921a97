import { MessageChannel, receiveMessageOnPort, type MessagePort, type Worker } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import * as tf from '@tensorflow/tfjs-core';
import { checkGrid, defaultLambda, modelFields, NonFiniteFieldError, tapeSafe, type DiffusionModel, type TimeGrid, type VectorField, type VpSchedule } from '@diffflow/sde-core';
import { checkModelSpec, ddpmSchedule, eventShape, type ModelSpec, type Parameter } from '@diffflow/networks';
import { ddpmLoss, trajectoryLossTerms, type DdpmLossOptions, type TrajectoryLoss } from '@diffflow/losses';
import { defaultSamplerName, loadSampler, resolveSettings, runSampler, samplerByName, type Sampler, type SamplerSpec } from '@diffflow/likelihood';
import { gradientStrategyNames, iterationGradients, type GradientResult, type GradientStrategyName, type IterationKey } from '@diffflow/adjoint';
import { startModuleWorker } from './spawn.js';

/**
 * Data-parallel gradients and sampling: a batch is split into row shards, each computed by a
 * replica of the model in its own worker thread (its own tfjs backend: wasm is single-threaded in
 * Node), optionally one shard on the calling thread. Every shard sees exactly its rows of the full
 * batch's randomness (replayable keys), and the results are combined with weights rows/B, so the
 * result equals the single-process one up to float32 rounding.
 *
 * The workers rebuild the model from a {@link ModelSpec} (@diffflow/networks' `replicaFromSpec`): any composition of the
 * library's networks (Fourier MLP, U-Net), combinators (sum, constant scale, score from ε), built-in
 * SDEs and g's. Fields built from closures (`vectorField`, `mapTime`, `functionalDiffusion`) have no
 * spec: run their strategy in-process. Weights are copied to the workers on every call in which they
 * changed (~0.8 MB for the reference 2-D model).
 *
 * Besides the trajectory KL the same pool splits DDPM's ε-loss (`ddpmGradients`, a score warm-up by
 * denoising score matching) and sampling (`sample`).
 */

/** The parameters of a model in the order gradients travel: drift's, then score's (a shared variable once). */
export function modelParameters(model: DiffusionModel): Parameter[] {
  const seen = new Set<tf.Variable>();
  return modelFields(model)
    .flatMap((f) => f.parameters)
    .filter((p) => (seen.has(p.variable) ? false : (seen.add(p.variable), true)));
}

/** Row shards [start, end) of a batch of `rows` rows split into `parts` nearly equal parts (empty ones dropped). */
export function shardRows(rows: number, parts: number): [number, number][] {
  const out: [number, number][] = [];
  for (let k = 0; k < parts; k++) {
    const start = Math.floor((k * rows) / parts);
    const end = Math.floor(((k + 1) * rows) / parts);
    if (end > start) out.push([start, end]);
  }
  return out;
}

/**
 * The threads a `workers` setting asks for: 0 → one per core (`availableParallelism()`), otherwise
 * `workers` itself. A pool for `threads` threads is `threads − 1` workers plus the calling thread's
 * shard; one thread needs no pool.
 */
export function poolThreads(workers: number): number {
  if (!Number.isInteger(workers) || workers < 0) throw new RangeError(`poolThreads: workers must be an integer ≥ 0 (0: one per core), got ${workers}`);
  return workers === 0 ? Math.max(1, availableParallelism()) : workers;
}

/** Options of {@link shardSamples} and `DataParallel.sample`: a sampler spec and the request, shape [D] implied. */
export interface SampleOptions {
  /** Number of samples n ≥ 1. */
  readonly n: number;
  /** t_0 < … < t_N. */
  readonly grid: TimeGrid;
  /** Root seed (keys: see likelihood's `SampleRequest`). */
  readonly seed: number;
  /**
   * The sampler every shard runs, as plain data: a registry name and its settings (or a user's
   * sampler by `module`, which each worker imports). Default euler-maruyama with `lambda` and `denoise`.
   */
  readonly sampler?: SamplerSpec;
  /** Shorthand for euler-maruyama's λ when `sampler` is absent (default sde-core's `defaultLambda`). */
  readonly lambda?: number;
  /** Shorthand for euler-maruyama's Tweedie last step when `sampler` is absent (default true). */
  readonly denoise?: boolean;
  /** The shape [...D] of one sample (default: the spec's, see `eventShape`: [dim] or [H, W, C]). */
  readonly shape?: readonly number[];
  /** Rows a shard integrates at once (the sampler's batchSize; memory ∝ it, values unchanged). */
  readonly batchSize?: number;
}

/** The sampler spec of sampling options: `sampler`, or euler-maruyama with the `lambda`/`denoise` shorthands. */
export function samplerSpecOf(options: SampleOptions): SamplerSpec {
  if (options.sampler !== undefined) {
    if (options.lambda !== undefined || options.denoise !== undefined) {
      throw new RangeError("dataParallel.sample: give lambda and denoise inside sampler.settings when a sampler is named, not beside it");
    }
    return options.sampler;
  }
  return { name: defaultSamplerName, settings: { lambda: options.lambda ?? defaultLambda, ...(options.denoise === undefined ? {} : { denoise: options.denoise }) } };
}

/**
 * Rows [start, end) of n samples of shape [...D] by `sampler` (likelihood's `runSampler` with `rows`):
 * for a sampler whose steps treat rows independently any split equals those rows of the whole draw on
 * one thread (each row's prior draw and noise are keyed by its index). @returns [end − start, ...D];
 * the caller disposes it.
 */
export function shardSamples(model: DiffusionModel, rows: readonly [number, number], shape: readonly number[], options: SampleOptions, sampler: Sampler, settings: SamplerSpec['settings']): tf.Tensor {
  const { n, grid, seed } = options;
  return runSampler(sampler, model, { grid, n, seed, shape: [...shape], rows, ...(options.batchSize === undefined ? {} : { batchSize: options.batchSize }) }, settings).samples;
}

export type { IterationKey };

/**
 * DDPM's ε-loss (`ddpmLoss` of @diffflow/losses) as plain data, for `DataParallel.ddpmGradients`:
 * its options less the keys (seed and iteration come with each request, the rows from the split).
 * The network is the spec's ε-network and the schedule its VP SDE's, so the spec's score must be
 * `scoreFromEpsilon` of a 'vp' SDE.
 */
export type DdpmLossSpec = Omit<DdpmLossOptions, 'seed' | 'iteration' | 'rows'>;

/** A scalar loss and its gradients by variable name: what `tf.variableGrads` returns. */
export interface LossGradients {
  readonly value: tf.Scalar;
  readonly grads: tf.NamedTensorMap;
}

/** Options of {@link dataParallel}. */
export interface DataParallelOptions {
  /** How each worker builds its replica; the caller's model must have the same parameters. */
  readonly spec: ModelSpec;
  /** The gradient strategy every shard runs. */
  readonly strategy: GradientStrategyName;
  /**
   * The threads to compute on, this one included: `threads − 1` workers and a local shard; 1 runs
   * everything in-process (no worker starts; the same numbers as the library's functions on the
   * whole batch). Give either `threads` or `workers`/`localShard`.
   */
  readonly threads?: number;
  /** Worker threads (default: cores − 1 with a local shard, else cores; at least 1 when there is no local shard). */
  readonly workers?: number;
  /** Whether the calling thread computes a shard itself while the workers run (default true). */
  readonly localShard?: boolean;
  /** tfjs backend of the workers (default: the calling thread's, `tf.getBackend()`). */
  readonly backend?: string;
  /**
   * Largest number of rows a shard passes to the strategy at once (default 2048): a larger shard
   * runs in chunks whose results are combined with weights rows/shard (memory ∝ chunk, a few
   * percent more time per extra chunk).
   */
  readonly chunkRows?: number;
  /** How long `gradientsSync` waits for a worker's reply before it reports the worker lost (default 600 000 ms). */
  readonly syncTimeoutMs?: number;
}

/** A pool of model replicas in worker threads; see {@link dataParallel}. */
export interface DataParallel {
  /** Shards a batch is split into (workers, plus one with a local shard). */
  readonly shards: number;
  /**
   * The gradient strategy on `x0` split across the shards, with δ^F from `forwardNoise(key.seed,
   * key.iteration)`: the same loss terms and gradients as the strategy on the whole batch in one
   * process (up to float32 rounding), keyed by `model`'s variable names.
   * @param model the caller's model (the weights sent to the workers; the local shard runs on it)
   */
  gradients(model: DiffusionModel, x0: tf.Tensor, grid: TimeGrid, key: IterationKey): Promise<GradientResult>;
  /**
   * {@link DataParallel.gradients} for a synchronous caller (a training loop whose step is not
   * async): the same shards and the same numbers; the calling thread computes its shard, then blocks
   * (`Atomics.wait`) until each worker has replied. A worker that dies mid-request is reported after
   * `syncTimeoutMs` (an error event cannot arrive while the thread blocks).
   */
  gradientsSync(model: DiffusionModel, x0: tf.Tensor, grid: TimeGrid, key: IterationKey): GradientResult;
  /**
   * DDPM's ε-loss of the spec's ε-network on `x0` split across the shards (each shard `ddpmLoss`
   * with its `rows`, so exactly its rows of the batch's t and ε): the loss and its gradients in the
   * ε-network's parameters, keyed by `epsilon`'s variable names — `tf.variableGrads(() =>
   * ddpmLoss(epsilon, schedule, x0, { ...loss, ...key }), variablesOf(epsilon))` on one thread up to
   * float32 summation order (shard means combined with weights rows/B in float64). Only the
   * ε-network's weights travel. Throws a RangeError when the spec has no ε-network on a VP SDE.
   * @param epsilon the caller's ε-network (the score's parameters; the local shard runs on it)
   * @param x0 [B, ...D]
   */
  ddpmGradients(epsilon: VectorField, x0: tf.Tensor, loss: DdpmLossSpec, key: IterationKey): Promise<LossGradients>;
  /** {@link DataParallel.ddpmGradients} for a synchronous caller (as `gradientsSync`: the same numbers). */
  ddpmGradientsSync(epsilon: VectorField, x0: tf.Tensor, loss: DdpmLossSpec, key: IterationKey): LossGradients;
  /**
   * n samples split across the shards, every shard running the same sampler (`options.sampler`):
   * equal to `runSampler(sampler, model, { …, shape: [D] })` on one thread (same keys per row) for a
   * sampler whose steps treat rows independently (all the registry's but rk45 and predictor-corrector).
   */
  sample(model: DiffusionModel, options: SampleOptions): Promise<tf.Tensor>;
  /**
   * {@link DataParallel.sample} for a synchronous caller: the same shards and the same samples; the
   * calling thread samples its shard, then blocks until each worker has replied (as `gradientsSync`).
   * Registry samplers only (a sampler from a `module` needs an import: use `sample`).
   */
  sampleSync(model: DiffusionModel, options: SampleOptions): tf.Tensor;
  /** Stops the workers and frees their replicas. */
  dispose(): Promise<void>;
}

/** What every gradient request carries: a shard's rows of the batch and the weights it needs. */
export interface ShardRequest {
  readonly id: number;
  /** The weights of the parameters the request uses (in order), or null when the worker has them. */
  readonly weights: Float32Array | null;
  /** The shard's rows of x_0, flat, of shape `shape`. */
  readonly x0: Float32Array;
  readonly shape: readonly number[];
  readonly rows: readonly [number, number];
  readonly key: IterationKey;
  /** Reply on the synchronous port (see `DataParallel.gradientsSync`). */
  readonly sync?: boolean;
}

/** Messages main → worker. */
export type ToWorker =
  /** Start: select the backend, build the replica of `spec` (none for a task worker, spec null). */
  | { readonly type: 'init'; readonly spec: ModelSpec | null; readonly backend: string; readonly syncPort: MessagePort; readonly signal: SharedArrayBuffer }
  /** A task (see tasks.ts): call the function `name` that `module` exports with `args` (plain data). */
  | { readonly type: 'call'; readonly id: number; readonly module: string; readonly name: string; readonly args: readonly unknown[] }
  /** The trajectory KL (all the model's weights). */
  | (ShardRequest & { readonly type: 'gradients'; readonly grid: TimeGrid; readonly strategy: GradientStrategyName; readonly chunkRows: number })
  /** DDPM's ε-loss (the ε-network's weights only). */
  | (ShardRequest & { readonly type: 'ddpmGradients'; readonly loss: DdpmLossSpec })
  | {
      readonly type: 'sample';
      readonly id: number;
      readonly weights: Float32Array | null;
      readonly rows: readonly [number, number];
      readonly shape: readonly number[];
      readonly options: SampleOptions;
      /** Reply on the synchronous port (see `DataParallel.sampleSync`). */
      readonly sync?: boolean;
    }
  | { readonly type: 'dispose' };

/** A parameter's name and shape, as a worker reports its replica's. */
export interface ParameterLayout {
  readonly name: string;
  readonly shape: readonly number[];
}

/** Messages worker → main. */
export type FromWorker =
  | { readonly type: 'ready'; readonly layout: readonly ParameterLayout[]; readonly epsilonLayout: readonly ParameterLayout[] | null }
  | { readonly type: 'gradients'; readonly id: number; readonly grads: Float32Array; readonly loss: readonly number[] }
  | { readonly type: 'samples'; readonly id: number; readonly values: Float32Array }
  | { readonly type: 'result'; readonly id: number; readonly value: unknown }
  | { readonly type: 'error'; readonly id: number; readonly message: string; readonly nonFinite?: NonFiniteFields };

/** A worker's NonFiniteFieldError, as it crosses the thread boundary (structured clone keeps NaN). */
export interface NonFiniteFields {
  readonly field: string;
  readonly role: string;
  readonly t: number;
  readonly step: number | undefined;
  readonly part: NonFiniteFieldError['part'];
  readonly value: number;
  readonly row: number;
}

/** The fields of a NonFiniteFieldError to post, or undefined for any other error. */
export function nonFiniteFields(error: unknown): NonFiniteFields | undefined {
  if (!(error instanceof NonFiniteFieldError)) return undefined;
  const { field, role, t, step, part, value, row } = error;
  return { field, role, t, step, part, value, row };
}

/**
 * The error a worker's 'error' reply stands for: its NonFiniteFieldError rebuilt (so a trainer's
 * retry sees it as a non-finite iteration, as on one thread), else an Error naming the worker and
 * the task, with the worker's message.
 */
function workerError(m: { readonly message: string; readonly nonFinite?: NonFiniteFields }, where: string): Error {
  const n = m.nonFinite;
  if (n === undefined) return new Error(`${where}: ${m.message}`);
  return new NonFiniteFieldError(n.field, n.role, { t: n.t, ...(n.step === undefined ? {} : { step: n.step }), part: n.part }, n.value, n.row);
}

/** Concatenates the values of some tensors into one Float32Array (in order). */
export function flatten(tensors: readonly tf.Tensor[]): Float32Array {
  const out = new Float32Array(tensors.reduce((n, t) => n + t.size, 0));
  let offset = 0;
  for (const t of tensors) {
    out.set(t.dataSync() as Float32Array, offset);
    offset += t.size;
  }
  return out;
}

/**
 * A gradient strategy on rows [start, end) of a batch (`x`: those rows), with those rows of the
 * batch's forward noise, in chunks of at most `chunkRows` rows (memory ∝ chunk; the chunks' means
 * are combined with weights rows/(end − start)). @returns the loss terms (in `trajectoryLossTerms`
 * order) and the gradients (in `modelParameters` order, flat), means over the rows.
 */
export function shardGradients(
  model: DiffusionModel,
  x: tf.Tensor,
  rows: readonly [number, number],
  grid: TimeGrid,
  key: IterationKey,
  strategy: GradientStrategyName,
  chunkRows = Number.POSITIVE_INFINITY,
): [number[], Float32Array] {
  const params = modelParameters(model);
  const [start, end] = rows;
  if (x.shape[0] !== end - start) throw new RangeError(`dataParallel: x has ${x.shape[0]} rows for rows [${start}, ${end})`);
  const one = (from: number, to: number): [number[], Float32Array] => {
    const list = tf.tidy(() => {
      const xs = from === start && to === end ? x : tf.slice(x, from - start, to - from);
      const r = iterationGradients(strategy, model, xs, grid, key, [from, to]);
      return [...trajectoryLossTerms.map((k) => r.loss[k]), ...params.map((p) => r.grads[p.variable.name] ?? tf.zerosLike(p.variable))];
    });
    const n = trajectoryLossTerms.length;
    const loss = list.slice(0, n).map((t) => t.dataSync()[0] as number);
    const grads = flatten(list.slice(n));
    tf.dispose(list);
    return [loss, grads];
  };
  const chunks = shardRows(end - start, Math.max(1, Math.ceil((end - start) / Math.max(1, chunkRows))));
  if (chunks.length === 1) return one(start, end);
  let loss: number[] = [];
  let sum: Float64Array = new Float64Array(0);
  for (const [a, b] of chunks) {
    const [l, g] = one(start + a, start + b);
    const w = (b - a) / (end - start);
    if (sum.length === 0) {
      sum = new Float64Array(g.length);
      loss = l.map(() => 0);
    }
    for (let i = 0; i < g.length; i++) sum[i] = (sum[i] as number) + w * (g[i] as number);
    loss = loss.map((v, k) => v + w * (l[k] as number));
  }
  return [loss, Float32Array.from(sum)];
}

/**
 * DDPM's ε-loss on rows [start, end) of a batch (`x`: those rows; `ddpmLoss` with `rows`) and its
 * gradients in the ε-network's parameters. @returns the shard's mean loss and the gradients, flat in
 * `epsilon.parameters` order (zeros for a parameter the loss does not reach).
 */
export function ddpmShardGradients(
  epsilon: VectorField,
  schedule: VpSchedule,
  x: tf.Tensor,
  rows: readonly [number, number],
  loss: DdpmLossSpec,
  key: IterationKey,
): [number, Float32Array] {
  const variables = epsilon.parameters.map((p) => p.variable);
  const { value, grads } = tapeSafe(() => tf.variableGrads(() => ddpmLoss(epsilon, schedule, x, { ...loss, seed: key.seed, iteration: key.iteration, rows }), variables));
  const list = tf.tidy(() => variables.map((v) => grads[v.name] ?? tf.zerosLike(v)));
  const out: [number, Float32Array] = [value.dataSync()[0] as number, flatten(list)];
  tf.dispose([value, ...Object.values(grads), ...list]);
  return out;
}

/** Assigns consecutive slices of `values` to the parameters (in order). */
export function assignFlat(parameters: readonly Parameter[], values: Float32Array): void {
  let offset = 0;
  for (const p of parameters) {
    const v = p.variable;
    tf.tidy(() => v.assign(tf.tensor(values.subarray(offset, offset + v.size), v.shape, 'float32')));
    offset += v.size;
  }
  if (offset !== values.length) throw new RangeError(`dataParallel: got ${values.length} weights for ${offset} parameters`);
}

/**
 * V8 limits of a worker: its young generation is capped at 8 MiB (V8 otherwise grows it to tens of
 * MiB under the allocation rate of a training loop). Measured at B = 5000, 2 shards: peak RSS
 * 310–327 → 299–302 MiB, no change in time.
 */
const WORKER_LIMITS = { maxYoungGenerationSizeMb: 8 };

/** The worker entry next to this module (from dist or, through tsx, from sources). */
function spawn(): Worker {
  return startModuleWorker(import.meta.url, './worker', { workerData: null, resourceLimits: WORKER_LIMITS });
}

interface Pending {
  resolve: (message: FromWorker) => void;
  reject: (error: Error) => void;
  /** The request, as error messages name it (see {@link taskOf}). */
  task: string;
}

/** A request as error messages name it: its kind and rows, e.g. "'gradients' of rows [3, 6)". */
export function taskOf(message: ToWorker): string {
  if (message.type === 'call') return `'${message.name}' of ${message.module}`;
  return 'rows' in message ? `'${message.type}' of rows [${message.rows[0]}, ${message.rows[1]})` : `'${message.type}'`;
}

/**
 * One worker thread of the runtime (worker.ts, started by {@link startModuleWorker}) and its
 * request/reply bookkeeping: a pool's replica of a spec's model, or a task worker (spec null).
 */
export class Replica {
  readonly worker: Worker;
  private readonly pending = new Map<number, Pending>();
  /** The task of each request whose reply comes on the synchronous port. */
  private readonly syncTasks = new Map<number, string>();
  /** Resolves when the thread has gone (disposed, terminated, or dead of its own accord). */
  readonly exited: Promise<void>;
  private ready: Promise<FromWorker & { type: 'ready' }>;
  private failure: Error | null = null;
  /** The data id of each variable's weights last sent to this worker. */
  readonly sentWeights = new WeakMap<tf.Variable, object>();
  /** Replies to synchronous requests arrive here, announced by a bump of `signal[0]`. */
  private readonly syncPort: MessagePort;
  private readonly signal: Int32Array;

  constructor(spec: ModelSpec | null, backend: string) {
    this.worker = spawn();
    this.exited = new Promise((resolve) => this.worker.once('exit', () => resolve()));
    const channel = new MessageChannel();
    this.syncPort = channel.port1;
    const shared = new SharedArrayBuffer(4);
    this.signal = new Int32Array(shared);
    let onReady: (m: FromWorker & { type: 'ready' }) => void = () => undefined;
    let onReadyError: (e: Error) => void = () => undefined;
    this.ready = new Promise((resolve, reject) => {
      onReady = resolve;
      onReadyError = reject;
    });
    this.ready.catch(() => undefined); // reported through the first request
    // An idle worker does not keep the process alive (a script that forgets dispose() still exits);
    // while a request is in flight it does.
    this.worker.on('message', (m: FromWorker) => {
      if (m.type === 'ready') {
        this.worker.unref();
        onReady(m);
      } else if (m.type === 'error' && m.id < 0) onReadyError(new Error(`dataParallel worker ${this.worker.threadId}, task 'init': ${m.message}`));
      else {
        const p = this.pending.get(m.id);
        this.pending.delete(m.id);
        if (this.pending.size === 0) this.worker.unref();
        if (p === undefined) return;
        if (m.type === 'error') p.reject(workerError(m, `dataParallel worker ${this.worker.threadId}, task ${p.task}`));
        else p.resolve(m);
      }
    });
    const threadId = this.worker.threadId;
    const fail = (what: string): void => {
      this.failure ??= new Error(`dataParallel worker ${threadId} ${what}`);
      onReadyError(this.failure);
      for (const p of this.pending.values()) p.reject(new Error(`dataParallel worker ${threadId} ${what} during task ${p.task}`));
      this.pending.clear();
    };
    this.worker.on('error', (e) => fail(`failed: ${e instanceof Error ? e.message : String(e)}`));
    this.worker.on('exit', (code) => fail(`exited (code ${code})`));
    this.worker.postMessage({ type: 'init', spec, backend, syncPort: channel.port2, signal: shared } satisfies ToWorker, [channel.port2]);
  }

  /** Posts a request whose reply comes on the synchronous port; {@link waitSync} collects it. */
  postSync(message: ToWorker, transfer: ArrayBuffer[]): void {
    if (this.failure !== null) throw this.failure;
    if ('id' in message) this.syncTasks.set(message.id, taskOf(message));
    this.post(message, transfer);
  }

  /** Blocks until the reply to request `id` is on the synchronous port. */
  waitSync(id: number, timeoutMs: number): FromWorker {
    const deadline = performance.now() + timeoutMs;
    const task = this.syncTasks.get(id) ?? `#${id}`;
    this.syncTasks.delete(id);
    for (;;) {
      const seen = Atomics.load(this.signal, 0);
      const got = receiveMessageOnPort(this.syncPort);
      if (got !== undefined) {
        const m = got.message as FromWorker;
        if (!('id' in m) || m.id !== id) continue; // a stale reply of an abandoned request
        if (m.type === 'error') throw workerError(m, `dataParallel worker ${this.worker.threadId}, task ${task}`);
        return m;
      }
      const left = deadline - performance.now();
      if (left <= 0 || Atomics.wait(this.signal, 0, seen, left) === 'timed-out') {
        throw new Error(`dataParallel: no reply from worker ${this.worker.threadId} to task ${task} within ${timeoutMs} ms (it may have died; see its error above)`);
      }
    }
  }

  layout(): Promise<FromWorker & { type: 'ready' }> {
    return this.ready;
  }

  /**
   * Ends the thread: asks it to stop after its current request, terminates it after 5 s. A thread
   * that already died has exited (its promise is settled) and is not waited for.
   */
  close(): Promise<void> {
    this.worker.ref(); // keep the process alive until the worker has gone
    this.post({ type: 'dispose' });
    const kill = setTimeout(() => void this.worker.terminate(), 5_000);
    kill.unref();
    return this.exited.finally(() => clearTimeout(kill));
  }

  post(message: ToWorker, transfer: ArrayBuffer[] = []): void {
    this.worker.postMessage(message, transfer);
  }

  request(id: number, message: ToWorker, transfer: ArrayBuffer[]): Promise<FromWorker> {
    if (this.failure !== null) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, task: taskOf(message) });
      this.worker.ref();
      this.post(message, transfer);
    });
  }
}

/**
 * Starts a pool of model replicas in worker threads.
 * @example
 * const model = modelFromSpec(spec); // @diffflow/networks
 * const pool = await dataParallel({ spec, strategy: 'adjoint', threads: 2 });
 * const { loss, grads } = await pool.gradients(model, x0, grid, { seed, iteration });
 * optimizer.applyGradients(grads);
 * await pool.dispose();
 */
export async function dataParallel(options: DataParallelOptions): Promise<DataParallel> {
  const { spec, strategy } = options;
  if (!(gradientStrategyNames as readonly string[]).includes(strategy)) {
    throw new RangeError(`dataParallel: strategy must be one of ${gradientStrategyNames.join(', ')}, got '${String(strategy)}'`);
  }
  const { threads } = options;
  if (threads !== undefined) {
    if (!Number.isInteger(threads) || threads < 1) throw new RangeError(`dataParallel: threads must be an integer ≥ 1, got ${threads}`);
    if (options.workers !== undefined || options.localShard !== undefined) throw new RangeError('dataParallel: give threads or workers/localShard, not both');
  }
  const local = options.localShard ?? true;
  const cores = availableParallelism();
  const workers = threads !== undefined ? threads - 1 : (options.workers ?? Math.max(local ? cores - 1 : cores, local ? 0 : 1));
  if (!Number.isInteger(workers) || workers < 0 || (!local && workers < 1)) {
    throw new RangeError(`dataParallel: workers must be an integer ≥ ${local ? 0 : 1}${local ? '' : ' without a local shard'}, got ${workers}`);
  }
  const chunkRows = options.chunkRows ?? 2048;
  const syncTimeoutMs = options.syncTimeoutMs ?? 600_000;
  if (!(Number.isInteger(chunkRows) && chunkRows >= 1)) throw new RangeError(`dataParallel: chunkRows must be an integer ≥ 1, got ${chunkRows}`);
  checkModelSpec(spec); // fail here, not in a worker
  const specShape = eventShape(spec);
  const backend = options.backend ?? tf.getBackend();
  const replicas = Array.from({ length: workers }, () => new Replica(spec, backend));
  let ready: FromWorker & { type: 'ready' };
  try {
    ready = (await Promise.all(replicas.map((r) => r.layout())))[0] ?? { type: 'ready', layout: [], epsilonLayout: null };
  } catch (error) {
    await Promise.all(replicas.map((r) => r.worker.terminate()));
    throw error;
  }
  const schedule = ddpmSchedule(spec);
  let nextId = 0;
  let disposed = false;
  const shards = workers + (local ? 1 : 0);

  /** Throws unless `params` have the names and shapes of a worker's `expected` (no workers: anything goes). */
  const checkLayout = (params: readonly Parameter[], expected: readonly ParameterLayout[] | null, what: string): void => {
    if (disposed) throw new Error('dataParallel: the pool has been disposed');
    if (replicas.length === 0) return;
    const same =
      expected !== null &&
      params.length === expected.length &&
      params.every((p, k) => p.name === expected[k]?.name && p.variable.shape.join() === expected[k]?.shape.join());
    if (!same) throw new RangeError(`dataParallel: ${what} does not match the spec the workers were built from (parameter names or shapes differ)`);
  };

  const checkModel = (model: DiffusionModel): Parameter[] => {
    const params = modelParameters(model);
    checkLayout(params, ready.layout, 'the model');
    return params;
  };

  /** The weights of `params` for a replica, or null when it already has these (same data ids as last sent). */
  const weightsFor = (replica: Replica, params: readonly Parameter[], flat: () => Float32Array): Float32Array | null => {
    if (params.every((p) => replica.sentWeights.get(p.variable) === p.variable.dataId)) return null;
    for (const p of params) replica.sentWeights.set(p.variable, p.variable.dataId);
    return flat().slice();
  };

  /** Splits rows over replicas first, the local shard (if any) last, so the workers start first. */
  const assign = (rows: number): { replica: Replica | null; rows: [number, number] }[] =>
    shardRows(rows, shards).map((r, k) => ({ replica: replicas[k] ?? null, rows: r }));

  /** One shard's means over its rows: the loss values and the gradients (flat, in the parameters' order). */
  type Part = { rows: readonly [number, number]; grads: Float32Array; loss: readonly number[] };
  type InFlight = { replica: Replica; id: number; rows: readonly [number, number]; reply: Promise<FromWorker> | null };
  /** A request split by rows: whose weights travel, each worker's message, the local shard's computation. */
  interface Split {
    readonly params: readonly Parameter[];
    readonly message: (shard: Omit<ShardRequest, 'key'>) => ToWorker;
    readonly local: (x: tf.Tensor, rows: readonly [number, number]) => [number[], Float32Array];
  }

  /**
   * Sends each worker its rows of `x0` (async replies or on the synchronous port), computes the
   * local shard meanwhile; returns the local part and the requests in flight.
   */
  const start = (split: Split, x0: tf.Tensor, sync: boolean): { batch: number; parts: Part[]; remote: InFlight[] } => {
    const batch = x0.shape[0] ?? 0;
    if (x0.rank < 2 || batch < 1) throw new RangeError(`dataParallel: x0 must be [B, ...D] with B ≥ 1, got [${x0.shape.join(', ')}]`);
    const rowSize = x0.size / batch;
    const data = x0.dataSync() as Float32Array;
    let flat: Float32Array | null = null;
    const weights = (): Float32Array => (flat ??= flatten(split.params.map((p) => p.variable)));
    const plan = assign(batch);
    const remote = plan.flatMap(({ replica, rows }): InFlight[] => {
      if (replica === null) return [];
      const w = weightsFor(replica, split.params, weights);
      const x = data.slice(rows[0] * rowSize, rows[1] * rowSize);
      const id = nextId++;
      const message = split.message({ id, weights: w, x0: x, shape: [rows[1] - rows[0], ...x0.shape.slice(1)], rows, sync });
      const transfer = (w === null ? [x.buffer] : [w.buffer, x.buffer]) as ArrayBuffer[];
      if (sync) {
        replica.postSync(message, transfer);
        return [{ replica, id, rows, reply: null }];
      }
      const reply = replica.request(id, message, transfer);
      reply.catch(() => undefined); // awaited later; avoid an unhandled rejection meanwhile
      return [{ replica, id, rows, reply }];
    });
    // the local shard, while the workers run
    const parts: Part[] = [];
    const mine = plan.find((p) => p.replica === null);
    if (mine !== undefined) {
      const { rows } = mine;
      const x = tf.tidy(() => (rows[0] === 0 && rows[1] === batch ? tf.clone(x0) : tf.slice(x0, rows[0], rows[1] - rows[0])));
      try {
        const [loss, grads] = split.local(x, rows);
        parts.push({ rows, grads, loss });
      } finally {
        x.dispose();
      }
    }
    return { batch, parts, remote };
  };

  const toPart = (rows: readonly [number, number], m: FromWorker): Part => {
    if (m.type !== 'gradients') throw new Error(`dataParallel: unexpected reply '${m.type}'`);
    return { rows, grads: m.grads, loss: m.loss };
  };
  const finish = async (started: ReturnType<typeof start>): Promise<Part[]> => {
    for (const r of started.remote) started.parts.push(toPart(r.rows, await (r.reply as Promise<FromWorker>)));
    return started.parts;
  };
  const finishSync = (started: ReturnType<typeof start>): Part[] => {
    for (const r of started.remote) started.parts.push(toPart(r.rows, r.replica.waitSync(r.id, syncTimeoutMs)));
    return started.parts;
  };

  /**
   * The shards' means weighted by rows/B (summed in float64, shards in row order): the loss values
   * and the gradients as tensors keyed by the parameters' variable names.
   */
  const combine = (params: readonly Parameter[], batch: number, parts: Part[]): { loss: number[]; grads: tf.NamedTensorMap } => {
    parts.sort((a, b) => a.rows[0] - b.rows[0]);
    const total = new Float64Array(parts[0]?.grads.length ?? 0);
    const loss = new Float64Array(parts[0]?.loss.length ?? 0);
    for (const part of parts) {
      const w = (part.rows[1] - part.rows[0]) / batch;
      for (let i = 0; i < total.length; i++) total[i] = (total[i] as number) + w * (part.grads[i] as number);
      for (let k = 0; k < loss.length; k++) loss[k] = (loss[k] as number) + w * (part.loss[k] as number);
    }
    const grads: tf.NamedTensorMap = {};
    let offset = 0;
    for (const p of params) {
      grads[p.variable.name] = tf.tensor(Float32Array.from(total.subarray(offset, offset + p.variable.size)), p.variable.shape, 'float32');
      offset += p.variable.size;
    }
    return { loss: Array.from(loss), grads };
  };

  /** The trajectory KL's split: all the model's weights travel, the strategy runs on each shard. */
  const trajectorySplit = (model: DiffusionModel, grid: TimeGrid, key: IterationKey): Split => {
    const params = checkModel(model);
    checkGrid(grid, 'dataParallel: grid');
    return {
      params,
      message: (shard) => ({ ...shard, type: 'gradients', grid, key, strategy, chunkRows }),
      local: (x, rows) => shardGradients(model, x, rows, grid, key, strategy, chunkRows),
    };
  };
  const trajectoryResult = (params: readonly Parameter[], batch: number, parts: Part[]): GradientResult => {
    const { loss, grads } = combine(params, batch, parts);
    const terms = Object.fromEntries(trajectoryLossTerms.map((k, i) => [k, tf.scalar(loss[i] as number)])) as unknown as TrajectoryLoss;
    return { loss: terms, grads };
  };

  /** DDPM's ε-loss split: only the ε-network's weights travel. */
  const ddpmSplit = (epsilon: VectorField, loss: DdpmLossSpec, key: IterationKey): Split => {
    if (schedule === undefined) {
      throw new RangeError("dataParallel.ddpmGradients: the spec's score must be scoreFromEpsilon of a 'vp' SDE (DDPM's ε-loss needs its ε-network and VP schedule)");
    }
    const params = epsilon.parameters;
    checkLayout(params, ready.epsilonLayout, 'the ε-network');
    return {
      params,
      message: (shard) => ({ ...shard, type: 'ddpmGradients', loss, key }),
      local: (x, rows) => {
        const [value, grads] = ddpmShardGradients(epsilon, schedule, x, rows, loss, key);
        return [[value], grads];
      },
    };
  };
  const ddpmResult = (params: readonly Parameter[], batch: number, parts: Part[]): LossGradients => {
    const { loss, grads } = combine(params, batch, parts);
    return { value: tf.scalar(loss[0] as number), grads };
  };

  type Result<R> = (params: readonly Parameter[], batch: number, parts: Part[]) => R;
  /** A split run with async replies. */
  const run = async <R>(split: Split, x0: tf.Tensor, result: Result<R>): Promise<R> => {
    const started = start(split, x0, false);
    return result(split.params, started.batch, await finish(started));
  };
  /** A split run whose calling thread blocks for the replies. */
  const runSync = <R>(split: Split, x0: tf.Tensor, result: Result<R>): R => {
    const started = start(split, x0, true);
    return result(split.params, started.batch, finishSync(started));
  };

  /*
   * No workers (one thread): the whole batch in-process, exactly what a caller without a pool
   * computes — the strategy on the whole batch, or tf.variableGrads of the whole batch's ε-loss —
   * with no chunks, no copies and no merge.
   */
  const checkBatch = (x0: tf.Tensor): void => {
    if (x0.rank < 2 || (x0.shape[0] ?? 0) < 1) throw new RangeError(`dataParallel: x0 must be [B, ...D] with B ≥ 1, got [${x0.shape.join(', ')}]`);
  };
  const inProcess = (model: DiffusionModel, x0: tf.Tensor, grid: TimeGrid, key: IterationKey): GradientResult => {
    trajectorySplit(model, grid, key); // the same checks
    checkBatch(x0);
    return iterationGradients(strategy, model, x0, grid, key);
  };
  const ddpmInProcess = (epsilon: VectorField, x0: tf.Tensor, loss: DdpmLossSpec, key: IterationKey): LossGradients => {
    ddpmSplit(epsilon, loss, key); // the same checks
    checkBatch(x0);
    const variables = epsilon.parameters.map((p) => p.variable);
    return tapeSafe(() => tf.variableGrads(() => ddpmLoss(epsilon, schedule as VpSchedule, x0, { ...loss, seed: key.seed, iteration: key.iteration }), variables));
  };
  const single = replicas.length === 0 && local;

  const gradients = async (model: DiffusionModel, x0: tf.Tensor, grid: TimeGrid, key: IterationKey): Promise<GradientResult> =>
    single ? inProcess(model, x0, grid, key) : run(trajectorySplit(model, grid, key), x0, trajectoryResult);
  const gradientsSync = (model: DiffusionModel, x0: tf.Tensor, grid: TimeGrid, key: IterationKey): GradientResult =>
    single ? inProcess(model, x0, grid, key) : runSync(trajectorySplit(model, grid, key), x0, trajectoryResult);
  const ddpmGradients = async (epsilon: VectorField, x0: tf.Tensor, loss: DdpmLossSpec, key: IterationKey): Promise<LossGradients> =>
    single ? ddpmInProcess(epsilon, x0, loss, key) : run(ddpmSplit(epsilon, loss, key), x0, ddpmResult);
  const ddpmGradientsSync = (epsilon: VectorField, x0: tf.Tensor, loss: DdpmLossSpec, key: IterationKey): LossGradients =>
    single ? ddpmInProcess(epsilon, x0, loss, key) : runSync(ddpmSplit(epsilon, loss, key), x0, ddpmResult);

  type SamplePlan = { sampler: Sampler; settings: SamplerSpec['settings']; sent: SampleOptions; shape: readonly number[] };
  /** Checks a sampling request; the sampler spec with its settings resolved (a bad setting fails here, not in a worker). */
  const samplePlan = (model: DiffusionModel, opts: SampleOptions, sampler: Sampler, spec: SamplerSpec): SamplePlan & { params: Parameter[] } => {
    const params = checkModel(model);
    if (!Number.isInteger(opts.n) || opts.n < 1) throw new RangeError(`dataParallel.sample: n must be an integer ≥ 1, got ${opts.n}`);
    checkGrid(opts.grid, 'dataParallel.sample: grid');
    const shape = opts.shape ?? specShape;
    if (shape === undefined) throw new RangeError('dataParallel.sample: shape is needed (no network of the spec fixes the sample shape)');
    const settings = resolveSettings(sampler, spec.settings) as SamplerSpec['settings'];
    const sent: SampleOptions = { n: opts.n, grid: opts.grid, seed: opts.seed, sampler: { ...spec, settings }, ...(opts.batchSize === undefined ? {} : { batchSize: opts.batchSize }) };
    return { params, sampler, settings, sent, shape };
  };
  type Piece = { rows: readonly [number, number]; values: Float32Array };
  /** Sends each worker its rows (async replies or on the synchronous port), samples the local shard meanwhile. */
  const startSample = (model: DiffusionModel, plan: SamplePlan & { params: Parameter[] }, sync: boolean): { pieces: Piece[]; remote: InFlight[] } => {
    const { params, sent, shape } = plan;
    let flat: Float32Array | null = null;
    const weights = (): Float32Array => (flat ??= flatten(params.map((p) => p.variable)));
    const shards = assign(sent.n);
    const remote = shards.flatMap(({ replica, rows }): InFlight[] => {
      if (replica === null) return [];
      const w = weightsFor(replica, params, weights);
      const id = nextId++;
      const message: ToWorker = { type: 'sample', id, weights: w, rows, shape, options: sent, sync };
      const transfer = w === null ? [] : [w.buffer as ArrayBuffer];
      if (sync) {
        replica.postSync(message, transfer);
        return [{ replica, id, rows, reply: null }];
      }
      const reply = replica.request(id, message, transfer);
      reply.catch(() => undefined); // awaited later
      return [{ replica, id, rows, reply }];
    });
    const pieces: Piece[] = [];
    const mine = shards.find((p) => p.replica === null);
    if (mine !== undefined) {
      const x = shardSamples(model, mine.rows, shape, sent, plan.sampler, plan.settings);
      pieces.push({ rows: mine.rows, values: x.dataSync() as Float32Array });
      x.dispose();
    }
    return { pieces, remote };
  };
  const toPiece = (rows: readonly [number, number], m: FromWorker): Piece => {
    if (m.type !== 'samples') throw new Error(`dataParallel: unexpected reply '${m.type}'`);
    return { rows, values: m.values };
  };
  /** The pieces in row order, as one tensor [n, ...shape]. */
  const joinSamples = (n: number, shape: readonly number[], pieces: Piece[]): tf.Tensor => {
    const dim = shape.reduce((a, b) => a * b, 1);
    pieces.sort((a, b) => a.rows[0] - b.rows[0]);
    const out = new Float32Array(n * dim);
    for (const p of pieces) out.set(p.values, p.rows[0] * dim);
    return tf.tensor(out, [n, ...shape], 'float32');
  };

  const sample = async (model: DiffusionModel, opts: SampleOptions): Promise<tf.Tensor> => {
    const spec = samplerSpecOf(opts);
    const plan = samplePlan(model, opts, await loadSampler(spec), spec);
    const { pieces, remote } = startSample(model, plan, false);
    for (const r of remote) pieces.push(toPiece(r.rows, await (r.reply as Promise<FromWorker>)));
    return joinSamples(opts.n, plan.shape, pieces);
  };
  const sampleSync = (model: DiffusionModel, opts: SampleOptions): tf.Tensor => {
    const spec = samplerSpecOf(opts);
    if (spec.module !== undefined) throw new RangeError(`dataParallel.sampleSync: sampler '${spec.name}' comes from module ${spec.module}; use sample(), which can import it`);
    const plan = samplePlan(model, opts, samplerByName(spec.name), spec);
    const { pieces, remote } = startSample(model, plan, true);
    for (const r of remote) pieces.push(toPiece(r.rows, r.replica.waitSync(r.id, syncTimeoutMs)));
    return joinSamples(opts.n, plan.shape, pieces);
  };

  const dispose = async (): Promise<void> => {
    if (disposed) return;
    disposed = true;
    await Promise.all(replicas.map((r) => r.close()));
  };

  return { shards, gradients, gradientsSync, ddpmGradients, ddpmGradientsSync, sample, sampleSync, dispose };
}
