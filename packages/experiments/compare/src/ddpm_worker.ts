/**
 * Worker entry of {@link ddpmPool} (ddpm_pool.ts): trains one DDPM baseline per request with
 * `trainDdpm`, into the same run folder as the main thread. Not imported by anything else.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { selectBackend } from '@diffflow/backend';
import { orThrow } from '@diffflow/cli';
import { openRunDir } from '@diffflow/runs';
import { toyNormalizer } from '@diffflow/experiment-toy2d';
import { compareNonIdentityFields, runIdentity } from './config.js';
import { workerFailure, type DdpmWorkerData, type FromDdpmWorker, type ToDdpmWorker } from './ddpm_pool.js';
import { trainDdpm } from './models.js';

if (parentPort === null) throw new Error('ddpm_worker: must run as a worker thread (see ddpmPool)');
const port = parentPort;
const { config, backend } = workerData as DdpmWorkerData;
const reply = (m: FromDdpmWorker): void => port.postMessage(m);

await selectBackend({ prefer: backend, quiet: true });
// the main thread opened (and checked) the folder; here it is opened as the same run
const run = await orThrow(openRunDir(config.out, { config: runIdentity(config), resume: true, nonIdentity: [...compareNonIdentityFields], extraExtensions: ['.md'] }));

let queue: Promise<void> = Promise.resolve();
port.on('message', (m: ToDdpmWorker) => {
  queue = queue.then(async () => {
    try {
      const ddpm = await trainDdpm(config, run, m.dataset, toyNormalizer(m.dataset, config.seed), { resume: config.resume, progressTty: false });
      const training = ddpm.training;
      ddpm.dispose();
      reply({ type: 'done', id: m.id, training });
    } catch (e) {
      reply({ type: 'error', id: m.id, error: workerFailure(e) });
    }
  });
});
reply({ type: 'ready' });
