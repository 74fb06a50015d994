// The race every browser call of an episode runs in: the call against a deadline and against
// the signals that end the episode at once (the browser crashed or disconnected, the page
// crashed). Playwright's own timeouts do not cover a hung renderer or a dead browser.

/**
 * Races `p` against a deadline of `ms` and the abort of any of `signals`: settles as `p` does,
 * or rejects with `timed out after <ms> ms while <what>` (callers test for the `timed out`
 * prefix), or with the reason of the signal that aborted first.
 */
export function withDeadline<T>(p: Promise<T>, ms: number, what: string, signals: readonly (AbortSignal | undefined)[]): Promise<T> {
  // `p` may settle after the race has given up (a signal already aborted, a timeout): its
  // late rejection (the page closed under it) must not become an unhandled rejection.
  p.catch(() => undefined);
  const live = signals.filter((s): s is AbortSignal => s !== undefined);
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => finish(() => reject(new Error(`timed out after ${ms} ms while ${what}`))), ms);
    const onAbort = (e: Event): void => finish(() => reject((e.target as AbortSignal).reason));
    function finish(f: () => void): void {
      clearTimeout(timer);
      for (const s of live) s.removeEventListener('abort', onAbort);
      f();
    }
    for (const s of live) {
      if (s.aborted) {
        finish(() => reject(s.reason));
        return;
      }
      s.addEventListener('abort', onAbort);
    }
    p.then((v) => finish(() => resolve(v)), (e: unknown) => finish(() => reject(e)));
  });
}
