/**
 * Errors across a thread boundary. An error class does not survive structured cloning, so a task run
 * in a worker thread (@diffflow/parallel's `taskWorker`) returns its outcome as plain data and the
 * calling thread rethrows it as the same class — so `runCli` picks the same exit code as if the
 * task had run in the calling thread (2 for bad input, 3 for divergence).
 */
import { DivergenceError } from '@diffflow/training';
import { ExperimentFailure, type ExperimentError } from './errors.js';

/** An error as plain data: a divergence, a bad input (`ExperimentFailure`), or any other error's message. */
export type ErrorData =
  | { readonly kind: 'diverged'; readonly iteration: number; readonly term: string; readonly checkpoint?: string }
  | { readonly kind: 'input'; readonly error: ExperimentError }
  | { readonly kind: 'other'; readonly message: string };

/** The plain-data form of a thrown value (see {@link ErrorData}). */
export function errorToData(e: unknown): ErrorData {
  if (e instanceof DivergenceError) return { kind: 'diverged', iteration: e.iteration, term: e.term, ...(e.checkpoint === undefined ? {} : { checkpoint: e.checkpoint }) };
  if (e instanceof ExperimentFailure) return { kind: 'input', error: e.error };
  return { kind: 'other', message: e instanceof Error ? e.message : String(e) };
}

/**
 * The error {@link errorToData} described, rebuilt: a `DivergenceError`, an `ExperimentFailure`,
 * or an `Error` whose message is `${where}: ${message}` (`where` names the thread or task).
 */
export function errorFromData(d: ErrorData, where: string): Error {
  switch (d.kind) {
    case 'diverged':
      return new DivergenceError(d.iteration, d.term, d.checkpoint);
    case 'input':
      return new ExperimentFailure(d.error);
    case 'other':
      return new Error(`${where}: ${d.message}`);
  }
}

/** A task's outcome as plain data: its value, or its error as {@link errorToData} wrote it. */
export type Outcome<A> = { readonly value: A } | { readonly failure: ErrorData };

/** Runs `task` and returns its {@link Outcome}: what a worker's task returns instead of throwing. */
export async function outcomeOf<A>(task: () => Promise<A>): Promise<Outcome<A>> {
  try {
    return { value: await task() };
  } catch (e) {
    return { failure: errorToData(e) };
  }
}

/**
 * The value of an {@link Outcome}, or its error rethrown typed ({@link errorFromData}).
 * @param where names the thread or task in an untyped error's message ("DDPM worker")
 */
export function valueOf<A>(outcome: Outcome<A>, where: string): A {
  if ('failure' in outcome) throw errorFromData(outcome.failure, where);
  return outcome.value;
}
