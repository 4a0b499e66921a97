/** A worker for spawn.test.ts: echoes its workerData and where a workspace package resolves (its sources under `@diffflow/source`). */
import { parentPort, workerData } from 'node:worker_threads';

parentPort?.postMessage({ workerData, sdeCore: import.meta.resolve('@diffflow/sde-core'), typescript: import.meta.url.endsWith('.ts') });
