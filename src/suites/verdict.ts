// The verdict of a bundled task on a session's site state, served by the suite server at
// `GET /__webagent/check?task=<id>` (see serveSites' `verdict`): tasks exported as WebArena
// configs read it with a `program_html` check, so they score exactly as their own checker does.

import { runCheck } from '../tasks/checkers.js';
import type { CheckResult } from '../tasks/types.js';
import type { SiteUrls } from './framework/site.js';
import { BundledSuite } from './suite.js';
import type { World } from './world.js';

/** A `verdict` hook for serveSites over the bundled templates; `urls` is read at the first call. */
export function bundledVerdict(world: World, urls: () => SiteUrls): (site: string, taskId: string, state: unknown) => Promise<CheckResult> {
  let suite: BundledSuite | undefined;
  return async (site, taskId, state) => {
    suite ??= new BundledSuite({ urls: urls(), world });
    const task = suite.task(taskId);
    if (task.site !== site) return { score: 0, reason: `task ${taskId} is on the ${task.site} site, not ${site}` };
    // Only the site state is known here: this serves state checks, which look at nothing else.
    return runCheck(task.check, { task, answer: null, url: '', state: <T,>() => Promise.resolve(state as T) });
  };
}
