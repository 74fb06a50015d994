// HfTokenizer: a Hugging Face tokenizer (`tokenizer.json` + `tokenizer_config.json`) loaded from
// a local folder or from JSON objects and run by @huggingface/tokenizers (pure JS, no network),
// with the chat special tokens, eos/bos/pad ids and the raw chat template from the config.
// Follows transformers' PreTrainedTokenizerFast semantics for encode/decode options. Also
// saveTokenizer/tokenizerConfigFor for tokenizers trained by bpe-trainer.ts.
//
// Over 300 lines because the checks that run before @huggingface/tokenizers sees a file (vocabulary
// ids, refused patterns), the loaders and the class that runs encode/decode under the pattern time
// budget all work on one TokenizerJson and report through one TokenizerError naming the file.

import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Tokenizer } from '@huggingface/tokenizers';
import { fileProblem, folderProblem } from '../data/load-errors.js';
import { parseJsonText } from '../data/json-text.js';
import { OptionsError } from '../errors.js';
import type { TokenDecoder } from './generation.js';
import { BudgetExceeded, patternProblem, tokenizerPatterns, TRUSTED_PATTERNS, withinBudget } from './tokenizer-patterns.js';
import { defineOptions, obj, timeoutMs } from '../options.js';


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

/** A tokenizer file is unusable: unreadable, malformed, or unsafe to run. */
export class TokenizerError extends OptionsError {
  override readonly code: string = 'INVALID_TOKENIZER';
  /** The file at fault (its path, or "tokenizer.json" for an object given to fromJson). */
  readonly file: string;
  /** The token at fault, when there is one. */
  readonly token: string | undefined;
  constructor(message: string, options: { file: string; token?: string }) {
    super(message);
    this.file = options.file;
    this.token = options.token;
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function checkTokenizerJson(value: unknown, file: string): TokenizerJson {
  if (!isObject(value) || !isObject(value.model) || typeof value.model.type !== 'string') {
    throw new TokenizerError(`${file}: not a Hugging Face tokenizer.json (no "model" object with a "type")`, { file });
  }
  const added = value.added_tokens ?? [];
  if (!Array.isArray(added) || !added.every((t) => isObject(t) && typeof t.content === 'string' && Number.isInteger(t.id))) {
    throw new TokenizerError(`${file}: "added_tokens" must be an array of {id, content}`, { file });
  }
  const json = { normalizer: null, pre_tokenizer: null, post_processor: null, decoder: null, ...value, added_tokens: added } as TokenizerJson;
  checkVocabulary(json, file);
  for (const { path, regex } of tokenizerPatterns(json)) {
    const problem = patternProblem(regex);
    if (problem !== undefined) {
      const shown = regex.length > 80 ? `${regex.slice(0, 80)}...` : regex;
      throw new TokenizerError(`${file}: ${path} ${JSON.stringify(shown)} is refused: ${problem}. Patterns with backreferences, nested quantifiers or repeated alternations are not run`, { file });
    }
  }
  return json;
}

/**
 * Ids above this are refused: a vocabulary of `tokens` distinct tokens may leave unused ids, but
 * not make most of its id range holes (the id range sizes arrays and embedding matrices).
 */
export function maxTokenId(tokens: number): number {
  return 2 * tokens + 1024 - 1;
}

/**
 * Every id of `model.vocab` and `added_tokens` an integer from 0 to maxTokenId(distinct tokens),
 * and the vocabulary not empty. Runs before @huggingface/tokenizers sees the file: it allocates
 * and walks an array up to the largest id (an id of 2e9 never finished loading).
 */
function checkVocabulary(json: TokenizerJson, file: string): void {
  const vocab = json.model.vocab as unknown;
  const entries: Array<[token: string, id: unknown, where: string]> = [];
  let size = 0;
  if (Array.isArray(vocab)) {
    // Unigram: [[piece, score], ...], the id of a piece is its position.
    size = vocab.length;
    vocab.forEach((e: unknown, i) => {
      const piece = Array.isArray(e) ? (e[0] as unknown) : e;
      if (typeof piece !== 'string') throw new TokenizerError(`${file}: model.vocab[${i}] must be [piece, score] with a string piece`, { file });
      entries.push([piece, i, 'model.vocab']);
    });
  } else if (isObject(vocab)) {
    for (const [token, id] of Object.entries(vocab)) {
      if (isObject(id)) { // per-language vocabularies (CTC models): {lang: {token: id}}
        for (const [t, i] of Object.entries(id)) entries.push([t, i, `model.vocab.${token}`]);
      } else entries.push([token, id, 'model.vocab']);
    }
    size = entries.length;
  } else if (vocab !== undefined) {
    throw new TokenizerError(`${file}: model.vocab must be an object {token: id} or a list of [piece, score]`, { file });
  }
  if (size === 0) throw new TokenizerError(`${file}: the vocabulary is empty (model.vocab has no tokens), so every text would encode to 0 tokens`, { file });
  for (const t of json.added_tokens) entries.push([t.content, t.id, 'added_tokens']);
  const distinct = new Set(entries.map(([token]) => token)).size;
  const limit = maxTokenId(distinct);
  for (const [token, id, where] of entries) {
    if (typeof id !== 'number' || !Number.isInteger(id) || id < 0) {
      throw new TokenizerError(`${file}: ${where}: token ${JSON.stringify(token)} has id ${JSON.stringify(id) ?? String(id)}; a token id must be an integer >= 0`, { file, token });
    }
    if (id > limit) {
      throw new TokenizerError(`${file}: ${where}: token ${JSON.stringify(token)} has id ${id}, beyond the vocabulary: ${distinct} distinct tokens allow ids up to ${limit}`, { file, token });
    }
  }
}

/** Reads and parses a JSON file; errors name the file and what is wrong, never its contents. */
async function readJson(path: string, optional: boolean): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if (optional && (error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new TokenizerError(fileProblem(error, path, 'file', 'a JSON file'), { file: path });
  }
  const parsed = parseJsonText(text);
  if (!parsed.ok) throw new TokenizerError(`${path} is not valid JSON: ${parsed.problem}`, { file: path });
  return parsed.value;
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

/** How a tokenizer is loaded and run. */
export interface HfTokenizerOptions {
  /**
   * Time budget in ms of one load, `encode` or `decode` of a tokenizer whose normalizer,
   * pre-tokenizer or decoder has a `Regex` pattern other than the well-known ones (Qwen2/3,
   * Llama 3, this package's trainer; see TRUSTED_PATTERNS): past it, the call is interrupted and
   * throws TokenizerError. Default 10,000. Costs about 0.2 ms a call; well-known patterns run
   * without it. (Patterns that backtrack catastrophically are refused at load; see tokenizer-patterns.ts.)
   */
  readonly patternTimeoutMs?: number;
}

/** Default HfTokenizerOptions.patternTimeoutMs. */
export const DEFAULT_PATTERN_TIMEOUT_MS = 10_000;

function checkOptions(options: HfTokenizerOptions | undefined, where: string): number {
  hfTokenizerOptions.as(where).check(options ?? {});
  return options?.patternTimeoutMs ?? DEFAULT_PATTERN_TIMEOUT_MS;
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
  /** Where the unfamiliar patterns are (run under the time budget), empty when there are none. */
  private readonly guarded: readonly string[];

  private constructor(readonly json: TokenizerJson, readonly config: TokenizerConfigJson, private readonly source: string, private readonly budgetMs: number) {
    this.guarded = tokenizerPatterns(json).filter((p) => !TRUSTED_PATTERNS.has(p.regex)).map((p) => p.path);
    try {
      // Loading runs the normalizer on added tokens: under the budget too.
      this.tokenizer = this.run('loading it', () => new Tokenizer(json, config));
    } catch (error) {
      if (error instanceof TokenizerError) throw error;
      throw new TokenizerError(`${source}: @huggingface/tokenizers cannot load it: ${(error as Error).message}`, { file: source });
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

  /** Runs `work` under the time budget when the tokenizer has unfamiliar patterns. */
  private run<T>(what: string, work: () => T): T {
    if (this.guarded.length === 0) return work();
    try {
      return withinBudget(this.budgetMs, work);
    } catch (error) {
      if (!(error instanceof BudgetExceeded)) throw error;
      throw new TokenizerError(
        `${this.source}: ${what} took over ${this.budgetMs} ms (patternTimeoutMs) and was stopped: the patterns at ${this.guarded.join(', ')} `
        + 'backtrack too much on this text; fix or remove them, or raise patternTimeoutMs', { file: this.source });
    }
  }

  /**
   * Reads `tokenizer.json` and (if present) `tokenizer_config.json` from a local folder. Throws
   * TokenizerError naming the file when the folder or a file cannot be read, is not JSON, or
   * holds an unusable tokenizer (ids out of range, an empty vocabulary, a refused pattern).
   */
  static async fromFiles(dir: string, options?: HfTokenizerOptions): Promise<HfTokenizer> {
    const budget = checkOptions(options, 'HfTokenizer.fromFiles');
    const notFolder = await folderProblem(dir, 'a folder holding tokenizer.json');
    if (notFolder !== undefined) throw new TokenizerError(notFolder, { file: dir });
    const tokenizerPath = join(dir, 'tokenizer.json');
    const configPath = join(dir, 'tokenizer_config.json');
    const json = checkTokenizerJson(await readJson(tokenizerPath, false), tokenizerPath);
    const config = (await readJson(configPath, true)) ?? {};
    if (!isObject(config)) throw new TokenizerError(`${configPath}: expected a JSON object`, { file: configPath });
    return new HfTokenizer(json, config, tokenizerPath, budget);
  }

  /**
   * From parsed JSON objects. Without a config, decoding does no "clean up" of spaces before
   * punctuation (HF's tokenizer default would), so decode(encode(text)) is text.
   */
  static fromJson(tokenizerJson: unknown, configJson?: TokenizerConfigJson, options?: HfTokenizerOptions): HfTokenizer {
    const budget = checkOptions(options, 'HfTokenizer.fromJson');
    const json = checkTokenizerJson(tokenizerJson, 'tokenizer.json');
    if (configJson !== undefined && !isObject(configJson)) throw new TokenizerError('tokenizer_config.json: expected a JSON object', { file: 'tokenizer_config.json' });
    return new HfTokenizer(json, configJson ?? { clean_up_tokenization_spaces: false }, 'tokenizer.json', budget);
  }

  encode(text: string, options: EncodeOptions = {}): number[] {
    return this.run(`encoding a text of ${text.length} characters`, () => this.tokenizer.encode(text, { add_special_tokens: options.addSpecialTokens ?? true }).ids);
  }

  decode(ids: readonly number[], options: DecodeOptions = {}): string {
    if (ids.length === 0) return '';
    for (const id of ids) {
      if (!Number.isInteger(id) || id < 0 || id >= this.vocabSize) {
        throw new OptionsError(`HfTokenizer.decode: token id ${id} is outside [0, ${this.vocabSize})`);
      }
    }
    return this.run(`decoding ${ids.length} tokens`, () => this.tokenizer.decode([...ids], { skip_special_tokens: options.skipSpecialTokens ?? false }));
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

/** The schema of HfTokenizerOptions: checked by the tokenizer loaders before they read a file. */
export const hfTokenizerOptions = defineOptions<HfTokenizerOptions>()('HfTokenizer', obj({
  patternTimeoutMs: timeoutMs().optional(),
}));
