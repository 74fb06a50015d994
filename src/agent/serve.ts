// servePolicy: any ChatPolicy (a trained LocalChatPolicy, usually) behind an OpenAI-compatible
// HTTP API on node:http, so OpenAI clients, RemotePolicy and evaluation harnesses can call it.
// Follows OpenAI's Chat Completions and Models APIs (request fields, response, SSE chunk and
// error shapes), with vLLM's `top_k` extension. Streaming sends the whole reply as one delta.
//
// Over 300 lines because it is one OpenAI Chat Completions endpoint: the request checks, the error
// shape (`HttpError`) and the JSON and SSE response shapes follow one spec and meet in
// `servePolicy`'s handlers, which close over the options and the key digest.

import { createHash, randomInt, randomUUID, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isWebAgentError, OptionsError } from '../errors.js';
import type { ChatPolicy, ChatReply, ChatRequest } from './chat.js';
import type { ChatMessage, ChatRole } from './chat-template.js';
import { defineOptions, obj, port, positiveInt, str } from '../options.js';
import { samplingOptions, type SamplingOptions } from '../model/sampling.js';

export interface ServePolicyOptions {
  /** Interface to listen on. Default '127.0.0.1' (local only); '0.0.0.0' exposes it. */
  readonly host?: string;
  /** Default 0: a free port chosen by the OS (read it from `PolicyServer.port`). */
  readonly port?: number;
  /** The model name listed and accepted in requests. Default: `policy.name`. */
  readonly model?: string;
  /** When set, every request must carry `Authorization: Bearer <apiKey>` (else 401). */
  readonly apiKey?: string;
  /** Largest request body; larger ones get 413. Default 4 MB. */
  readonly maxBodyBytes?: number;
  /** Sampling for fields a request leaves unset (passed as `sampling` to `policy.chat`). */
  readonly defaults?: SamplingOptions;
  /** Most choices (`n`) per request. Default 16. */
  readonly maxN?: number;
}

/** The schema of ServePolicyOptions: checked by `servePolicy` before it listens. */
export const servePolicyOptions = defineOptions<ServePolicyOptions>()('servePolicy', obj({
  host: str('a non-empty host name or address', { nonEmpty: true }).optional(),
  port: port().optional(),
  model: str('a non-empty string', { nonEmpty: true }).optional(),
  apiKey: str('a non-empty string', { nonEmpty: true }).optional(),
  maxBodyBytes: positiveInt('a positive integer (bytes)').optional(),
  defaults: samplingOptions.schema.optional(),
  maxN: positiveInt('a positive integer').optional(),
}));

export const SERVE_POLICY_DEFAULTS = Object.freeze({ host: '127.0.0.1', port: 0, maxBodyBytes: 4 * 1024 * 1024, maxN: 16 });

/** A running server. `close()` also drops open connections, which aborts their policy calls. */
export interface PolicyServer {
  /** The API base, e.g. `http://127.0.0.1:41234/v1` (what OpenAI clients call `base_url`). */
  readonly url: string;
  readonly port: number;
  readonly model: string;
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/** An error answered in OpenAI's shape `{error: {message, type, param, code}}`. */
class HttpError extends Error {
  constructor(readonly status: number, message: string, readonly param: string | null = null, readonly code: string | null = null,
    readonly type = status >= 500 ? 'server_error' : 'invalid_request_error') {
    super(message);
  }
}

interface ParsedChat {
  readonly requests: ChatRequest[];
  readonly stream: boolean;
  readonly includeUsage: boolean;
  readonly logprobs: boolean;
}

/** What per-token logprobs need from a LocalChatPolicy-like policy (duck-typed). */
interface TokenView {
  readonly tokenizer: { decode(ids: readonly number[]): string };
  readonly endTokenIds?: readonly number[];
}

const ROLES: Readonly<Record<string, ChatRole>> = { system: 'system', developer: 'system', user: 'user', assistant: 'assistant' };

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A field that may be absent or null; otherwise must pass `check`. */
function optional<T>(body: Record<string, unknown>, field: string, check: (v: unknown) => v is T, what: string): T | undefined {
  const v = body[field];
  if (v === undefined || v === null) return undefined;
  if (!check(v)) throw new HttpError(400, `'${field}' must be ${what}, got ${JSON.stringify(v)}`, field);
  return v;
}
const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isInt = (v: unknown): v is number => Number.isInteger(v);
const isBool = (v: unknown): v is boolean => typeof v === 'boolean';

function parseContent(content: unknown, i: number): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    return content.map((part: unknown, j) => {
      if (isObject(part) && part.type === 'text' && typeof part.text === 'string') return part.text;
      throw new HttpError(400, `messages[${i}].content[${j}] must be {type: "text", text: string}: only text parts are supported`, `messages[${i}].content`);
    }).join('\n'); // vLLM joins text parts with new lines
  }
  throw new HttpError(400, `messages[${i}].content must be a string or an array of text parts`, `messages[${i}].content`);
}

function parseChat(body: unknown, model: string, maxN: number, defaults: SamplingOptions): ParsedChat {
  if (!isObject(body)) throw new HttpError(400, 'the request body must be a JSON object');
  const requested = optional(body, 'model', (v): v is string => typeof v === 'string', 'a string');
  if (requested !== undefined && requested !== model) throw new HttpError(404, `The model '${requested}' does not exist; this server serves '${model}'`, 'model', 'model_not_found');
  const raw = body.messages;
  if (!Array.isArray(raw) || raw.length === 0) throw new HttpError(400, "'messages' is required: a non-empty array of {role, content}", 'messages');
  const messages: ChatMessage[] = raw.map((m: unknown, i) => {
    if (!isObject(m)) throw new HttpError(400, `messages[${i}] must be an object {role, content}`, `messages[${i}]`);
    const role = typeof m.role === 'string' ? ROLES[m.role] : undefined;
    if (role === undefined) throw new HttpError(400, `messages[${i}].role must be one of system, developer, user, assistant; got ${JSON.stringify(m.role)}`, `messages[${i}].role`);
    return { role, content: parseContent(m.content, i) };
  });
  const temperature = optional(body, 'temperature', (v): v is number => isNumber(v) && v >= 0 && v <= 2, 'a number in [0, 2]');
  const topP = optional(body, 'top_p', (v): v is number => isNumber(v) && v > 0 && v <= 1, 'a number in (0, 1]');
  const positive = (v: unknown): v is number => isInt(v) && v >= 1;
  const maxNewTokens = optional(body, 'max_completion_tokens', positive, 'an integer >= 1')
    ?? optional(body, 'max_tokens', positive, 'an integer >= 1');
  const topKRaw = optional(body, 'top_k', (v): v is number => isInt(v) && v >= -1, 'an integer >= -1 (-1 or 0 = off)');
  const seed = optional(body, 'seed', isInt, 'an integer');
  const n = optional(body, 'n', (v): v is number => isInt(v) && v >= 1 && v <= maxN, `an integer in [1, ${maxN}]`) ?? 1;
  const stopRaw = optional(body, 'stop', (v): v is string | string[] =>
    (typeof v === 'string' && v !== '') || (Array.isArray(v) && v.every((s) => typeof s === 'string' && s !== '')), 'a non-empty string or an array of them');
  const stream = optional(body, 'stream', isBool, 'a boolean') ?? false;
  const logprobs = optional(body, 'logprobs', isBool, 'a boolean') ?? false;
  const streamOptions = optional(body, 'stream_options', isObject, 'an object');
  const sampling: { -readonly [K in keyof SamplingOptions]: SamplingOptions[K] } = {};
  if (temperature !== undefined) sampling.temperature = temperature;
  if (topP !== undefined) sampling.topP = topP;
  if (maxNewTokens !== undefined) sampling.maxNewTokens = maxNewTokens;
  if (topKRaw !== undefined) sampling.topK = Math.max(0, topKRaw);
  if (stopRaw !== undefined) sampling.stop = typeof stopRaw === 'string' ? [stopRaw] : stopRaw;
  // Without a seed OpenAI samples afresh on every call, and the n choices must differ: seed+i.
  const baseSeed = seed ?? defaults.seed ?? randomInt(0, 2 ** 31 - maxN);
  const requests = Array.from({ length: n }, (_, i): ChatRequest => ({ ...sampling, seed: baseSeed + i, messages }));
  return { requests, stream, includeUsage: streamOptions?.include_usage === true, logprobs };
}

function readBody(req: IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const tooLarge = (): HttpError => new HttpError(413, `the request body is larger than ${limit} bytes (maxBodyBytes)`, null, 'request_too_large');
    if (Number(req.headers['content-length']) > limit) return reject(tooLarge());
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size <= limit) return void chunks.push(chunk);
      // Stop collecting but keep the socket: the 413 goes out, then the connection closes.
      req.off('data', onData).off('end', onEnd);
      req.resume();
      reject(tooLarge());
    };
    const onEnd = (): void => resolve(Buffer.concat(chunks).toString('utf8'));
    req.on('data', onData).on('end', onEnd).on('error', reject);
  });
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

function sendError(res: ServerResponse, error: HttpError, headers: Record<string, string> = {}): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  sendJson(res, error.status, { error: { message: error.message, type: error.type, param: error.param, code: error.code } }, headers);
}

/** OpenAI's `logprobs.content` for a reply's tokens (the end-of-turn token left out, as from `text`). */
function tokenLogprobs(policy: ChatPolicy, reply: ChatReply): { content: unknown[] } | null {
  const view = policy as Partial<TokenView>;
  const completion = reply.completion;
  if (completion === undefined || typeof view.tokenizer?.decode !== 'function') return null;
  const ids = [...completion.tokenIds];
  const last = ids[ids.length - 1];
  if (last !== undefined && (view.endTokenIds ?? []).includes(last)) ids.pop();
  return {
    content: ids.map((id, i) => {
      // One token alone may be part of a UTF-8 character: then it decodes to U+FFFD.
      const token = view.tokenizer?.decode([id]) ?? '';
      return { token, logprob: completion.logprobs[i] ?? 0, bytes: [...Buffer.from(token, 'utf8')], top_logprobs: [] };
    }),
  };
}

function usageOf(replies: readonly ChatReply[]): Record<string, number> | undefined {
  if (replies.some((r) => r.usage === undefined)) return undefined;
  const prompt = replies[0]?.usage?.promptTokens ?? 0; // the same prompt for every choice: counted once
  const completion = replies.reduce((sum, r) => sum + (r.usage?.completionTokens ?? 0), 0);
  return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
}

/**
 * Serves `policy` over HTTP: `GET /v1/models`, `POST /v1/chat/completions` (also streamed).
 * Concurrent requests call `policy.chat` concurrently (a TransformerLM batches them). A
 * client that disconnects aborts its policy call. Resolves once the server listens.
 */
export async function servePolicy(policy: ChatPolicy, options: ServePolicyOptions = {}): Promise<PolicyServer> {
  if (typeof policy?.chat !== 'function') throw new OptionsError('servePolicy: policy must be a ChatPolicy (LocalChatPolicy, RemotePolicy, ...)');
  servePolicyOptions.check(options);
  const host = options.host ?? SERVE_POLICY_DEFAULTS.host;
  const port = options.port ?? SERVE_POLICY_DEFAULTS.port;
  const maxBodyBytes = options.maxBodyBytes ?? SERVE_POLICY_DEFAULTS.maxBodyBytes;
  const maxN = options.maxN ?? SERVE_POLICY_DEFAULTS.maxN;
  const model = options.model ?? policy.name;
  const defaults = options.defaults ?? {};
  if (typeof model !== 'string' || model === '') throw new OptionsError('servePolicy: model must be a non-empty string (the policy has no name; pass options.model)');
  // Digests of equal length so that the key comparison takes the same time for every guess.
  const digest = (s: string): Buffer => createHash('sha256').update(s).digest();
  const expectedAuth = options.apiKey === undefined ? undefined : digest(`Bearer ${options.apiKey}`);
  const created = Math.floor(Date.now() / 1000);
  const modelCard = { id: model, object: 'model', created, owned_by: 'webagent-r1' };

  async function chatCompletions(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const text = await readBody(req, maxBodyBytes);
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch (cause) {
      throw new HttpError(400, `the request body is not valid JSON: ${(cause as Error).message}`);
    }
    const parsed = parseChat(body, model, maxN, defaults);
    // 'close' on the response fires when it is sent or when the connection drops first.
    const controller = new AbortController();
    res.on('close', () => {
      if (!res.writableFinished) controller.abort(new Error('the client disconnected'));
    });
    let replies: ChatReply[];
    try {
      replies = await policy.chat(parsed.requests, defaults, { signal: controller.signal });
    } catch (error) {
      if (controller.signal.aborted) return; // nobody to answer
      const message = error instanceof Error ? error.message : String(error);
      if (isWebAgentError(error) && (error.code === 'INVALID_OPTIONS' || error.code === 'CHAT_TEMPLATE')) throw new HttpError(400, message);
      throw new HttpError(500, `the policy failed: ${message}`);
    }
    if (replies.length !== parsed.requests.length) throw new HttpError(500, `the policy returned ${replies.length} replies for ${parsed.requests.length} requests`);
    const id = `chatcmpl-${randomUUID().replace(/-/g, '')}`;
    const now = Math.floor(Date.now() / 1000);
    const usage = usageOf(replies);
    const logprobsOf = (r: ChatReply): { content: unknown[] } | null => (parsed.logprobs ? tokenLogprobs(policy, r) : null);
    if (!parsed.stream) {
      sendJson(res, 200, {
        id, object: 'chat.completion', created: now, model,
        choices: replies.map((r, index) => ({
          index, message: { role: 'assistant', content: r.text }, logprobs: logprobsOf(r), finish_reason: r.finishReason,
        })),
        ...(usage === undefined ? {} : { usage }),
      });
      return;
    }
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
    const extra = parsed.includeUsage ? { usage: null } : {};
    const send = (choices: unknown[], more: Record<string, unknown> = extra): void => {
      res.write(`data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created: now, model, choices, ...more })}\n\n`);
    };
    replies.forEach((r, index) => {
      send([{ index, delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null }]);
      send([{ index, delta: { content: r.text }, logprobs: logprobsOf(r), finish_reason: null }]);
      send([{ index, delta: {}, logprobs: null, finish_reason: r.finishReason }]);
    });
    if (parsed.includeUsage) send([], { usage: usage ?? null });
    res.end('data: [DONE]\n\n');
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      if (expectedAuth !== undefined) {
        const given = req.headers.authorization;
        if (given === undefined || !timingSafeEqual(digest(given), expectedAuth)) {
          throw new HttpError(401, given === undefined ? 'missing Authorization: Bearer <api key> header' : 'incorrect API key provided', null, 'invalid_api_key');
        }
      }
      const path = new URL(req.url ?? '/', 'http://localhost').pathname.replace(/\/+$/, '');
      const method = req.method ?? 'GET';
      if (path === '/v1/models' || path.startsWith('/v1/models/')) {
        if (method !== 'GET') return sendError(res, new HttpError(405, `${method} is not allowed on ${path}; use GET`), { allow: 'GET' });
        if (path === '/v1/models') return sendJson(res, 200, { object: 'list', data: [modelCard] });
        const wanted = decodeURIComponent(path.slice('/v1/models/'.length));
        if (wanted !== model) throw new HttpError(404, `The model '${wanted}' does not exist`, 'model', 'model_not_found');
        return sendJson(res, 200, modelCard);
      }
      if (path === '/v1/chat/completions') {
        if (method !== 'POST') return sendError(res, new HttpError(405, `${method} is not allowed on ${path}; use POST`), { allow: 'POST' });
        return await chatCompletions(req, res);
      }
      throw new HttpError(404, `no route ${method} ${path}: this server has GET /v1/models and POST /v1/chat/completions`, null, 'not_found');
    } catch (error) {
      const httpError = error instanceof HttpError ? error : new HttpError(500, `internal error: ${error instanceof Error ? error.message : String(error)}`);
      // A 413 leaves body bytes unread: close the connection rather than read them.
      sendError(res, httpError, httpError.status === 413 ? { connection: 'close' } : {});
    }
  }

  const server = createServer((req, res) => {
    void handle(req, res);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const actualPort = (server.address() as AddressInfo).port;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => (closing ??= new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections(); // idle keep-alive and in-flight requests (their policy calls abort)
  }));
  return { url: `http://${urlHost}:${actualPort}/v1`, port: actualPort, model, close, [Symbol.asyncDispose]: close };
}
