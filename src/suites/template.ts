// Task templates of the bundled suites. A template turns (split, index) into one task instance
// deterministically from the seeded world, so every instance is reproducible from its id
// `<template id>/<split>/<index>` (for example `shop.product-price/train/17`).

import type { Checker, ExpertScript } from '../tasks/types.js';
import type { SiteName, SiteUrls } from './framework/site.js';
import type { Rng } from './words.js';
import type { World } from './world.js';

/** `train` and `test` share templates but not entities; `test-unseen` holds templates never in `train`. */
export const SPLITS = ['train', 'test', 'test-unseen'] as const;
export type Split = (typeof SPLITS)[number];

/** What a template gets to build one instance. */
export interface TemplateContext {
  readonly world: World;
  readonly urls: SiteUrls;
  /** `train` or `test`: which entities to draw from (test-unseen templates draw from `test`). */
  readonly entities: 'train' | 'test';
  readonly split: Split;
  readonly index: number;
  /** Seeded from the instance id: use it for every random choice. */
  readonly rng: Rng;
}

/** One instance of a template. */
export interface TemplateInstance {
  readonly intent: string;
  /** Site whose URL `startPath` is relative to (default: the template's site). */
  readonly startSite?: SiteName;
  /** Path (and query) of the start page on that site, like `/` or `/product/blue-mug`. */
  readonly startPath: string;
  readonly check: Checker;
  readonly expert: ExpertScript;
  /** The expert made to end plausibly wrong (wrong item, quantity or answer, unsaved change). */
  readonly wrongExpert: ExpertScript;
  /** Arguments for the site's `setup` (seeded state the task needs), sent before the start page loads. */
  readonly setup?: Record<string, unknown>;
  readonly maxTurns?: number;
  /** Entities, expected answer and other facts (JSON data). */
  readonly meta?: Record<string, unknown>;
}

export interface TaskTemplate {
  /** `<site>.<name>`, like `shop.product-price`. */
  readonly id: string;
  readonly site: SiteName;
  /** What the checker looks at: the answer, the final URL/page, or the site state. */
  readonly kind: 'info' | 'navigation' | 'state';
  /** Held out: appears only in `test-unseen`, never in `train` or `test`. */
  readonly unseen?: boolean;
  /** One line for docs and tables. */
  readonly description: string;
  /** Number of distinct instances for entities of `train` or `test` (each must be different). */
  size(world: World, entities: 'train' | 'test'): number;
  instantiate(ctx: TemplateContext): TemplateInstance;
}
