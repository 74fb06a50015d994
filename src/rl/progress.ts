// A progress bar with ETA for long runs, over the trainers' typed events (cli-progress draws it).
// On a terminal it redraws one line; elsewhere (CI logs, files) it prints a line every `every`
// units so logs stay short. Returns a detach function that stops drawing and removes listeners.

import { SingleBar } from 'cli-progress';
import { OptionsError } from '../errors.js';
import { custom, defineOptions, obj, positive, str } from '../options.js';
import type { BehaviorCloning } from './behavior-cloning.js';
import type { MultiTurnGRPO } from './grpo.js';

export interface ProgressOptions {
  /** Shown before the bar. */
  readonly label?: string;
  /** Default process.stderr. */
  readonly stream?: NodeJS.WriteStream;
  /** Without a terminal: print every `every` units (default: every 10% of the total). */
  readonly every?: number;
}

/** The schema of ProgressOptions: checked by `progressBar` and `attachProgress` before anything is drawn. */
export const progressOptions = defineOptions<ProgressOptions>()('progress', obj({
  label: str('a string').optional(),
  stream: custom<NodeJS.WriteStream>((v) => typeof (v as Partial<NodeJS.WriteStream> | null)?.write === 'function', 'a writable stream (process.stderr, ...)').optional(),
  every: positive('a finite number > 0 (units between printed lines)').optional(),
}));

function format(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.round(seconds);
  return s >= 3600 ? `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m` : s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}

/** A bar of `total` units; `update(done, info)` moves it. */
export function progressBar(total: number, options: ProgressOptions = {}): { update(done: number, info?: string): void; stop(): void } {
  progressOptions.as('progressBar').check(options);
  const stream = options.stream ?? process.stderr;
  const label = options.label ?? '';
  const started = performance.now();
  if (stream.isTTY) {
    const bar = new SingleBar({ format: `${label} [{bar}] {value}/{total} | {eta_formatted} left | {info}`, hideCursor: true, stream, etaBuffer: 20 });
    bar.start(total, 0, { info: '' });
    return { update: (done, info = '') => bar.update(done, { info }), stop: () => bar.stop() };
  }
  const every = options.every ?? Math.max(1, Math.ceil(total / 10));
  let last = 0;
  return {
    update(done, info = '') {
      // Once: a budgeted run that outlasts its estimated total stays clamped at it.
      if (done <= last || (done - last < every && done !== total)) return;
      last = done;
      const elapsed = (performance.now() - started) / 1000;
      const eta = done > 0 ? (elapsed / done) * (total - done) : NaN;
      stream.write(`${label} ${done}/${total} (${Math.round((100 * done) / total)}%) ${format(elapsed)} elapsed, ${format(eta)} left${info ? ` | ${info}` : ''}\n`);
    },
    stop() {},
  };
}

/**
 * A run's length for `attachProgress`: a count of units (BehaviorCloning's steps, MultiTurnGRPO's
 * iterations), or `{ seconds }` for a run stopped by a time budget (an `AbortSignal.timeout`), whose
 * bar then advances by elapsed seconds, so its ETA is the budget's remainder and no guess of the
 * step count can run out early.
 */
export type ProgressTotal = number | { readonly seconds: number };

/** Draws a trainer's progress: steps of BehaviorCloning, iterations of MultiTurnGRPO, or seconds of a budget. */
export function attachProgress(trainer: BehaviorCloning | MultiTurnGRPO, total: ProgressTotal, options: ProgressOptions = {}): () => void {
  progressOptions.as('attachProgress').check(options);
  const budget = typeof total === 'number' ? undefined : total.seconds;
  const units = budget ?? (total as number);
  if (!(Number.isFinite(units) && units > 0)) {
    throw new OptionsError(budget === undefined ? `progress total must be a number > 0 (steps or iterations), got ${String(total)}` : `progress seconds must be a number > 0, got ${String(budget)}`);
  }
  const bar = progressBar(Math.ceil(units), { ...options, ...(budget !== undefined ? { label: `${options.label ?? ''} (s)`.trim() } : {}) });
  const started = performance.now();
  // With a time budget the position is whole seconds elapsed (clamped: the last step may end past it).
  const position = (done: number): number => Math.min(budget === undefined ? done : Math.floor((performance.now() - started) / 1000), Math.ceil(units));
  if ('progress' in trainer) {
    const grpo = trainer;
    const onIteration = (m: { iteration: number; reward_mean: number; kl: number }): void =>
      bar.update(position(m.iteration + 1), `${budget === undefined ? '' : `iteration ${m.iteration + 1} `}reward ${m.reward_mean.toFixed(3)} kl ${m.kl.toExponential(1)}`);
    grpo.on('iteration-end', onIteration);
    return () => {
      grpo.off('iteration-end', onIteration);
      bar.stop();
    };
  }
  const bc = trainer;
  const onStep = (e: { step: number; loss: number }): void => bar.update(position(e.step), `${budget === undefined ? '' : `step ${e.step} `}loss ${e.loss.toFixed(3)}`);
  bc.on('step', onStep);
  return () => {
    bc.off('step', onStep);
    bar.stop();
  };
}
