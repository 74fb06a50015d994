// Crash-safe checkpoint folders. A save writes a whole new folder beside the old one,
// `<name>.saving-<pid>-<hex>`: every file written once, fsynced, then `webagent-manifest.json`
// (sha256 and size of every file, and the manifest's format version), then the folder fsynced
// and renamed to `<name>@<n>`. `<name>` itself is a symbolic link to the current `<name>@<n>`;
// the switch is a new link renamed over it, a single atomic rename, so at every instant `<name>`
// names one complete save. The old folder is removed after the switch, and whatever a killed
// save left (temporaries of dead writers, uncommitted or superseded folders) by the next save.
//
// Why a link and not a pointer file or a folder rename: `<name>` must stay a plain Hugging Face
// folder that transformers' from_pretrained (and every tool taking a path) loads as it is; a
// pointer file would make `<name>` a container only this package understands. A folder cannot
// be renamed over a non-empty one (POSIX rename needs the target empty; Node has no
// renameat2(RENAME_EXCHANGE)), so replacing a folder takes two renames with no checkpoint at
// `<name>` between them. A link renamed over a link is one rename, and opening `<name>/config.json`
// follows it; each `<name>@<n>` is itself a plain Hugging Face folder.
//
// Loading verifies the manifest (if there is one: folders saved before it, and Hugging Face
// folders, have none and load as before): a file torn, missing, or from another save is
// refused with a CheckpointIntegrityError naming it, before anything is built from the folder.
//
// Over 300 lines because the writer, the commit and switch, the clean-up of leftovers and the
// manifest check all depend on one folder layout (`<name>@<n>`, the `.saving-`, `.link-`,
// `.legacy-` and `.removing-` temporaries, the manifest) and on the order a save makes them in;
// crash safety holds only if all of them agree.

import { lstat, mkdir, readdir, readFile, readlink, rm, rmdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileProblem } from '../data/load-errors.js';
import { parseJsonText } from '../data/json-text.js';
import {
  digestFile, fsyncDir, holdTemporary, mkdirStep, removeStep, renameStep, stepDone, symlinkStep, temporaryIsStale, temporaryTag, writeNewFile, type FileDigest,
} from '../data/durable-io.js';
import { WebAgentError } from '../errors.js';
import { configToHuggingFace, type TransformerConfig } from './config.js';
import { encodeSafetensors } from './safetensors.js';
import { configToken } from './tokenizer.js';
import type { NamedWeight } from './transformer.js';
import { custom, defineOptions, isPlainObject, obj } from '../options.js';

/** A checkpoint folder is missing a file, holds weights that do not fit its config, or cannot be saved to. */
export class CheckpointError extends WebAgentError {
  /** The tensor at fault, when there is one. */
  readonly tensor: string | undefined;
  /** The file at fault (relative to the folder, `/`-separated), when there is one. */
  readonly file: string | undefined;
  constructor(message: string, options: { tensor?: string; file?: string; cause?: unknown } = {}) {
    super('INVALID_CHECKPOINT', message, options.cause === undefined ? undefined : { cause: options.cause });
    this.tensor = options.tensor;
    this.file = options.file;
  }
}

/** A file of a checkpoint folder does not match its manifest: torn by a crash, changed, missing, or from another save. */
export class CheckpointIntegrityError extends CheckpointError {
  declare readonly file: string;
  constructor(message: string, file: string, options: { cause?: unknown } = {}) {
    super(message, { file, ...options });
  }
}

/** The manifest's file name, inside each checkpoint folder (transformers ignores files it does not know). */
export const MANIFEST_FILE = 'webagent-manifest.json';
export const MANIFEST_FORMAT = 'webagent-r1/checkpoint-manifest';
/** The manifest format this version writes and reads. */
export const MANIFEST_VERSION = 1;

export interface CheckpointManifest {
  readonly format: typeof MANIFEST_FORMAT;
  readonly version: number;
  /** Every file of the folder (and of its subfolders, as `sub/file`) but the manifest itself. */
  readonly files: Readonly<Record<string, { readonly sha256: string; readonly bytes: number }>>;
}

/** Writes the files of one save into its new folder, recording each file's digest. */
export class CheckpointWriter {
  /** The folder being written (not yet the checkpoint). */
  readonly folder: string;
  readonly #files = new Map<string, FileDigest>();
  readonly #folders: string[] = [];

  constructor(folder: string) {
    this.folder = folder;
    this.#folders.push(folder);
  }

  #path(rel: string): string {
    const parts = rel.split('/');
    if (rel === '' || path.isAbsolute(rel) || parts.some((p) => p === '' || p === '.' || p === '..')) throw new CheckpointError(`not a file name inside a checkpoint folder: "${rel}"`);
    return path.join(this.folder, ...parts);
  }

  /** Creates a subfolder (`rel`, `/`-separated). */
  async subfolder(rel: string): Promise<void> {
    const full = this.#path(rel);
    await mkdirStep(full);
    this.#folders.push(full);
  }

  /** Writes a new file (`rel`, `/`-separated) from a string or chunks of bytes. */
  async file(rel: string, data: string | Iterable<Uint8Array>): Promise<void> {
    if (this.#files.has(rel)) throw new CheckpointError(`${rel} is written twice in one save`);
    this.#files.set(rel, await writeNewFile(this.#path(rel), typeof data === 'string' ? [data] : data));
  }

  /** Writes float32 tensors as a safetensors file. */
  async safetensors(rel: string, tensors: Parameters<typeof encodeSafetensors>[0], metadata?: Readonly<Record<string, string>>): Promise<void> {
    await this.file(rel, encodeSafetensors(tensors, metadata));
  }

  /** Whether a file (`rel`) was written in this save. */
  wrote(rel: string): boolean {
    return this.#files.has(rel);
  }

  /** Writes the manifest of subfolder `rel` ('' for the whole folder): every file written under it so far. */
  async manifest(rel = ''): Promise<void> {
    const prefix = rel === '' ? '' : `${rel}/`;
    const files: Record<string, FileDigest> = {};
    for (const [name, digest] of [...this.#files].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      if (name.startsWith(prefix)) files[name.slice(prefix.length)] = { sha256: digest.sha256, bytes: digest.bytes };
    }
    const manifest: CheckpointManifest = { format: MANIFEST_FORMAT, version: MANIFEST_VERSION, files };
    await this.file(`${prefix}${MANIFEST_FILE}`, `${JSON.stringify(manifest, null, 2)}\n`);
  }

  /** fsyncs every folder written, deepest first, so the new names survive a power cut. */
  async syncFolders(): Promise<void> {
    for (const folder of [...this.#folders].reverse()) await fsyncDir(folder);
  }
}

/** What is at a checkpoint path and beside it. */
interface Place {
  readonly target: string;
  readonly parent: string;
  readonly base: string;
  /** `link`: ours (a link to `current`); `dir`: a real folder (saved before, or by another tool); `missing`; `file`: not a folder. */
  readonly kind: 'link' | 'dir' | 'missing' | 'file';
  /** The version folder (base name) the checkpoint is in now, if any. */
  readonly current: string | undefined;
  /** Complete version folders beside it, newest first. */
  readonly versions: readonly { readonly name: string; readonly n: number }[];
  /** The highest n of any `<name>@<n>` beside it (the next save is n + 1). */
  readonly highest: number;
}

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

async function hasManifest(folder: string): Promise<boolean> {
  return stat(path.join(folder, MANIFEST_FILE)).then((s) => s.isFile(), () => false);
}

/** Looks at a checkpoint path: what it is, which version folder is current, which exist. */
async function inspect(dir: string): Promise<Place> {
  const target = path.resolve(dir);
  const parent = path.dirname(target);
  const base = path.basename(target);
  const versionName = new RegExp(`^${escape(base)}@(\\d+)$`);
  const names = await readdir(parent).catch(() => [] as string[]);
  const info = await lstat(target).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw new CheckpointError(fileProblem(error, target, 'folder', 'a checkpoint folder (or a path where one can be made)'), { cause: error });
  });
  const linked = info?.isSymbolicLink() ? path.basename(await readlink(target)) : undefined;
  const versions: { name: string; n: number }[] = [];
  let highest = 0;
  for (const name of names) {
    const m = versionName.exec(name);
    if (!m) continue;
    highest = Math.max(highest, Number(m[1]));
    // A version folder is complete by construction (renamed only once its manifest is written).
    // One without a manifest is ours only if the link names it (its manifest removed by hand);
    // any other is not ours and is left alone.
    if (!(await lstat(path.join(parent, name)).then((s) => s.isDirectory(), () => false))) continue;
    if (name === linked || (await hasManifest(path.join(parent, name)))) versions.push({ name, n: Number(m[1]) });
  }
  versions.sort((a, b) => b.n - a.n);
  if (info === undefined) {
    // Killed between moving a folder saved before aside and the switch: the newest complete
    // version (written before anything was moved) is the checkpoint.
    return { target, parent, base, kind: 'missing', current: versions[0]?.name, versions, highest };
  }
  if (linked !== undefined) {
    return { target, parent, base, kind: 'link', current: versions.some((v) => v.name === linked) ? linked : undefined, versions, highest };
  }
  return { target, parent, base, kind: info.isDirectory() ? 'dir' : 'file', current: undefined, versions, highest };
}

/**
 * The folder that holds the checkpoint saved at `dir`: `dir` itself, unless it is missing
 * because a save was killed while replacing a folder saved before this layout, in which case
 * the newest complete `<name>@<n>` beside it.
 */
export async function resolveCheckpointFolder(dir: string): Promise<string> {
  const place = await inspect(dir);
  return place.kind === 'missing' && place.current !== undefined ? path.join(place.parent, place.current) : dir;
}

/**
 * Removes what earlier saves at this path left: temporaries of writers that are gone, folders
 * moved aside, and complete version folders other than `keep`. Assumes one saving process per
 * checkpoint path (a live writer's temporaries are spared all the same).
 */
async function removeLeftovers(place: Place, keep: ReadonlySet<string>): Promise<void> {
  const temporary = new RegExp(`^${escape(place.base)}\\.(saving|link|legacy|removing)-(\\d+)-[0-9a-f]{8}$`);
  for (const name of await readdir(place.parent).catch(() => [] as string[])) {
    const full = path.join(place.parent, name);
    const m = temporary.exec(name);
    if (m) {
      if (temporaryIsStale(full, Number(m[2]))) await removeStep(full);
    } else if (place.versions.some((v) => v.name === name) && !keep.has(name)) {
      // Renamed out of the version names first: a removal killed halfway (manifest gone, other
      // files left) leaves a temporary the next save removes, never a version folder that
      // looks foreign because it lost its manifest.
      const doomed = path.join(place.parent, `${place.base}.removing-${temporaryTag()}`);
      await renameStep(full, doomed);
      await removeStep(doomed);
    }
  }
}

export interface CommitOptions {
  /** What is saved, for messages ("checkpoint", "MultiTurnGRPO checkpoint"). */
  readonly what: string;
  /**
   * Names a folder saved before this layout may hold for the save to replace it (a first save
   * into a real folder moves it aside and removes it). A folder holding anything else is refused.
   */
  readonly replaceable: (name: string) => boolean;
}

/**
 * Saves a checkpoint at `dir` crash-safely (see the top of this file): `write` writes the files
 * through the writer; the manifest, the fsyncs and the switch follow. Resolves with the new
 * version folder. If `write` throws or the process dies before the switch, `dir` still holds
 * the previous checkpoint, unchanged.
 */
export function commitCheckpointFolder(dir: string, write: (writer: CheckpointWriter) => Promise<void>, options: CommitOptions): Promise<string> {
  // Saves to one path from this process run one after the other.
  const key = path.resolve(dir);
  const run = (): Promise<string> => commitNow(dir, write, options);
  const next = (saving.get(key) ?? Promise.resolve()).then(run, run);
  saving.set(key, next);
  const done = (): void => {
    if (saving.get(key) === next) saving.delete(key);
  };
  next.then(done, done);
  return next;
}

const saving = new Map<string, Promise<string>>();

async function commitNow(dir: string, write: (writer: CheckpointWriter) => Promise<void>, options: CommitOptions): Promise<string> {
  const before = await inspect(dir);
  const { target, parent, base } = before;
  if (base === '' || target === parent) throw new CheckpointError(`cannot save a ${options.what} at ${dir}: give a folder path`);
  if (before.kind === 'file') throw new CheckpointError(`cannot save a ${options.what} at ${target}: a file of that name exists`);
  if (before.kind === 'dir') {
    const foreign = (await readdir(target)).filter((n) => !options.replaceable(n));
    if (foreign.length > 0) {
      throw new CheckpointError(`cannot save a ${options.what} at ${target}: the folder holds files a save does not write (${foreign.slice(0, 5).join(', ')}${foreign.length > 5 ? ', ...' : ''}); a save replaces the folder as a whole, so save into a new folder`);
    }
  }
  await removeLeftovers(before, new Set(before.current === undefined ? [] : [before.current]));
  // The folder that will hold the checkpoint may not exist yet (`checkpoints/` on a fresh clone).
  await mkdir(parent, { recursive: true }).catch((error: unknown) => {
    throw new CheckpointError(`cannot save a ${options.what} at ${target}: ${fileProblem(error, parent, 'folder', 'a folder that can hold the checkpoint (it is created when missing)')}`, { cause: error });
  });

  const temp = path.join(parent, `${base}.saving-${temporaryTag()}`);
  const release = holdTemporary(temp);
  let version: string;
  try {
    try {
      await mkdirStep(temp);
      const writer = new CheckpointWriter(temp);
      await write(writer);
      if (!writer.wrote(MANIFEST_FILE)) await writer.manifest('');
      await writer.syncFolders();
      const n = before.highest + 1;
      version = path.join(parent, `${base}@${n}`);
      await renameStep(temp, version);
      await fsyncDir(parent);
    } catch (error) {
      await rm(temp, { recursive: true, force: true });
      throw error;
    }
  } finally {
    release();
  }
  try {
    await switchTo(before, path.basename(version));
  } catch (error) {
    await rm(version, { recursive: true, force: true });
    throw error;
  }
  await fsyncDir(parent);
  // The switch is done: what was current is superseded. Removing it is best effort (the save
  // stands either way, and the next save removes whatever is left).
  await removeLeftovers(await inspect(dir), new Set([path.basename(version)])).catch(() => undefined);
  return version;
}

/** Points `target` at the version folder `name` with one rename (moving a real folder aside first). */
async function switchTo(place: Place, name: string): Promise<void> {
  const { target, parent, base } = place;
  let movedAside: string | undefined;
  if (place.kind === 'dir') {
    if ((await readdir(target)).length === 0) {
      await rmdir(target);
      stepDone('remove', target);
    } else {
      // A folder saved before this layout: a real folder cannot be replaced by a link in one
      // rename. Moved aside, the new version (complete already) is what `dir` resolves to until the link exists.
      movedAside = path.join(parent, `${base}.legacy-${temporaryTag()}`);
      await renameStep(target, movedAside);
    }
  }
  const link = path.join(parent, `${base}.link-${temporaryTag()}`);
  const release = holdTemporary(link);
  try {
    await symlinkStep(process.platform === 'win32' ? path.join(parent, name) : name, link);
    try {
      await renameStep(link, target);
    } catch (error) {
      // Windows cannot rename a junction over another: remove the old one first (a short window
      // that resolveCheckpointFolder covers).
      if (process.platform !== 'win32' || place.kind !== 'link') throw error;
      await rm(target, { force: true });
      await renameStep(link, target);
    }
  } catch (error) {
    await rm(link, { force: true });
    if (movedAside !== undefined) await renameStep(movedAside, target).catch(() => undefined);
    if (['EPERM', 'ENOSYS', 'ENOTSUP', 'EOPNOTSUPP'].includes((error as NodeJS.ErrnoException).code ?? '')) {
      throw new CheckpointError(`cannot save a checkpoint at ${target}: its file system refused the symbolic link the switch to a new save needs (${(error as Error).message})`, { cause: error });
    }
    throw error;
  } finally {
    release();
  }
}

/**
 * Checks a checkpoint folder against its manifest: every listed file present with its size and
 * sha256, and every file of `reads` (the files the caller will read, `/`-separated) that exists
 * listed. Resolves false when the folder has no manifest (saved before manifests, or by another
 * tool); throws CheckpointIntegrityError naming the first file that does not match.
 */
export async function verifyCheckpointFolder(folder: string, reads: readonly string[] = []): Promise<boolean> {
  let text: string;
  try {
    text = await readFile(path.join(folder, MANIFEST_FILE), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'ENOTDIR') return false;
    throw new CheckpointError(fileProblem(error, path.join(folder, MANIFEST_FILE), 'file', `the checkpoint's manifest (a ${MANIFEST_FORMAT} JSON file)`), { file: MANIFEST_FILE });
  }
  const parsed = parseJsonText(text);
  if (!parsed.ok) throw new CheckpointIntegrityError(`${MANIFEST_FILE} in ${folder} is not valid JSON (torn?): ${parsed.problem}`, MANIFEST_FILE);
  const manifest = parsed.value as Partial<CheckpointManifest> | null;
  if (manifest?.format !== MANIFEST_FORMAT || typeof manifest.files !== 'object' || manifest.files === null || typeof manifest.version !== 'number') {
    throw new CheckpointIntegrityError(`${MANIFEST_FILE} in ${folder} is not a ${MANIFEST_FORMAT} manifest`, MANIFEST_FILE);
  }
  if (manifest.version > MANIFEST_VERSION) {
    throw new CheckpointError(`${path.join(folder, MANIFEST_FILE)} has format version ${manifest.version}; this version of webagent-r1 reads version ${MANIFEST_VERSION}: update it`, { file: MANIFEST_FILE });
  }
  for (const [name, entry] of Object.entries(manifest.files)) {
    const parts = name.split('/');
    if (path.isAbsolute(name) || parts.some((p) => p === '' || p === '.' || p === '..') || typeof entry?.sha256 !== 'string' || typeof entry.bytes !== 'number') {
      throw new CheckpointIntegrityError(`${MANIFEST_FILE} in ${folder} has a malformed entry "${name}"`, MANIFEST_FILE);
    }
    const full = path.join(folder, ...parts);
    const info = await stat(full).catch(() => undefined);
    if (info === undefined) throw new CheckpointIntegrityError(`${name} is missing from ${folder}, though its manifest lists it: the folder is incomplete`, name);
    if (!info.isFile()) throw new CheckpointIntegrityError(`${full} is ${info.isDirectory() ? 'a folder, not a file' : 'not a regular file'}; its manifest lists it as a file of the checkpoint`, name);
    const size = info.size;
    if (size !== entry.bytes) {
      throw new CheckpointIntegrityError(`${name} in ${folder} has ${size} bytes, its manifest says ${entry.bytes}: the file is torn or from another save`, name);
    }
    const digest = await digestFile(full).catch((error: unknown) => {
      throw new CheckpointError(fileProblem(error, full, 'file', 'a file of the checkpoint, as its manifest lists it'), { file: name });
    });
    if (digest.sha256 !== entry.sha256) {
      throw new CheckpointIntegrityError(`${name} in ${folder} does not match its manifest (sha256 ${digest.sha256.slice(0, 12)}..., expected ${entry.sha256.slice(0, 12)}...): the file is torn or from another save`, name);
    }
  }
  for (const name of reads) {
    if (name in manifest.files) continue;
    if (await stat(path.join(folder, ...name.split('/'))).then(() => true, () => false)) {
      throw new CheckpointIntegrityError(`${name} in ${folder} is not in its manifest: it was added after the save (remove ${MANIFEST_FILE} to load the folder as it is)`, name);
    }
  }
  return true;
}

export interface SaveCheckpointOptions {
  /** `tokenizer.json` and `tokenizer_config.json` contents, written beside the weights. */
  readonly tokenizer?: { readonly json: Record<string, unknown>; readonly config: Record<string, unknown> };
  /** Fields of `generation_config.json` (override the bos/eos ids found in the tokenizer). */
  readonly generationConfig?: Record<string, unknown>;
  /**
   * More text files written beside the weights and covered by the manifest, by name
   * (`webagent-<name>.json`, no folder): an agent's settings (`webagent-agent.json`) travel
   * with its weights this way. Other loaders ignore them. @defaultValue none
   */
  readonly files?: Readonly<Record<string, string>>;
}

/** Names of the extra files a checkpoint may carry (SaveCheckpointOptions.files). */
const EXTRA_FILE = /^webagent-[a-z0-9][a-z0-9-]*\.json$/;

/** What a save needs of a policy (a TransformerLM). */
export interface SavablePolicy {
  readonly config: TransformerConfig;
  exportWeights(): Promise<Map<string, NamedWeight>>;
}

/** The id of a special token named in tokenizer_config.json (string or AddedToken object), via tokenizer.json's added_tokens. */
function specialTokenId(tokenizer: SaveCheckpointOptions['tokenizer'], key: 'bos_token' | 'eos_token'): number | undefined {
  if (tokenizer === undefined) return undefined;
  const content = configToken(tokenizer.config[key]);
  if (content === undefined) return undefined;
  const added = tokenizer.json.added_tokens;
  if (!Array.isArray(added)) return undefined;
  const hit = (added as { id?: unknown; content?: unknown }[]).find((t) => t.content === content);
  return typeof hit?.id === 'number' ? hit.id : undefined;
}

/** Names a save writes (or an earlier version of it wrote, temporaries included) in a Hugging Face folder. */
export function isCheckpointFileName(name: string): boolean {
  return /^(config\.json|generation_config\.json|model\.safetensors|model\.safetensors\.index\.json|model-\d+-of-\d+\.safetensors|tokenizer\.json|tokenizer_config\.json|special_tokens_map\.json|added_tokens\.json|vocab\.json|merges\.txt|webagent-manifest\.json)$/.test(name)
    || EXTRA_FILE.test(name) || /\.tmp-\d+-[0-9a-f]{8}$/.test(name);
}

/**
 * Writes the files of a Hugging Face folder into subfolder `rel` of a save ('' for its root):
 * `config.json`, `model.safetensors` (F32, `__metadata__` {format: pt}), `generation_config.json`,
 * the tokenizer files when given, and the folder's manifest. Everything that can fail before a
 * byte is written (exporting the weights, JSON of the tokenizer) is done first.
 */
export async function writeCheckpointFiles(writer: CheckpointWriter, rel: string, policy: SavablePolicy, options: SaveCheckpointOptions = {}): Promise<void> {
  const bos = specialTokenId(options.tokenizer, 'bos_token');
  const eos = specialTokenId(options.tokenizer, 'eos_token');
  const ids = { ...(bos === undefined ? {} : { bos_token_id: bos }), ...(eos === undefined ? {} : { eos_token_id: eos }) };
  const weights = await policy.exportWeights();
  const files: [string, string][] = [
    ['config.json', `${JSON.stringify({ ...configToHuggingFace(policy.config), ...ids }, null, 2)}\n`],
    ['generation_config.json', `${JSON.stringify({ _from_model_config: true, ...ids, ...options.generationConfig }, null, 2)}\n`],
  ];
  if (options.tokenizer !== undefined) {
    files.push(['tokenizer.json', JSON.stringify(options.tokenizer.json)]);
    files.push(['tokenizer_config.json', `${JSON.stringify(options.tokenizer.config, null, 2)}\n`]);
  }
  for (const [name, text] of Object.entries(options.files ?? {})) files.push([name, text]);
  const chunks = encodeSafetensors(weights, { format: 'pt' });
  const at = (name: string): string => (rel === '' ? name : `${rel}/${name}`);
  if (rel !== '') await writer.subfolder(rel);
  await writer.file(at('config.json'), files[0]![1]);
  await writer.file(at('model.safetensors'), chunks);
  for (const [name, text] of files.slice(1)) await writer.file(at(name), text);
  await writer.manifest(rel);
}

/**
 * Saves a Hugging Face folder transformers and this package both load: `config.json`,
 * `model.safetensors`, `generation_config.json`, the tokenizer files when given, and
 * `webagent-manifest.json` (sha256 of each file). Crash-safe: `dir` is a link to a complete
 * folder `<dir>@<n>`, switched to the new save in one rename once it is written and fsynced (see
 * the top of checkpoint-folder.ts); a save killed at any point leaves the previous one loadable,
 * and the next save removes what it left. One process saves to a given `dir` at a time. A save
 * replaces the folder as a whole: a folder saved before this layout is moved aside and removed,
 * and one holding other files (a README, logs) is refused.
 */
export async function saveCheckpoint(dir: string, policy: SavablePolicy, options: SaveCheckpointOptions = {}): Promise<void> {
  saveCheckpointOptions.check(options);
  await commitCheckpointFolder(dir, (writer) => writeCheckpointFiles(writer, '', policy, options), { what: 'checkpoint', replaceable: isCheckpointFileName });
}

const jsonObject = (what: string) => custom<Record<string, unknown>>(isPlainObject, `a plain object (${what})`);
/** The schema of SaveCheckpointOptions: checked by `saveCheckpoint` before anything is written. */
export const saveCheckpointOptions = defineOptions<SaveCheckpointOptions>()('saveCheckpoint', obj({
  // An HfTokenizer is passed as it is (it has json and config among its other fields).
  tokenizer: custom<NonNullable<SaveCheckpointOptions['tokenizer']>>(
    (v) => typeof v === 'object' && v !== null && isPlainObject((v as { json?: unknown }).json) && isPlainObject((v as { config?: unknown }).config),
    'an HfTokenizer or an object { json, config } (tokenizer.json and tokenizer_config.json contents)',
  ).optional(),
  generationConfig: jsonObject('fields of generation_config.json').optional(),
  files: custom<Readonly<Record<string, string>>>(
    (v) => isPlainObject(v) && Object.entries(v).every(([name, text]) => EXTRA_FILE.test(name) && name !== 'webagent-manifest.json' && typeof text === 'string'),
    'an object { "webagent-<name>.json": text } (extra files of the checkpoint, not the manifest)',
  ).optional(),
}));
