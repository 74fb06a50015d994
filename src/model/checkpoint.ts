// Hugging Face checkpoint folders for TransformerLM: `config.json`, `model.safetensors` (or
// shards `model-0000x-of-0000y.safetensors` listed by `model.safetensors.index.json`, as
// transformers' save_pretrained writes them), `generation_config.json`, tokenizer files. Saving
// (crash-safe, with a sha256 manifest) is in checkpoint-folder.ts; loading is here.

import { access, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileProblem, folderProblem } from '../data/load-errors.js';
import { parseJsonText } from '../data/json-text.js';
import { CheckpointError, resolveCheckpointFolder, verifyCheckpointFolder } from './checkpoint-folder.js';
import { architectureOf, configFromHuggingFace, type TransformerConfig } from './config.js';
import { readSafetensors, readSafetensorsHeader, type SafetensorsHeader } from './safetensors.js';
import { parameterShapes, TransformerLM, type NamedWeight } from './transformer.js';
import { bool, defineOptions, obj } from '../options.js';

export {
  CheckpointError, CheckpointIntegrityError, saveCheckpoint, MANIFEST_FILE, MANIFEST_VERSION,
  type SaveCheckpointOptions, type SavablePolicy, type CheckpointManifest,
} from './checkpoint-folder.js';

export interface LoadCheckpointOptions {
  /** False loads a frozen model (e.g. the RL reference model). Default true. */
  readonly trainable?: boolean;
  /**
   * Check the folder's files against its `webagent-manifest.json` (sha256 of each) before
   * loading, when it has one. Default true. False loads a folder edited by hand as it is
   * (removing the manifest does the same).
   */
  readonly verify?: boolean;
  /**
   * Load weights holding NaN or infinite values. Default false: the first such tensor is refused
   * with a SafetensorsError naming it and how many values are bad (they make every output NaN).
   */
  readonly allowNonFinite?: boolean;
}

export interface LoadedCheckpoint {
  readonly policy: TransformerLM;
  readonly config: TransformerConfig;
  /** The folder, when it holds a `tokenizer.json` (pass it to the tokenizer loader). */
  readonly tokenizerDir: string | undefined;
  /** Whether the files were checked against a manifest (false for folders without one). */
  readonly verified: boolean;
}

const WEIGHTS = 'model.safetensors';
const INDEX = 'model.safetensors.index.json';
/** Buffers some checkpoints carry that are recomputed here, never parameters. */
const IGNORED = /^model\.layers\.\d+\.self_attn\.rotary_emb\.inv_freq$/;

async function exists(file: string): Promise<boolean> {
  return access(file).then(() => true, () => false);
}

/** Reads a JSON file of the folder; errors name the file and what was expected, never its contents. */
async function readJson(dir: string, file: string, expected: string): Promise<Record<string, unknown>> {
  const full = path.join(dir, file);
  let text: string;
  try {
    text = await readFile(full, 'utf8');
  } catch (error) {
    throw new CheckpointError(fileProblem(error, full, 'file', expected), { file });
  }
  const parsed = parseJsonText(text);
  if (!parsed.ok) throw new CheckpointError(`${full} is not valid JSON: ${parsed.problem} (expected ${expected})`, { file });
  const json = parsed.value;
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new CheckpointError(`${full} must hold a JSON object (${expected})`, { file });
  return json as Record<string, unknown>;
}

/** Which file holds each tensor: `model.safetensors`, or the shards of the index's weight_map. */
async function weightFiles(dir: string): Promise<Map<string, string[]>> {
  if (await exists(path.join(dir, WEIGHTS))) return new Map([[WEIGHTS, []]]);
  if (!(await exists(path.join(dir, INDEX)))) {
    const bin = await exists(path.join(dir, 'pytorch_model.bin'));
    throw new CheckpointError(`${WEIGHTS} not found in ${dir}: expected it, or ${INDEX} with its model-0000x-of-0000y.safetensors shards`
      + (bin ? ' (pytorch_model.bin is not read: convert it to safetensors)' : ''));
  }
  const index = await readJson(dir, INDEX, 'a safetensors index {"metadata": {...}, "weight_map": {tensor: file}}');
  const map = index.weight_map;
  if (typeof map !== 'object' || map === null) throw new CheckpointError(`${path.join(dir, INDEX)} has no "weight_map" object (tensor name -> shard file)`);
  const files = new Map<string, string[]>();
  for (const [name, file] of Object.entries(map as Record<string, unknown>)) {
    if (typeof file !== 'string' || file.includes('/') || file.includes('\\')) throw new CheckpointError(`${INDEX}: weight_map["${name}"] must be a file name in the folder`, { tensor: name });
    const list = files.get(file) ?? [];
    list.push(name);
    files.set(file, list);
  }
  return files;
}

/** The files loadCheckpoint (and the tokenizer loader after it) read, which a manifest must list when present. */
const READS = ['config.json', WEIGHTS, INDEX, 'tokenizer.json', 'tokenizer_config.json'];

/**
 * Loads a Hugging Face Llama / Qwen2 checkpoint folder into a TransformerLM. A folder saved
 * with a manifest is checked against it first (see `verify`): a file torn by a crash, missing or
 * from another save throws CheckpointIntegrityError naming it, before any model is built. Every
 * header is checked against the config (names, shapes, dtypes) before any tensor data is read;
 * then each file's needed tensors are read one by one (F32, F16 or BF16). `lm_head.weight` of a
 * tied model and rotary `inv_freq` buffers are skipped; any other unknown name is an error. A
 * tensor holding NaN or infinite values is refused (SafetensorsError) unless `allowNonFinite`.
 * A path that is missing, a file, or unreadable, and files that are folders or not JSON, are
 * CheckpointErrors naming the path and what was expected (never a file's contents).
 */
export async function loadCheckpoint(folder: string, options: LoadCheckpointOptions = {}): Promise<LoadedCheckpoint> {
  loadCheckpointOptions.check(options);
  const dir = await resolveCheckpointFolder(folder);
  const notFolder = await folderProblem(dir, 'a checkpoint folder (config.json, model.safetensors)');
  if (notFolder !== undefined) throw new CheckpointError(notFolder);
  const verified = options.verify === false ? false : await verifyCheckpointFolder(dir, READS);
  const config = configFromHuggingFace(await readJson(dir, 'config.json', 'the model\'s Hugging Face config (model_type llama or qwen2)'));
  const expected = parameterShapes(config);
  const files = await weightFiles(dir);
  const headers = new Map<string, SafetensorsHeader>();
  const found = new Map<string, string>(); // tensor -> file
  for (const [file, listed] of files) {
    const full = path.join(dir, file);
    if (!(await exists(full))) throw new CheckpointError(`${file} not found in ${dir}: ${INDEX} lists it as the shard holding "${listed[0] ?? '?'}"`, { tensor: listed[0] });
    const header = await readSafetensorsHeader(full);
    headers.set(file, header);
    for (const name of listed) {
      if (!header.tensors.has(name)) throw new CheckpointError(`${file}: tensor "${name}" is missing, though ${INDEX} maps it to this file`, { tensor: name });
    }
    for (const name of header.tensors.keys()) {
      const other = found.get(name);
      if (other !== undefined) throw new CheckpointError(`tensor "${name}" is in both ${other} and ${file}`, { tensor: name });
      found.set(name, file);
    }
  }
  for (const [name, file] of found) {
    const entry = headers.get(file)!.tensors.get(name)!;
    const shape = expected.get(name);
    if (shape === undefined) {
      if (IGNORED.test(name) || (name === 'lm_head.weight' && config.tie_word_embeddings)) continue;
      throw new CheckpointError(`${file}: tensor "${name}" (shape [${entry.shape.join(', ')}]) is not a parameter of this ${architectureOf(config)} config`, { tensor: name });
    }
    if (entry.shape.length !== shape.length || entry.shape.some((n, i) => n !== shape[i])) {
      throw new CheckpointError(`${file}: tensor "${name}" has shape [${entry.shape.join(', ')}], the config needs [${shape.join(', ')}]`, { tensor: name });
    }
    if (!['F32', 'F16', 'BF16'].includes(entry.dtype)) {
      throw new CheckpointError(`${file}: tensor "${name}" has dtype ${entry.dtype}; only F32, F16 and BF16 can be loaded`, { tensor: name });
    }
  }
  for (const [name, shape] of expected) {
    if (!found.has(name)) throw new CheckpointError(`tensor "${name}" (shape [${shape.join(', ')}]) is missing from the checkpoint in ${dir}`, { tensor: name });
  }

  const weights = new Map<string, NamedWeight>();
  for (const file of headers.keys()) {
    const names = [...expected.keys()].filter((n) => found.get(n) === file);
    const { tensors } = await readSafetensors(path.join(dir, file), { names, allowNonFinite: options.allowNonFinite === true });
    for (const [name, t] of tensors) weights.set(name, { shape: t.shape, data: t.data });
  }
  const policy = new TransformerLM({ config, trainable: options.trainable ?? true });
  try {
    policy.importWeights(weights);
  } catch (error) {
    policy.dispose();
    throw error;
  }
  const tokenizerDir = (await exists(path.join(dir, 'tokenizer.json'))) ? dir : undefined;
  return { policy, config, tokenizerDir, verified };
}

/** The schema of LoadCheckpointOptions: checked by `loadCheckpoint` before it reads the folder. */
export const loadCheckpointOptions = defineOptions<LoadCheckpointOptions>()('loadCheckpoint', obj({
  trainable: bool().optional(),
  verify: bool().optional(),
  allowNonFinite: bool().optional(),
}));
