import * as tf from '@tensorflow/tfjs-core';
import { Replica, type FromWorker } from './pool.js';

/**
 * A task as plain data: the function `name` that the module at `module` (a URL, e.g. the caller's
 * `import.meta.url`) exports. The worker imports the module and calls the function with plain-data
 * arguments; its result (plain data too: it is structured-cloned) comes back.
 */
export interface TaskSpec {
  readonly module: string;
  readonly name: string;
}

/** A worker thread of the runtime that runs tasks; see {@link taskWorker}. */
export interface TaskWorker {
  /**
   * Runs `task(...args)` in the worker after the tasks sent before it (one at a time, in order).
   * Rejects with an Error naming the worker and the task when the function throws (its message
   * kept; a class does not cross threads — return typed failures as data), or when the thread dies.
   */
  run<R>(task: TaskSpec, ...args: readonly unknown[]): Promise<R>;
  /** Ends the thread (after the task in progress, if any; a dead thread is not waited for). */
  dispose(): Promise<void>;
}

/**
 * Starts one worker thread of the runtime — the bootstrap the data-parallel pool's workers use,
 * with the calling thread's tfjs backend selected — that runs whole tasks instead of row shards:
 * e.g. a second model's training on a second core while this thread trains the first.
 * @param options.backend the worker's tfjs backend (default: the calling thread's, `tf.getBackend()`)
 * @example
 * const worker = await taskWorker();
 * const record = await worker.run<Record>({ module: import.meta.url, name: 'trainBaseline' }, config, dataset);
 * await worker.dispose();
 */
export async function taskWorker(options: { readonly backend?: string } = {}): Promise<TaskWorker> {
  const replica = new Replica(null, options.backend ?? tf.getBackend());
  try {
    await replica.layout();
  } catch (error) {
    await replica.worker.terminate();
    throw error;
  }
  let nextId = 0;
  let disposed = false;
  return {
    async run<R>(task: TaskSpec, ...args: readonly unknown[]): Promise<R> {
      if (disposed) throw new Error('taskWorker: the worker has been disposed');
      const id = nextId++;
      const m: FromWorker = await replica.request(id, { type: 'call', id, module: task.module, name: task.name, args }, []);
      if (m.type !== 'result') throw new Error(`taskWorker: unexpected reply '${m.type}'`);
      return m.value as R;
    },
    async dispose() {
      if (disposed) return;
      disposed = true;
      await replica.close();
    },
  };
}
