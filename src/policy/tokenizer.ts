// HfTokenizer: a Hugging Face tokenizer (`tokenizer.json` + `tokenizer_config.json`) loaded from
// a local folder or from JSON objects and run by @huggingface/tokenizers (pure JS, no network),
// with the chat special tokens, eos/bos/pad ids and the raw chat template from the config.
// Follows transformers' PreTrainedTokenizerFast semantics for encode/decode options. Also
// saveTokenizer/tokenizerConfigFor for tokenizers trained by bpe-trainer.ts.

import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Tokenizer } from '@huggingface/tokenizers';
import { OptionsError } from '../errors.js';
import type { TokenDecoder } from './generation.js';

export { ByteLevelBpe, trainBpeTokenizer, BPE_PRETOKENIZE_PATTERN, type BpeTrainerOptions } from './bpe-trainer.js';

/** One entry of tokenizer.json's `added_tokens`. */
export interface AddedTokenJson {
  id: number;
  content: string;
  single_word?: boolean;
  lstrip?: boolean;
  rstrip?: boolean;
  normalized?: boolean;
  special?: boolean;
}

/** A Hugging Face tokenizer.json (the fields this package reads or writes; others pass through). */
export interface TokenizerJson {
  version?: string;
  added_tokens: AddedTokenJson[];
  normalizer: unknown;
  pre_tokenizer: unknown;
  post_processor: unknown;
  decoder: unknown;
  model: {
    type: string;
    vocab?: Record<string, number>;
    merges?: Array<string | [string, string]>;
    [key: string]: unknown;
  };
  [key: string]: unknown;
}

/** A tokenizer_config.json: special token names (string or `{content}`), chat template, ... */
export type TokenizerConfigJson = Record<string, unknown>;

/** An added token with its id; `special` ones are dropped by `decode(ids, { skipSpecialTokens })`. */
export interface SpecialToken {
  readonly token: string;
  readonly id: number;
  readonly special: boolean;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function checkTokenizerJson(value: unknown, source: string): TokenizerJson {
  if (!isObject(value) || !isObject(value.model) || typeof value.model.type !== 'string') {
    throw new OptionsError(`${source}: not a Hugging Face tokenizer.json (no "model" object with a "type")`);
  }
  const added = value.added_tokens ?? [];
  if (!Array.isArray(added) || !added.every((t) => isObject(t) && typeof t.content === 'string' && Number.isInteger(t.id))) {
    throw new OptionsError(`${source}: "added_tokens" must be an array of {id, content}`);
  }
  return { normalizer: null, pre_tokenizer: null, post_processor: null, decoder: null, ...value, added_tokens: added } as TokenizerJson;
}

async function readJson(path: string, optional: boolean): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if (optional && (error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new OptionsError(`cannot read ${path}: ${(error as Error).message}`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new OptionsError(`malformed JSON in ${path}: ${(error as Error).message}`);
  }
}

/** A token name from tokenizer_config.json: `"<|im_end|>"` or `{ "content": "<|im_end|>", ... }`. */
export function configToken(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (isObject(value) && typeof value.content === 'string') return value.content;
  return undefined;
}

export interface EncodeOptions {
  /** Add the tokenizer's template tokens (BOS for Llama; nothing for Qwen). Default true, as in HF. */
  readonly addSpecialTokens?: boolean;
}

export interface DecodeOptions {
  readonly skipSpecialTokens?: boolean;
}

/** A Hugging Face tokenizer run locally. Implements TokenDecoder for the GenerationEngine. */
export class HfTokenizer implements TokenDecoder {
  /** Added tokens (chat markers etc.) with their ids, in tokenizer.json order. */
  readonly addedTokens: readonly SpecialToken[];
  /** The added tokens marked special. */
  readonly specialTokens: readonly SpecialToken[];
  /** Largest token id + 1 (model vocabulary plus added tokens): the minimum embedding rows. */
  readonly vocabSize: number;
  readonly eosTokenId: number | undefined;
  readonly bosTokenId: number | undefined;
  readonly padTokenId: number | undefined;
  /** The raw Jinja chat template from tokenizer_config.json, if any. */
  readonly chatTemplate: string | undefined;
  private readonly tokenizer: Tokenizer;

  private constructor(readonly json: TokenizerJson, readonly config: TokenizerConfigJson, source: string) {
    try {
      this.tokenizer = new Tokenizer(json, config);
    } catch (error) {
      throw new OptionsError(`${source}: @huggingface/tokenizers cannot load it: ${(error as Error).message}`);
    }
    this.addedTokens = json.added_tokens.map((t) => ({ token: t.content, id: t.id, special: t.special === true }));
    this.specialTokens = this.addedTokens.filter((t) => t.special);
    let max = -1;
    for (const id of this.tokenizer.get_vocab(true).values()) if (id > max) max = id;
    this.vocabSize = max + 1;
    const idOf = (key: string): number | undefined => {
      const name = configToken(config[key]);
      return name === undefined ? undefined : this.tokenToId(name);
    };
    this.eosTokenId = idOf('eos_token');
    this.bosTokenId = idOf('bos_token');
    this.padTokenId = idOf('pad_token');
    const template = config.chat_template;
    if (typeof template === 'string') this.chatTemplate = template;
    else if (Array.isArray(template)) { // [{ name, template }]: take "default"
      const entry = template.find((t) => isObject(t) && t.name === 'default') as Record<string, unknown> | undefined;
      this.chatTemplate = typeof entry?.template === 'string' ? entry.template : undefined;
    }
  }

  /** Reads `tokenizer.json` and (if present) `tokenizer_config.json` from a local folder. */
  static async fromFiles(dir: string): Promise<HfTokenizer> {
    const tokenizerPath = join(dir, 'tokenizer.json');
    const configPath = join(dir, 'tokenizer_config.json');
    const json = checkTokenizerJson(await readJson(tokenizerPath, false), tokenizerPath);
    const config = (await readJson(configPath, true)) ?? {};
    if (!isObject(config)) throw new OptionsError(`${configPath}: expected a JSON object`);
    return new HfTokenizer(json, config, tokenizerPath);
  }

  /**
   * From parsed JSON objects. Without a config, decoding does no "clean up" of spaces before
   * punctuation (HF's tokenizer default would), so decode(encode(text)) is text.
   */
  static fromJson(tokenizerJson: unknown, configJson?: TokenizerConfigJson): HfTokenizer {
    const json = checkTokenizerJson(tokenizerJson, 'tokenizer.json');
    if (configJson !== undefined && !isObject(configJson)) throw new OptionsError('tokenizer_config.json: expected a JSON object');
    return new HfTokenizer(json, configJson ?? { clean_up_tokenization_spaces: false }, 'tokenizer.json');
  }

  encode(text: string, options: EncodeOptions = {}): number[] {
    return this.tokenizer.encode(text, { add_special_tokens: options.addSpecialTokens ?? true }).ids;
  }

  decode(ids: readonly number[], options: DecodeOptions = {}): string {
    if (ids.length === 0) return '';
    for (const id of ids) {
      if (!Number.isInteger(id) || id < 0 || id >= this.vocabSize) {
        throw new OptionsError(`HfTokenizer.decode: token id ${id} is outside [0, ${this.vocabSize})`);
      }
    }
    return this.tokenizer.decode([...ids], { skip_special_tokens: options.skipSpecialTokens ?? false });
  }

  tokenToId(token: string): number | undefined {
    return this.tokenizer.token_to_id(token);
  }

  idToToken(id: number): string | undefined {
    return this.tokenizer.id_to_token(id);
  }
}

export interface TokenizerConfigOptions {
  /** Default: `<|endoftext|>` when it is an added token. */
  readonly eosToken?: string;
  readonly bosToken?: string;
  /** Default: the eos token. */
  readonly padToken?: string;
  readonly chatTemplate?: string;
  readonly modelMaxLength?: number;
}

/** A tokenizer_config.json for a trained tokenizer (PreTrainedTokenizerFast, no space clean-up). */
export function tokenizerConfigFor(json: TokenizerJson, options: TokenizerConfigOptions = {}): TokenizerConfigJson {
  const names = json.added_tokens.map((t) => t.content);
  const eos = options.eosToken ?? (names.includes('<|endoftext|>') ? '<|endoftext|>' : undefined);
  const decoder: Record<string, unknown> = {};
  for (const t of json.added_tokens) {
    decoder[String(t.id)] = {
      content: t.content, lstrip: t.lstrip ?? false, normalized: t.normalized ?? false,
      rstrip: t.rstrip ?? false, single_word: t.single_word ?? false, special: t.special ?? false,
    };
  }
  const config: TokenizerConfigJson = {
    tokenizer_class: 'PreTrainedTokenizerFast',
    added_tokens_decoder: decoder,
    clean_up_tokenization_spaces: false,
    model_max_length: options.modelMaxLength ?? 1_000_000,
    bos_token: options.bosToken ?? null,
    eos_token: eos ?? null,
    pad_token: options.padToken ?? eos ?? null,
  };
  if (options.chatTemplate !== undefined) config.chat_template = options.chatTemplate;
  return config;
}

/** Writes `tokenizer.json` and `tokenizer_config.json` into `dir` (created if missing). */
export async function saveTokenizer(dir: string, json: TokenizerJson, config?: TokenizerConfigJson): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'tokenizer.json'), JSON.stringify(json, null, 2) + '\n');
  await writeFile(join(dir, 'tokenizer_config.json'), JSON.stringify(config ?? tokenizerConfigFor(json), null, 2) + '\n');
}
