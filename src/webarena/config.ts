// WebArena / WebArena-Lite task configs: their types, validation with errors
// that name the task and the field, loading from a JSON array file or a folder of per-task JSON
// files, and substitution of the site placeholders (`__SHOPPING__`, ...) with the user's URLs.

import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { describeValue, fileProblem, readTextFile } from '../data/load-errors.js';
import { parseJsonText } from '../data/json-text.js';
import { OptionsError, WebAgentError } from '../errors.js';
import { bool, defineOptions, obj } from '../options.js';

/** The WebArena sites, by the name configs use in `sites`. */
export const WEBARENA_SITES = ['shopping', 'shopping_admin', 'gitlab', 'reddit', 'map', 'wikipedia'] as const;
export type WebArenaSite = (typeof WEBARENA_SITES)[number];

/** Placeholder of each site in `start_url`, `reference_url` and `program_html` URLs. */
export const WEBARENA_PLACEHOLDERS: Readonly<Record<WebArenaSite, string>> = Object.freeze({
  shopping: '__SHOPPING__',
  shopping_admin: '__SHOPPING_ADMIN__',
  gitlab: '__GITLAB__',
  reddit: '__REDDIT__',
  map: '__MAP__',
  wikipedia: '__WIKIPEDIA__',
});

/** Base URL of each site of the user's deployment, like `{ shopping: 'http://10.0.0.5:7770' }`. */
export type WebArenaSiteUrls = Partial<Record<WebArenaSite, string>>;

export const EVAL_TYPES = ['string_match', 'url_match', 'program_html'] as const;
export type EvalType = (typeof EVAL_TYPES)[number];

/** `reference_answers` of `string_match`. */
export interface ReferenceAnswers {
  readonly exact_match?: string;
  readonly must_include?: readonly string[];
  readonly must_exclude?: readonly string[];
  readonly one_of?: readonly string[];
  /** `"N/A"` (the task is unachievable) or reference answers an LLM judge compares with. */
  readonly fuzzy_match?: 'N/A' | readonly string[];
  /** WebArena-Lite: the answer is an integer satisfying each inequality (`"== 5"`, `">= 3 |OR| < 1"`). */
  readonly required_values?: readonly string[];
}

/**
 * `required_contents` of one `program_html` check. The harnesses read one kind per check, the
 * first present in this order (WebArena: exact_match, must_include only).
 */
export interface RequiredContents {
  readonly exact_match?: string;
  readonly must_include?: readonly string[];
  /** WebArena-Lite only. */
  readonly must_exclude?: readonly string[];
  /** WebArena-Lite only: the content read as an integer satisfies each inequality (`"== 5"`). */
  readonly required_values?: readonly string[];
  /** WebArena-Lite only: an LLM judge compares the content with these references (joined by ", "). */
  readonly fuzzy_match?: readonly string[];
}

/** One `program_html` check: where to look, what to read there, what it must hold. */
export interface ProgramHtmlCheck {
  /** `last` (the final page), a URL, or `func:...`. */
  readonly url: string;
  /** Empty (the whole HTML), a JavaScript expression (`document.querySelector(...)...`), `func:...`, or (WebArena-Lite) `lambda:...`. */
  readonly locator: string;
  readonly required_contents: RequiredContents;
  /** Expressions evaluated on the page before a JavaScript locator. */
  readonly prep_actions?: readonly string[];
}

export interface EvalConfig {
  readonly eval_types: readonly EvalType[];
  readonly reference_answers?: ReferenceAnswers | null;
  readonly reference_url?: string | null;
  readonly program_html?: readonly ProgramHtmlCheck[];
  /** `EXACT` or `GOLD in PRED`. */
  readonly url_note?: string;
  /** Why an `N/A` task is unachievable (the judge's reference). */
  readonly string_note?: string;
  readonly reference_answer_raw_annotation?: string;
}

/** One WebArena task config, as the benchmark's JSON files hold it. */
export interface WebArenaConfig {
  readonly task_id: number | string;
  readonly sites?: readonly string[];
  readonly require_login?: boolean;
  readonly storage_state?: string | null;
  /** Start URL; several URLs (tabs) are separated by ` |AND| `. */
  readonly start_url: string;
  readonly geolocation?: { readonly latitude: number; readonly longitude: number } | null;
  readonly intent_template?: string;
  readonly instantiation_dict?: Record<string, unknown>;
  readonly intent: string;
  readonly require_reset?: boolean;
  readonly eval: EvalConfig;
  readonly intent_template_id?: number;
}

/** A config is malformed: `taskId` and `field` say where, the message says what to fix. */
export class WebArenaConfigError extends WebAgentError {
  readonly taskId: string;
  readonly field: string;
  constructor(taskId: string, field: string, message: string) {
    super('INVALID_WEBARENA_CONFIG', `WebArena task ${taskId}: ${field}: ${message}`);
    this.taskId = taskId;
    this.field = field;
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isStringList = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === 'string');

/**
 * Checks that `raw` is a usable WebArena config and returns it typed. Throws WebArenaConfigError
 * naming the task (`task_id`, or `where` when that is missing) and the field.
 */
export function parseWebArenaConfig(raw: unknown, where = 'config'): WebArenaConfig {
  if (!isObject(raw)) throw new WebArenaConfigError(where, '(config)', `a task config is a JSON object, got ${Array.isArray(raw) ? 'an array' : typeof raw}`);
  const id = raw['task_id'];
  if (typeof id !== 'number' && typeof id !== 'string') throw new WebArenaConfigError(where, 'task_id', `must be a number or string, got ${describeValue(id)}`);
  const task = String(id);
  const bad = (field: string, message: string): never => {
    throw new WebArenaConfigError(task, field, message);
  };
  if (typeof raw['intent'] !== 'string' || raw['intent'].trim() === '') bad('intent', 'must be a non-empty string');
  if (typeof raw['start_url'] !== 'string' || raw['start_url'].trim() === '') bad('start_url', 'must be a non-empty string (a URL, or URLs joined by " |AND| ")');
  if (raw['sites'] !== undefined && !isStringList(raw['sites'])) bad('sites', 'must be a list of site names');
  if (raw['require_login'] !== undefined && typeof raw['require_login'] !== 'boolean') bad('require_login', 'must be true or false');
  if (raw['storage_state'] !== undefined && raw['storage_state'] !== null && typeof raw['storage_state'] !== 'string') bad('storage_state', 'must be a file path or null');
  const geo = raw['geolocation'];
  if (geo !== undefined && geo !== null && !(isObject(geo) && typeof geo['latitude'] === 'number' && typeof geo['longitude'] === 'number')) bad('geolocation', 'must be null or {latitude, longitude}');
  const ev = raw['eval'];
  if (!isObject(ev)) return bad('eval', 'must be an object with eval_types');
  const types = ev['eval_types'];
  if (!isStringList(types) || types.length === 0) bad('eval.eval_types', `must be a non-empty list of ${EVAL_TYPES.join(', ')}`);
  for (const t of types as string[]) if (!(EVAL_TYPES as readonly string[]).includes(t)) bad('eval.eval_types', `unknown eval type ${JSON.stringify(t)}; known: ${EVAL_TYPES.join(', ')}`);
  if ((types as string[]).includes('string_match')) {
    const ra = ev['reference_answers'];
    if (!isObject(ra)) bad('eval.reference_answers', 'string_match needs an object like {"must_include": [...]}');
    const r = ra as Record<string, unknown>;
    const kinds = ['exact_match', 'must_include', 'must_exclude', 'one_of', 'fuzzy_match', 'required_values'];
    const unknown = Object.keys(r).filter((k) => !kinds.includes(k));
    if (unknown.length) bad(`eval.reference_answers.${unknown[0]}`, `unknown kind; known: ${kinds.join(', ')}`);
    if (Object.keys(r).length === 0) bad('eval.reference_answers', `is empty; give one of ${kinds.join(', ')}`);
    if (r['exact_match'] !== undefined && typeof r['exact_match'] !== 'string') bad('eval.reference_answers.exact_match', 'must be a string');
    for (const k of ['must_include', 'must_exclude', 'one_of', 'required_values']) if (r[k] !== undefined && !isStringList(r[k])) bad(`eval.reference_answers.${k}`, 'must be a list of strings');
    const fuzzy = r['fuzzy_match'];
    if (fuzzy !== undefined && fuzzy !== 'N/A' && !isStringList(fuzzy)) bad('eval.reference_answers.fuzzy_match', 'must be "N/A" or a list of strings');
  }
  if ((types as string[]).includes('url_match')) {
    if (typeof ev['reference_url'] !== 'string' || ev['reference_url'] === '') bad('eval.reference_url', 'url_match needs a URL (alternatives joined by " |OR| ")');
    const note = ev['url_note'];
    if (note !== undefined && note !== 'EXACT' && note !== 'GOLD in PRED') bad('eval.url_note', `must be "EXACT" or "GOLD in PRED", got ${JSON.stringify(note)}`);
  }
  if ((types as string[]).includes('program_html')) {
    const list = ev['program_html'];
    if (!Array.isArray(list) || list.length === 0) bad('eval.program_html', 'program_html needs a non-empty list of {url, locator, required_contents}');
    (list as unknown[]).forEach((c, i) => {
      const f = `eval.program_html[${i}]`;
      if (!isObject(c)) return bad(f, 'must be an object {url, locator, required_contents}');
      if (typeof c['url'] !== 'string' || c['url'] === '') bad(`${f}.url`, 'must be "last", a URL or "func:..."');
      if (typeof c['locator'] !== 'string') bad(`${f}.locator`, 'must be a string ("" for the whole page)');
      if (c['prep_actions'] !== undefined && !isStringList(c['prep_actions'])) bad(`${f}.prep_actions`, 'must be a list of JavaScript expressions');
      const rc = c['required_contents'];
      if (!isObject(rc) || Object.keys(rc).length === 0) return bad(`${f}.required_contents`, 'must be an object with exact_match, must_include, must_exclude, required_values or fuzzy_match');
      for (const k of Object.keys(rc)) {
        if (k === 'exact_match') {
          if (typeof rc[k] !== 'string') bad(`${f}.required_contents.exact_match`, 'must be a string');
        } else if (k === 'must_include' || k === 'must_exclude' || k === 'required_values' || k === 'fuzzy_match') {
          if (!isStringList(rc[k])) bad(`${f}.required_contents.${k}`, 'must be a list of strings');
        } else bad(`${f}.required_contents.${k}`, 'unknown kind; known: exact_match, must_include, must_exclude, required_values, fuzzy_match');
      }
      return undefined;
    });
  }
  return raw as unknown as WebArenaConfig;
}

/** A config that could not be used, when loading with `skipInvalid`. */
export interface InvalidWebArenaConfig {
  readonly where: string;
  readonly error: WebArenaConfigError;
}

export interface LoadWebArenaOptions {
  /** Leave malformed configs out (reported in `invalid`) instead of throwing on the first. */
  readonly skipInvalid?: boolean;
}

/** The schema of LoadWebArenaOptions: checked by `loadWebArenaConfigs` before it reads anything. */
export const loadWebArenaOptions = defineOptions<LoadWebArenaOptions>()('loadWebArenaConfigs', obj({ skipInvalid: bool().optional() }));

/**
 * Reads WebArena configs from a JSON file holding an array (or one object), or from a folder of
 * per-task JSON files (`0.json`, `1.json`, ... as WebArena's `config_files/`, read in numeric
 * order). Configs are validated; with `skipInvalid` the malformed ones are returned in `invalid`.
 */
export async function loadWebArenaConfigs(path: string, options: LoadWebArenaOptions = {}): Promise<{ configs: WebArenaConfig[]; invalid: InvalidWebArenaConfig[] }> {
  loadWebArenaOptions.check(options);
  let info;
  try {
    info = await stat(path);
  } catch (error) {
    throw new OptionsError(`loadWebArenaConfigs: ${fileProblem(error, path, 'file', 'a JSON file of task configs or a folder of per-task JSON files')}`);
  }
  const entries: Array<{ where: string; raw: unknown }> = [];
  // Errors name the file and what is wrong (line and column), never its text.
  const readJson = async (file: string): Promise<unknown> => {
    const read = await readTextFile(file, 'a JSON file of WebArena task configs');
    if (!read.ok) throw new OptionsError(`loadWebArenaConfigs: ${read.problem}`);
    const parsed = parseJsonText(read.text);
    if (!parsed.ok) throw new OptionsError(`loadWebArenaConfigs: ${file} is not valid JSON: ${parsed.problem}`);
    return parsed.value;
  };
  if (info.isDirectory()) {
    let names: string[];
    try {
      names = await readdir(path);
    } catch (error) {
      throw new OptionsError(`loadWebArenaConfigs: ${fileProblem(error, path, 'folder', 'a folder of per-task JSON files')}`);
    }
    const files = names.filter((f) => f.endsWith('.json'));
    files.sort((a, b) => {
      const na = Number(a.replace(/\.json$/, '')), nb = Number(b.replace(/\.json$/, ''));
      return Number.isFinite(na) && Number.isFinite(nb) ? na - nb : a.localeCompare(b);
    });
    if (files.length === 0) throw new OptionsError(`loadWebArenaConfigs: ${path} holds no .json files`);
    for (const f of files) {
      const raw = await readJson(join(path, f));
      if (Array.isArray(raw)) raw.forEach((r, i) => entries.push({ where: `${f}[${i}]`, raw: r }));
      else entries.push({ where: f, raw });
    }
  } else {
    const raw = await readJson(path);
    if (Array.isArray(raw)) raw.forEach((r, i) => entries.push({ where: `${path}[${i}]`, raw: r }));
    else entries.push({ where: path, raw });
  }
  const configs: WebArenaConfig[] = [];
  const invalid: InvalidWebArenaConfig[] = [];
  const seen = new Set<string>();
  for (const { where, raw } of entries) {
    try {
      const c = parseWebArenaConfig(raw, where);
      if (seen.has(String(c.task_id))) throw new WebArenaConfigError(String(c.task_id), 'task_id', `appears twice (again in ${where}); task ids must be unique`);
      seen.add(String(c.task_id));
      configs.push(c);
    } catch (e) {
      if (!(e instanceof WebArenaConfigError) || !options.skipInvalid) throw e;
      invalid.push({ where, error: e });
    }
  }
  return { configs, invalid };
}

/**
 * Replaces every site placeholder in `text` with the user's URL for that site (without a
 * trailing slash), a plain text replacement as WebArena's `generate_test_data.py` does. A
 * placeholder whose site has no URL is an error naming the task, the field and the option to set.
 */
export function substitutePlaceholders(text: string, urls: WebArenaSiteUrls, where: { readonly taskId: string; readonly field: string }): string {
  let out = text;
  for (const site of WEBARENA_SITES) {
    const placeholder = WEBARENA_PLACEHOLDERS[site];
    if (!out.includes(placeholder)) continue;
    const url = urls[site];
    if (url === undefined) throw new WebArenaConfigError(where.taskId, where.field, `uses ${placeholder} but no URL was given for ${site}; pass urls: { ${site}: 'http://host:port' }`);
    out = out.split(placeholder).join(url.replace(/\/+$/, ''));
  }
  return out;
}

/**
 * `value` with the placeholders of every string in it substituted, at any depth: WebArena
 * replaces them in the whole config text before evaluating, so `required_contents`, answers and
 * intents hold real URLs too. Errors name the field (`eval.program_html[0].required_contents.must_include[1]`).
 */
export function substituteConfig<T>(value: T, urls: WebArenaSiteUrls, where: { readonly taskId: string; readonly field: string }): T {
  const walk = (v: unknown, field: string): unknown => {
    if (typeof v === 'string') return substitutePlaceholders(v, urls, { taskId: where.taskId, field });
    if (Array.isArray(v)) return v.map((x, i) => walk(x, `${field}[${i}]`));
    if (isObject(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x, field ? `${field}.${k}` : k)]));
    return v;
  };
  return walk(value, where.field) as T;
}
