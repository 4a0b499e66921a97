/**
 * Samplers for pool_failures.test.ts that fail inside a worker thread (on the calling thread they
 * only throw, so a test never ends its own process): 'throws-in-worker' throws when it starts,
 * 'exits-in-worker' ends its worker thread mid-task (`process.exit(3)` in a worker stops that thread).
 */
import { isMainThread } from 'node:worker_threads';
import { defineSampler } from '@diffflow/likelihood';

/** This module's URL: the workers import the samplers from here. */
export const failingSamplersModule = import.meta.url;

export const throwsInWorker = defineSampler({
  name: 'throws-in-worker',
  description: 'throws "the sampler refused" when it starts',
  settings: {},
  start: () => {
    throw new Error('the sampler refused');
  },
});

export const exitsInWorker = defineSampler({
  name: 'exits-in-worker',
  description: 'ends its worker thread when it starts (throws on the calling thread)',
  settings: {},
  start: () => {
    if (!isMainThread) process.exit(3);
    throw new Error('exits-in-worker runs in workers only');
  },
});
