/**
 * The runtime's one worker entry: on its own tfjs backend it holds one replica of a spec's model and
 * runs a pool's requests (pool.ts), or runs tasks — exported functions of modules (tasks.ts) — one
 * at a time, in order. Not imported by anything else.
 */
import { parentPort, type MessagePort } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '@diffflow/backend';
import { replicaFromSpec, type Parameter, type SpecReplica } from '@diffflow/networks';
import { loadSampler } from '@diffflow/likelihood';
import { assignFlat, ddpmShardGradients, modelParameters, nonFiniteFields, shardGradients, shardSamples, type FromWorker, type ToWorker } from './pool.js';

if (parentPort === null) throw new Error('parallel worker: must run as a worker thread (see dataParallel)');
const port = parentPort;

let replica: SpecReplica | null = null;
/** The synchronous reply channel (see `gradientsSync`): a reply there is announced by a bump of signal[0]. */
let sync: { port: MessagePort; signal: Int32Array } | null = null;
const reply = (message: FromWorker, transfer: ArrayBuffer[] = [], onSync = false): void => {
  if (!onSync || sync === null) return port.postMessage(message, transfer);
  sync.port.postMessage(message, transfer);
  Atomics.add(sync.signal, 0, 1);
  Atomics.notify(sync.signal, 0);
};

/** Messages are handled strictly in order: init is asynchronous (backend start), the rest synchronous. */
let queue: Promise<void> = Promise.resolve();
port.on('message', (message: ToWorker) => {
  queue = queue.then(() => handle(message)).catch((error: unknown) => {
    const id = 'id' in message ? message.id : -1;
    const onSync = (message.type === 'gradients' || message.type === 'ddpmGradients' || message.type === 'sample') && message.sync === true;
    const nonFinite = nonFiniteFields(error);
    reply({ type: 'error', id, message: error instanceof Error ? error.message : String(error), ...(nonFinite === undefined ? {} : { nonFinite }) }, [], onSync);
  });
});

async function handle(message: ToWorker): Promise<void> {
  switch (message.type) {
    case 'init': {
      sync = { port: message.syncPort, signal: new Int32Array(message.signal) };
      await selectBackend({ prefer: message.backend, quiet: true });
      replica = message.spec === null ? null : replicaFromSpec(message.spec);
      const layout = (params: readonly Parameter[]) => params.map((p) => ({ name: p.name, shape: p.variable.shape }));
      const epsilon = replica?.epsilon === undefined ? null : layout(replica.epsilon.parameters);
      reply({ type: 'ready', layout: replica === null ? [] : layout(modelParameters(replica.model)), epsilonLayout: epsilon });
      return;
    }
    case 'call': {
      const exports = (await import(/* @vite-ignore */ message.module)) as Record<string, unknown>;
      const task = exports[message.name];
      if (typeof task !== 'function') throw new Error(`${message.module} exports no function '${message.name}'`);
      reply({ type: 'result', id: message.id, value: await (task as (...args: readonly unknown[]) => unknown)(...message.args) });
      return;
    }
    case 'gradients': {
      const m = ready().model;
      const params = modelParameters(m);
      if (message.weights !== null) assignFlat(params, message.weights);
      const x0 = tf.tensor(message.x0, message.shape as number[], 'float32');
      const [loss, grads] = shardGradients(m, x0, message.rows, message.grid, message.key, message.strategy, message.chunkRows);
      x0.dispose();
      reply({ type: 'gradients', id: message.id, grads, loss }, [grads.buffer as ArrayBuffer], message.sync === true);
      return;
    }
    case 'ddpmGradients': {
      const { epsilon, schedule } = ready();
      if (epsilon === undefined || schedule === undefined) throw new Error("the spec's score is not scoreFromEpsilon of a 'vp' SDE");
      if (message.weights !== null) assignFlat(epsilon.parameters, message.weights);
      const x0 = tf.tensor(message.x0, message.shape as number[], 'float32');
      try {
        const [value, grads] = ddpmShardGradients(epsilon, schedule, x0, message.rows, message.loss, message.key);
        reply({ type: 'gradients', id: message.id, grads, loss: [value] }, [grads.buffer as ArrayBuffer], message.sync === true);
      } finally {
        x0.dispose();
      }
      return;
    }
    case 'sample': {
      const m = ready().model;
      if (message.weights !== null) assignFlat(modelParameters(m), message.weights);
      const spec = message.options.sampler;
      if (spec === undefined) throw new Error('parallel worker: a sample request carries its sampler spec');
      const x = shardSamples(m, message.rows, message.shape, message.options, await loadSampler(spec), spec.settings);
      const values = (x.dataSync() as Float32Array).slice();
      x.dispose();
      reply({ type: 'samples', id: message.id, values }, [values.buffer as ArrayBuffer], message.sync === true);
      return;
    }
    case 'dispose': {
      if (replica !== null) {
        replica.model.sde.drift.dispose();
        replica.model.score.dispose(); // and the ε-network inside it
        replica = null;
      }
      sync?.port.close();
      port.close();
      return;
    }
  }
}

function ready(): SpecReplica {
  if (replica === null) throw new Error('parallel worker: no model (init first)');
  return replica;
}
