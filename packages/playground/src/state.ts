/**
 * The page's state and how reports from the worker change it: a pure reducer, so the UI's logic
 * (loss history, run status, errors) is tested without a browser.
 */
import type { Report, Visuals } from './worker/protocol.js';
import type { PlaygroundSettings } from './settings.js';
import type { BrowserBackend } from './worker/backend_names.js';
import { appendPoint, emptyCurve, type Curve } from './curve.js';

/** Everything the page shows that comes from the worker, plus its own errors. */
export interface PageState {
  readonly backend: { readonly name: BrowserBackend; readonly detail: string; readonly reason: string; readonly available: readonly BrowserBackend[] } | null;
  /** How many sessions (new models, loaded checkpoints) the worker has announced. */
  readonly sessions: number;
  /** Settings of the models in the worker (null before the first session). */
  readonly settings: PlaygroundSettings | null;
  readonly running: boolean;
  readonly iteration: number;
  readonly ddpmIteration: number;
  readonly itPerSec: number;
  readonly ddpmItPerSec: number;
  readonly loss: number;
  readonly tensors: number;
  readonly diffflowCurve: Curve;
  /** DDPM's loss by DiffFlow iteration (DDPM trains for the same wall-clock time in each round). */
  readonly ddpmCurve: Curve;
  readonly visuals: Visuals | null;
  /** The last error, shown until the next session or a dismissal. */
  readonly error: string | null;
}

/** Before the worker's first report. */
export const initialState: PageState = {
  backend: null,
  sessions: 0,
  settings: null,
  running: false,
  iteration: 0,
  ddpmIteration: 0,
  itPerSec: 0,
  ddpmItPerSec: 0,
  loss: Number.NaN,
  tensors: 0,
  diffflowCurve: emptyCurve,
  ddpmCurve: emptyCurve,
  visuals: null,
  error: null,
};

/** Things the page itself does to its state. */
export type PageAction = Report | { readonly type: 'dismissError' } | { readonly type: 'pageError'; readonly message: string };

/** The state after a report of the worker or an action of the page (pure). */
export function reduce(state: PageState, action: PageAction): PageState {
  switch (action.type) {
    case 'backend':
      // a fresh worker reports only its own backend until it has looked the others up: keep the known list
      return {
        ...state,
        backend: { name: action.name, detail: action.detail, reason: action.reason, available: action.available.length > 1 || state.backend === null ? action.available : state.backend.available },
      };
    case 'session':
      return {
        ...state,
        sessions: state.sessions + 1,
        settings: action.settings,
        iteration: action.iteration,
        ddpmIteration: action.ddpmIteration,
        itPerSec: 0,
        ddpmItPerSec: 0,
        diffflowCurve: action.history.diffflow,
        ddpmCurve: action.history.ddpm,
        loss: action.history.diffflow.losses.at(-1) ?? Number.NaN,
        visuals: null,
        error: null,
      };
    case 'settings':
      return { ...state, settings: action.settings, iteration: action.iteration, ddpmIteration: action.ddpmIteration, ddpmItPerSec: 0 };
    case 'status':
      return { ...state, running: action.running };
    case 'progress':
      return {
        ...state,
        iteration: action.diffflow.iteration,
        itPerSec: action.diffflow.itPerSec,
        loss: action.diffflow.loss,
        tensors: action.tensors,
        diffflowCurve: appendPoint(state.diffflowCurve, action.diffflow.iteration, action.diffflow.loss),
        ddpmIteration: action.ddpm?.iteration ?? state.ddpmIteration,
        ddpmItPerSec: action.ddpm?.itPerSec ?? 0,
        ddpmCurve: action.ddpm === null ? state.ddpmCurve : appendPoint(state.ddpmCurve, action.diffflow.iteration, action.ddpm.loss),
      };
    case 'visuals':
      return { ...state, visuals: action.visuals };
    case 'error':
      return { ...state, error: `${action.context}: ${action.message}` };
    case 'pageError':
      return { ...state, error: action.message };
    case 'dismissError':
      return { ...state, error: null };
    case 'heatmap':
    case 'checkpoint':
    case 'snapshot':
    case 'fewSteps':
      return state;
  }
}
