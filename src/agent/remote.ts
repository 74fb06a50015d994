// RemotePolicy: a ChatPolicy over an OpenAI-compatible `POST {baseURL}/chat/completions`
// endpoint (OpenAI's Chat Completions API; vLLM's server with its `top_k` and `stop_token_ids`
// extensions), for evaluating API models or a policy served elsewhere. Text only: no token record.
// Retries follow OpenAI's client guidance: 429, 5xx and network errors, exponential backoff with
// jitter, `Retry-After` honoured. The API key lives in a private field and never enters a message.
//
// Over 300 lines because the retry loop, the HTTP attempt and the error mapping all need the API
// key, which lives in one private field of RemotePolicy (sent, redacted from server text, named
// when a 401 comes back); split out, the key would have to be handed around.

import { OptionsError, WebAgentError } from '../errors.js';
import { custom, defineOptions, fn, httpUrl, MAX_TIMER_MS, nonNegativeInt, num, obj, positiveInt, str } from '../options.js';
import { chatArguments, type ChatPolicy, type ChatReply, type ChatRequest } from './chat.js';
import type { ChatMessage } from './chat-template.js';
import { resolveSampling, type SamplingOptions } from '../model/sampling.js';

/** An HTTP call to the endpoint failed. `status` is the HTTP status when the server answered. */
export class RemotePolicyError extends WebAgentError {
  readonly status: number | undefined;
  /** True for failures worth retrying later (429, 5xx, network errors, timeouts). */
  readonly retryable: boolean;
  /** The server's `Retry-After`, in ms, when it sent one. */
  readonly retryAfterMs: number | undefined;
  constructor(message: string, options: { status?: number; retryable: boolean; retryAfterMs?: number; cause?: unknown }) {
    super('REMOTE_POLICY', message, options.cause === undefined ? undefined : { cause: options.cause });
    this.status = options.status;
    this.retryable = options.retryable;
    this.retryAfterMs = options.retryAfterMs;
  }
}

/** What `onRetry` is told before each wait. `attempt` is the attempt that failed (1-based). */
export interface RemoteRetryInfo {
  readonly attempt: number;
  readonly delayMs: number;
  readonly status: number | undefined;
  readonly error: RemotePolicyError;
}

export interface RemotePolicyOptions {
  /** Up to the API version, e.g. `https://api.openai.com/v1` or `http://127.0.0.1:8000/v1`. */
  readonly baseURL: string;
  /** The `model` field of every request (`gpt-4o`, the vLLM served name, ...). */
  readonly model: string;
  /** Environment variable holding the API key. Unset or empty: no Authorization header (local servers). */
  readonly apiKeyEnv?: string;
  /** Most HTTP requests in flight from this policy; more wait their turn. */
  readonly maxConcurrency?: number;
  /** Retries after the first attempt, on 429, 5xx, network errors and timeouts. */
  readonly maxRetries?: number;
  /** Time limit of one HTTP attempt (headers and body), ms. */
  readonly timeoutMs?: number;
  /** Base of the exponential backoff, ms: attempt k waits about retryDelayMs * 2^(k-1), jittered. */
  readonly retryDelayMs?: number;
  /** Longest wait between attempts, ms, also caps `Retry-After`. */
  readonly maxRetryDelayMs?: number;
  /** Merged into every JSON body after the sampling fields (vendor fields; wins over them). */
  readonly extraBody?: Readonly<Record<string, unknown>>;
  /** Default: Node's built-in fetch. */
  readonly fetch?: typeof globalThis.fetch;
  /** Called before each retry wait (for logging). Nothing is printed by default. */
  readonly onRetry?: (info: RemoteRetryInfo) => void;
  /** Default: `remote:<model>`. */
  readonly name?: string;
}

export const REMOTE_POLICY_DEFAULTS: Readonly<{
  apiKeyEnv: string; maxConcurrency: number; maxRetries: number; timeoutMs: number; retryDelayMs: number; maxRetryDelayMs: number;
}> = Object.freeze({
  apiKeyEnv: 'OPENAI_API_KEY',
  maxConcurrency: 4,
  maxRetries: 4,
  timeoutMs: 60_000, // reasoning models can take tens of seconds for one reply
  retryDelayMs: 500,
  maxRetryDelayMs: 30_000,
});

/** OpenAI refuses more than 4 stop sequences. */
const MAX_STOP = 4;

/** A FIFO counting semaphore; waiting can be abandoned through a signal. */
class Semaphore {
  private active = 0;
  private readonly waiting: Array<() => void> = [];
  constructor(private readonly limit: number) {}

  async acquire(signal: AbortSignal | undefined): Promise<void> {
    signal?.throwIfAborted();
    if (this.active < this.limit) {
      this.active++;
      return;
    }
    await new Promise<void>((resolve, reject) => {
      const grant = (): void => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      };
      const onAbort = (): void => {
        const i = this.waiting.indexOf(grant);
        if (i >= 0) this.waiting.splice(i, 1);
        reject(signal?.reason);
      };
      this.waiting.push(grant);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  release(): void {
    const next = this.waiting.shift();
    if (next) next(); // the slot passes straight to the next waiter
    else this.active--;
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** `Retry-After` as ms: delta-seconds or an HTTP date. Undefined when absent or unreadable. */
function retryAfterMs(value: string | null): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}


const delayMs = num({ min: 0, max: MAX_TIMER_MS }, `a number of milliseconds from 0 to ${MAX_TIMER_MS}`);

/** The schema of RemotePolicyOptions: checked by the constructor, before any request. */
export const remotePolicyOptions = defineOptions<RemotePolicyOptions>()('RemotePolicy', obj({
  baseURL: httpUrl('an absolute http(s) URL such as http://127.0.0.1:8000/v1'),
  model: str('a non-empty string (the served model name)', { nonEmpty: true }),
  apiKeyEnv: str('the name of an environment variable', { nonEmpty: true }).optional(),
  maxConcurrency: positiveInt('an integer >= 1').optional(),
  maxRetries: nonNegativeInt('an integer >= 0').optional(),
  timeoutMs: num({ gt: 0, max: MAX_TIMER_MS }, `a number of milliseconds > 0 (at most ${MAX_TIMER_MS})`).optional(),
  retryDelayMs: delayMs.optional(),
  maxRetryDelayMs: delayMs.optional(),
  extraBody: custom<Readonly<Record<string, unknown>>>(isObject, 'a plain object (vendor fields)').optional(),
  fetch: fn<typeof globalThis.fetch>('a fetch function').optional(),
  onRetry: fn<(info: RemoteRetryInfo) => void>('a function (info) => void').optional(),
  name: str('a non-empty string', { nonEmpty: true }).optional(),
}));

const remoteChatArguments = chatArguments('RemotePolicy.chat');

/**
 * A ChatPolicy served by an OpenAI-compatible endpoint. One HTTP request per chat request, at
 * most `maxConcurrency` at a time, replies in request order. Sampling fields a request and the
 * `sampling` argument both leave unset are not sent: the server's defaults apply.
 */
export class RemotePolicy implements ChatPolicy {
  readonly name: string;
  readonly baseURL: string;
  readonly model: string;
  readonly apiKeyEnv: string;
  readonly maxConcurrency: number;
  readonly maxRetries: number;
  readonly timeoutMs: number;
  readonly retryDelayMs: number;
  readonly maxRetryDelayMs: number;
  readonly extraBody: Readonly<Record<string, unknown>>;
  // Private fields (#) are invisible to JSON.stringify, util.inspect and property enumeration.
  readonly #apiKey: string | undefined;
  readonly #fetch: typeof globalThis.fetch;
  readonly #onRetry: ((info: RemoteRetryInfo) => void) | undefined;
  readonly #semaphore: Semaphore;

  constructor(options: RemotePolicyOptions) {
    remotePolicyOptions.check(options);
    const o = { ...REMOTE_POLICY_DEFAULTS, ...Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) } as
      typeof REMOTE_POLICY_DEFAULTS & RemotePolicyOptions;
    const fetchFn = o.fetch ?? globalThis.fetch;
    if (typeof fetchFn !== 'function') throw new OptionsError('RemotePolicy: no fetch function (Node >= 18 has one built in; or pass options.fetch)');

    this.baseURL = o.baseURL.replace(/\/+$/, '');
    this.model = o.model;
    this.name = o.name ?? `remote:${o.model}`;
    this.apiKeyEnv = o.apiKeyEnv;
    this.maxConcurrency = o.maxConcurrency;
    this.maxRetries = o.maxRetries;
    this.timeoutMs = o.timeoutMs;
    this.retryDelayMs = o.retryDelayMs;
    this.maxRetryDelayMs = o.maxRetryDelayMs;
    this.extraBody = o.extraBody ?? {};
    const key = process.env[o.apiKeyEnv];
    this.#apiKey = key === undefined || key === '' ? undefined : key;
    this.#fetch = fetchFn;
    this.#onRetry = o.onRetry;
    this.#semaphore = new Semaphore(o.maxConcurrency);
  }

  /** Whether an API key was found in `apiKeyEnv` (the key itself is never exposed). */
  get hasApiKey(): boolean {
    return this.#apiKey !== undefined;
  }

  toString(): string {
    return `RemotePolicy(${this.model} @ ${this.baseURL})`;
  }

  async chat(requests: readonly ChatRequest[], sampling?: SamplingOptions, options: { signal?: AbortSignal } = {}): Promise<ChatReply[]> {
    remoteChatArguments.check({ requests, ...(sampling !== undefined ? { sampling } : {}) });
    options.signal?.throwIfAborted();
    const bodies = requests.map((r, i) => this.body(r, sampling, i));
    // One failure cancels the siblings still queued or in flight.
    const siblings = new AbortController();
    const signal = options.signal ? AbortSignal.any([options.signal, siblings.signal]) : siblings.signal;
    try {
      return await Promise.all(bodies.map((body) => this.complete(body, signal, options.signal)));
    } catch (error) {
      siblings.abort(error);
      throw error;
    }
  }

  /** The JSON body for one request: `sampling` fills what the request leaves unset. */
  private body(request: ChatRequest, sampling: SamplingOptions | undefined, index: number): Record<string, unknown> {
    const { messages, constraint, ...own } = request;
    if (constraint !== undefined) {
      throw new OptionsError(`RemotePolicy: requests[${index}] has a constraint; an OpenAI-compatible endpoint cannot constrain decoding token by token. Use a LocalChatPolicy, or turn the constraint off (Agent option constrainCopy: false)`);
    }
    const merged: Record<string, unknown> = {};
    for (const layer of [sampling, own]) {
      for (const [k, v] of Object.entries(layer ?? {})) if (v !== undefined) merged[k] = v;
    }
    const s = merged as SamplingOptions;
    resolveSampling(s); // throws OptionsError naming a bad field
    if (!Array.isArray(messages) || messages.length === 0) throw new OptionsError(`RemotePolicy: requests[${index}].messages must be a non-empty array`);
    if (s.stop !== undefined && s.stop.length > MAX_STOP) {
      throw new OptionsError(`RemotePolicy: requests[${index}] has ${s.stop.length} stop strings; OpenAI-compatible APIs accept at most ${MAX_STOP}`);
    }
    const body: Record<string, unknown> = {};
    if (s.temperature !== undefined) body.temperature = s.temperature;
    if (s.topP !== undefined) body.top_p = s.topP;
    if (s.maxNewTokens !== undefined) body.max_tokens = s.maxNewTokens;
    if (s.stop !== undefined && s.stop.length > 0) body.stop = [...s.stop];
    if (s.seed !== undefined) body.seed = s.seed;
    if (s.topK !== undefined && s.topK > 0) body.top_k = s.topK; // vLLM extension
    if (s.stopTokenIds !== undefined && s.stopTokenIds.length > 0) body.stop_token_ids = [...s.stopTokenIds]; // vLLM extension
    return {
      ...body,
      ...this.extraBody,
      model: this.model,
      messages: messages.map((m: ChatMessage) => ({ role: m.role, content: m.content })),
    };
  }

  /** One request: waits for a slot, then attempts with retries. */
  private async complete(body: Record<string, unknown>, signal: AbortSignal, callerSignal: AbortSignal | undefined): Promise<ChatReply> {
    await this.#semaphore.acquire(signal);
    try {
      for (let attempt = 1; ; attempt++) {
        let error: RemotePolicyError;
        try {
          return await this.attempt(body, signal);
        } catch (caught) {
          if (signal.aborted) throw callerSignal?.aborted ? callerSignal.reason : signal.reason;
          if (!(caught instanceof RemotePolicyError)) throw caught;
          error = caught;
        }
        if (!error.retryable || attempt > this.maxRetries) throw error;
        const backoff = Math.min(this.maxRetryDelayMs, this.retryDelayMs * 2 ** (attempt - 1));
        // "Equal jitter": half fixed, half random, so that clients that failed together spread out.
        const delayMs = error.retryAfterMs !== undefined ? Math.min(this.maxRetryDelayMs, error.retryAfterMs) : backoff / 2 + Math.random() * (backoff / 2);
        this.#onRetry?.({ attempt, delayMs, status: error.status, error });
        await sleep(delayMs, signal);
      }
    } finally {
      this.#semaphore.release();
    }
  }

  /** One HTTP attempt under its own timeout. */
  private async attempt(body: Record<string, unknown>, signal: AbortSignal): Promise<ChatReply> {
    const url = `${this.baseURL}/chat/completions`;
    const timeout = AbortSignal.timeout(Math.ceil(this.timeoutMs));
    const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
    if (this.#apiKey !== undefined) headers.authorization = `Bearer ${this.#apiKey}`;
    let status: number;
    let text: string;
    let retryAfter: number | undefined;
    try {
      const response = await this.#fetch(url, { method: 'POST', headers, body: JSON.stringify(body), signal: AbortSignal.any([signal, timeout]) });
      status = response.status;
      retryAfter = retryAfterMs(response.headers.get('retry-after'));
      text = await response.text();
    } catch (cause) {
      if (signal.aborted) throw signal.reason;
      if (timeout.aborted) {
        throw new RemotePolicyError(`POST ${url} timed out after ${this.timeoutMs} ms (timeoutMs)`, { retryable: true });
      }
      const detail = cause instanceof Error ? `${cause.message}${cause.cause instanceof Error ? `: ${cause.cause.message}` : ''}` : String(cause);
      throw new RemotePolicyError(`POST ${url} failed: ${this.redact(detail)}`, { retryable: true });
    }
    if (status < 200 || status >= 300) throw this.httpError(url, status, text, retryAfter);
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new RemotePolicyError(`POST ${url} returned HTTP ${status} with a body that is not JSON: ${this.redact(snippet(text))}`, { status, retryable: false });
    }
    const choice = isObject(json) && Array.isArray(json.choices) ? (json.choices[0] as unknown) : undefined;
    const message = isObject(choice) ? choice.message : undefined;
    if (!isObject(choice) || !isObject(message)) {
      throw new RemotePolicyError(`POST ${url} returned no choices[0].message (not a chat.completion response): ${this.redact(snippet(text))}`, { status, retryable: false });
    }
    const content = message.content ?? '';
    if (typeof content !== 'string') throw new RemotePolicyError(`POST ${url} returned choices[0].message.content that is not a string`, { status, retryable: false });
    const usage = isObject(json) ? json.usage : undefined;
    const reply: { text: string; finishReason: 'stop' | 'length'; usage?: ChatReply['usage'] } = {
      text: content,
      finishReason: choice.finish_reason === 'length' ? 'length' : 'stop',
    };
    if (isObject(usage) && typeof usage.prompt_tokens === 'number' && typeof usage.completion_tokens === 'number') {
      reply.usage = { promptTokens: usage.prompt_tokens, completionTokens: usage.completion_tokens };
    }
    return reply;
  }

  private httpError(url: string, status: number, text: string, retryAfter: number | undefined): RemotePolicyError {
    let serverMessage = snippet(text);
    try {
      const parsed: unknown = JSON.parse(text);
      const err = isObject(parsed) ? parsed.error : undefined;
      if (isObject(err) && typeof err.message === 'string') serverMessage = err.message;
      else if (typeof err === 'string') serverMessage = err;
      else if (isObject(parsed) && typeof parsed.message === 'string') serverMessage = parsed.message;
    } catch {
      // not JSON: keep the text
    }
    let message = `POST ${url} failed with HTTP ${status}: ${this.redact(serverMessage)}`;
    if (status === 401 || status === 403) {
      message += this.#apiKey === undefined
        ? ` (no API key was sent: the environment variable ${this.apiKeyEnv} is not set)`
        : ` (the API key was read from the environment variable ${this.apiKeyEnv})`;
    }
    const retryable = status === 429 || status >= 500;
    return new RemotePolicyError(message, { status, retryable, retryAfterMs: retryAfter });
  }

  /** Removes the key from text a server or the network stack produced (some servers echo it). */
  private redact(text: string): string {
    return this.#apiKey === undefined ? text : text.split(this.#apiKey).join('[redacted]');
  }
}

function snippet(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  if (flat === '') return '(empty body)';
  return flat.length > 300 ? `${flat.slice(0, 300)}...` : flat;
}
