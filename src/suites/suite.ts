// The bundled suites as WebTasks: instances of every template for a split, each reproducible
// from its id, with the checker, the expert, the state reader and the setup bound to a running
// suite server.

import type { APIResponse } from 'playwright-core';
import { OptionsError, SiteUnavailableError, TaskError } from '../errors.js';
import type { WebTask } from '../tasks/types.js';
import { CONTROL_KEY_HEADER } from './framework/serve.js';
import { SITE_NAMES, type SiteName, type SiteUrls } from './framework/site.js';
import { BUNDLED_TEMPLATES } from './sites.js';
import { SPLITS, type Split, type TaskTemplate } from './template.js';
import { rngFor } from './words.js';
import type { World } from './world.js';

export interface SuiteTaskQuery {
  /** Default `train`. */
  readonly split?: Split;
  /** Only these sites (default all). */
  readonly sites?: readonly SiteName[];
  /** Only these template ids. */
  readonly templates?: readonly string[];
  /** At most this many instances per template (default: all). */
  readonly perTemplate?: number;
}

/** The task sets of the bundled sites, bound to a running suite server. */
export class BundledSuite {
  readonly #urls: SiteUrls;
  readonly #world: World;
  readonly #controlKey: string | undefined;
  readonly templates: readonly TaskTemplate[];

  /**
   * `server` is a running suite server (`startSuiteServer()`); its `controlKey` lets the tasks'
   * state readers and setups reach the sites' internal endpoints.
   */
  constructor(server: { readonly urls: SiteUrls; readonly world: World; readonly controlKey?: string }, templates: readonly TaskTemplate[] = BUNDLED_TEMPLATES) {
    this.#urls = server.urls;
    this.#world = server.world;
    this.#controlKey = server.controlKey;
    this.templates = templates;
  }

  /** Templates that have instances in `split`. */
  templatesOf(split: Split): TaskTemplate[] {
    return this.templates.filter((t) => (split === 'test-unseen' ? t.unseen === true : t.unseen !== true));
  }

  /** Number of instances of `template` in `split`. */
  sizeOf(template: TaskTemplate, split: Split): number {
    if ((split === 'test-unseen') !== (template.unseen === true)) return 0;
    return template.size(this.#world, split === 'train' ? 'train' : 'test');
  }

  /** All instances of the split (in template order), filtered by `query`. */
  tasks(query: SuiteTaskQuery = {}): WebTask[] {
    const split = query.split ?? 'train';
    if (!(SPLITS as readonly string[]).includes(split)) throw new OptionsError(`unknown split ${JSON.stringify(split)}; splits are ${SPLITS.join(', ')}`);
    for (const s of query.sites ?? []) if (!(SITE_NAMES as readonly string[]).includes(s)) throw new OptionsError(`unknown site ${JSON.stringify(s)}; sites are ${SITE_NAMES.join(', ')}`);
    for (const id of query.templates ?? []) if (!this.templates.some((t) => t.id === id)) throw new OptionsError(`unknown template ${JSON.stringify(id)}`);
    const out: WebTask[] = [];
    for (const t of this.templatesOf(split)) {
      if (query.sites && !query.sites.includes(t.site)) continue;
      if (query.templates && !query.templates.includes(t.id)) continue;
      const n = Math.min(this.sizeOf(t, split), query.perTemplate ?? Infinity);
      for (let i = 0; i < n; i++) out.push(this.#build(t, split, i));
    }
    return out;
  }

  /** The task with this id (`<template>/<split>/<index>`), rebuilt from the id alone. */
  task(id: string): WebTask {
    const m = /^([a-z]+\.[a-z0-9-]+)\/(train|test|test-unseen)\/(\d+)$/.exec(id);
    if (!m) throw new TaskError(`task id ${JSON.stringify(id)} is not <template>/<split>/<index>, like "shop.product-price/train/3"`);
    const template = this.templates.find((t) => t.id === m[1]);
    if (!template) throw new TaskError(`task id ${JSON.stringify(id)}: no template ${JSON.stringify(m[1])}`);
    const split = m[2] as Split;
    const index = Number(m[3]);
    const size = this.sizeOf(template, split);
    if (index >= size) throw new TaskError(`task id ${JSON.stringify(id)}: template ${template.id} has ${size} instance(s) in ${split}`);
    return this.#build(template, split, index);
  }

  #build(template: TaskTemplate, split: Split, index: number): WebTask {
    const id = `${template.id}/${split}/${index}`;
    const inst = template.instantiate({ world: this.#world, urls: this.#urls, entities: split === 'train' ? 'train' : 'test', split, index, rng: rngFor(this.#world.seed, id) });
    const siteUrl = this.#urls[template.site];
    const startSite = this.#urls[inst.startSite ?? template.site];
    const setupArgs = inst.setup;
    const controlKey = this.#controlKey;
    const headers = (what: string): Record<string, string> => {
      if (controlKey === undefined) throw new TaskError(`task ${id}: ${what} needs the suite server's control key; build the BundledSuite from the running server (new BundledSuite(server))`);
      return { [CONTROL_KEY_HEADER]: controlKey };
    };
    return {
      id,
      site: template.site,
      intent: inst.intent,
      startUrl: startSite + inst.startPath,
      allowedOrigins: Object.values(this.#urls),
      ...(inst.maxTurns !== undefined ? { maxTurns: inst.maxTurns } : {}),
      check: inst.check,
      expert: inst.expert,
      wrongExpert: inst.wrongExpert,
      async readState(page) {
        const res = await internalRequest(() => page.request.get(`${siteUrl}/__webagent/state`, { headers: headers('reading the site state') }), `task ${id}: reading the ${template.site} state`);
        if (!res.ok()) throw new Error(`reading the ${template.site} state: HTTP ${res.status()}`);
        return res.json() as Promise<unknown>;
      },
      ...(setupArgs
        ? {
            async setup({ page }) {
              const res = await internalRequest(() => page.request.post(`${siteUrl}/__webagent/setup`, { data: setupArgs, headers: headers('setting up the site') }), `task ${id}: setting up the ${template.site} site`);
              if (!res.ok()) throw new TaskError(`task ${id}: site setup failed: HTTP ${res.status()} ${await res.text()}`);
            },
          }
        : {}),
      meta: { template: template.id, kind: template.kind, split, index, ...(inst.meta ?? {}) },
    };
  }
}

/**
 * A request to a site's internal endpoint from the episode's browser context. A site that does
 * not answer, or that answers 410 (its server restarted and no longer holds the episode's
 * session), is a SiteUnavailableError: the episode's state is gone, so it is re-run rather than
 * scored.
 */
async function internalRequest(send: () => Promise<APIResponse>, what: string): Promise<APIResponse> {
  let res: APIResponse;
  try {
    res = await send();
  } catch (cause) {
    const message = cause instanceof Error ? cause.message.split('\n')[0] : String(cause);
    // A closed context or page is the browser's fault, reported as such by the environment.
    if (/closed|Target page|has been closed/i.test(message ?? '')) throw cause;
    throw new SiteUnavailableError(`${what}: the site did not answer (${message})`, { cause });
  }
  if (res.status() === 410) throw new SiteUnavailableError(`${what}: the site no longer holds this episode's session (its server restarted); the episode must be re-run`);
  return res;
}
