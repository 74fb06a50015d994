// Tests for RemotePolicy (src/agent/remote.ts) and servePolicy (src/agent/serve.ts): a tiny
// TransformerLM served over HTTP and called back through RemotePolicy (same greedy text as
// calling it directly), RemotePolicy against small fake node:http servers (retries, Retry-After,
// timeouts, concurrency limit, abort, errors, the key never leaking), and the server's errors.

import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { inspect } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { OptionsError } from '../../src/errors.js';
import { initBackend } from '../../src/model/backend.js';
import { LocalChatPolicy, type ChatPolicy, type ChatReply, type ChatRequest } from '../../src/agent/chat.js';
import { CHATML_TEMPLATE, type ChatMessage } from '../../src/agent/chat-template.js';
import { RemotePolicy, RemotePolicyError, type RemoteRetryInfo } from '../../src/agent/remote.js';
import type { SamplingOptions } from '../../src/model/sampling.js';
import { servePolicy, type PolicyServer } from '../../src/agent/serve.js';
import { HfTokenizer } from '../../src/model/tokenizer.js';
import { trainBpeTokenizer } from '../../src/model/bpe-trainer.js';
import { TransformerLM } from '../../src/model/transformer.js';

const KEY_ENV = 'WA_REMOTE_TEST_KEY';
const KEY = 'sk-wa-test-0123456789-SECRET';
const NO_KEY_ENV = 'WA_REMOTE_TEST_UNSET_KEY';
const user = (content: string): ChatMessage[] => [{ role: 'user', content }];

// ---------------------------------------------------------------- fake servers

interface Fake {
  readonly url: string;
  readonly bodies: Array<Record<string, unknown>>;
  readonly headers: IncomingMessage['headers'][];
  close(): Promise<void>;
}
const fakes: Fake[] = [];

/** A node:http server on 127.0.0.1 calling `handler` with the parsed JSON body of each request. */
async function fake(handler: (res: ServerResponse, body: Record<string, unknown>, attempt: number) => void): Promise<Fake> {
  const bodies: Array<Record<string, unknown>> = [];
  const headers: IncomingMessage['headers'][] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown>;
      bodies.push(body);
      headers.push(req.headers);
      handler(res, body, bodies.length);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const f: Fake = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`,
    bodies,
    headers,
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
  fakes.push(f);
  return f;
}

const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void => {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
};
const completion = (content: string | null, finish = 'stop'): unknown => ({
  id: 'chatcmpl-x', object: 'chat.completion', created: 1, model: 'm',
  choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: finish }],
  usage: { prompt_tokens: 11, completion_tokens: 4, total_tokens: 15 },
});
const lastUser = (body: Record<string, unknown>): string => {
  const messages = body.messages as ChatMessage[];
  return messages[messages.length - 1]!.content;
};

async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (error) {
    return error;
  }
  assert.fail('expected a rejection');
}

// ---------------------------------------------------------------- the served tiny model

let tokenizer: HfTokenizer;
let model: TransformerLM;
let local: LocalChatPolicy;
let served: PolicyServer;
let remote: RemotePolicy;

before(async () => {
  process.env[KEY_ENV] = KEY;
  delete process.env[NO_KEY_ENV];
  await initBackend({ backend: 'wasm', log: () => {} });
  const corpus = ['Click the blue mug and add it to the cart.', 'Search for shoes, then open the first result.', 'hello world 123'];
  tokenizer = HfTokenizer.fromJson(trainBpeTokenizer(Array(10).fill(corpus).flat(), { vocabSize: 300, specialTokens: ['<|endoftext|>', '<|im_start|>', '<|im_end|>'] }));
  model = new TransformerLM({
    config: { vocab_size: tokenizer.vocabSize, hidden_size: 32, num_hidden_layers: 1, num_attention_heads: 2, num_key_value_heads: 2, intermediate_size: 64, max_position_embeddings: 256 },
    seed: 3, initStd: 0.2,
  });
  local = new LocalChatPolicy({ policy: model, tokenizer, template: CHATML_TEMPLATE, name: 'tiny' });
  served = await servePolicy(local, { defaults: { maxNewTokens: 6 } });
  remote = new RemotePolicy({ baseURL: served.url, model: 'tiny', apiKeyEnv: NO_KEY_ENV });
});

after(async () => {
  await served.close();
  await Promise.all(fakes.map((f) => f.close()));
  model.dispose();
  delete process.env[KEY_ENV];
});

async function post(url: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: Record<string, unknown>; text: string }> {
  const res = await fetch(`${url}/chat/completions`, {
    method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let parsed: Record<string, unknown> = {};
  try {
    parsed = JSON.parse(text) as Record<string, unknown>;
  } catch {
    // SSE or plain text
  }
  return { status: res.status, body: parsed, text };
}

describe('servePolicy + RemotePolicy end to end', () => {
  const conversations = [user('hello'), user('Click the blue mug and add it to the cart.'), [{ role: 'system', content: 'be brief' }, ...user('world 123')] as ChatMessage[], user('Search')];

  test('concurrent greedy requests: in order, with usage, same text as calling the policy directly', async () => {
    const requests: ChatRequest[] = conversations.map((messages) => ({ messages, temperature: 0, maxNewTokens: 5 }));
    const direct = await local.chat(requests);
    const [viaHttp, again] = await Promise.all([remote.chat(requests), remote.chat(requests.slice(1, 3))]);
    assert.equal(viaHttp.length, 4);
    viaHttp.forEach((reply, i) => {
      assert.equal(reply.text, direct[i]!.text, `request ${i}`);
      assert.equal(reply.finishReason, direct[i]!.finishReason);
      assert.deepEqual(reply.usage, direct[i]!.usage);
      assert.equal(reply.completion, undefined); // text only over HTTP
    });
    // Prompts of different lengths: the usage proves the order.
    assert.equal(new Set(viaHttp.map((r) => r.usage?.promptTokens)).size, 4);
    assert.deepEqual(again.map((r) => r.text), [direct[1]!.text, direct[2]!.text]);
  });

  test('GET /v1/models lists the served model', async () => {
    const res = await fetch(`${served.url}/models`);
    assert.equal(res.status, 200);
    const body = await res.json() as { object: string; data: Array<{ id: string; object: string }> };
    assert.equal(body.object, 'list');
    assert.deepEqual(body.data.map((m) => [m.id, m.object]), [['tiny', 'model']]);
    assert.equal((await fetch(`${served.url}/models/tiny`)).status, 200);
    assert.equal((await fetch(`${served.url}/models/other`)).status, 404);
  });

  test('n: 2 gives two choices sampled with seed and seed + 1, in the OpenAI response shape', async () => {
    const messages = conversations[1]!;
    const { status, body } = await post(served.url, { model: 'tiny', messages, n: 2, seed: 5, temperature: 1, max_tokens: 6 });
    assert.equal(status, 200);
    assert.match(body.id as string, /^chatcmpl-[0-9a-f]{32}$/);
    assert.equal(body.object, 'chat.completion');
    assert.equal(body.model, 'tiny');
    assert.ok(Number.isInteger(body.created));
    const choices = body.choices as Array<{ index: number; message: { role: string; content: string }; finish_reason: string }>;
    const direct = await local.chat([{ messages, seed: 5, temperature: 1, maxNewTokens: 6 }, { messages, seed: 6, temperature: 1, maxNewTokens: 6 }]);
    assert.deepEqual(choices.map((c) => [c.index, c.message.role, c.message.content, c.finish_reason]),
      direct.map((d, i) => [i, 'assistant', d.text, d.finishReason]));
    assert.notEqual(choices[0]!.message.content, choices[1]!.message.content);
    const usage = body.usage as Record<string, number>;
    assert.equal(usage.prompt_tokens, direct[0]!.usage!.promptTokens);
    assert.equal(usage.completion_tokens, direct[0]!.usage!.completionTokens + direct[1]!.usage!.completionTokens);
    assert.equal(usage.total_tokens, usage.prompt_tokens! + usage.completion_tokens);
  });

  test('stream: true sends chat.completion.chunk events ending in [DONE]', async () => {
    const messages = conversations[0]!;
    const res = await fetch(`${served.url}/chat/completions`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ messages, temperature: 0, max_tokens: 5, stream: true, stream_options: { include_usage: true } }),
    });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/event-stream/);
    const text = await res.text();
    assert.ok(text.endsWith('data: [DONE]\n\n'), text.slice(-80));
    const events = text.split('\n\n').filter((e) => e !== '');
    assert.ok(events.every((e) => e.startsWith('data: ')));
    const chunks = events.slice(0, -1).map((e) => JSON.parse(e.slice(6)) as {
      id: string; object: string; choices: Array<{ delta: { content?: string; role?: string }; finish_reason: string | null }>; usage: unknown;
    });
    assert.ok(chunks.every((c) => c.object === 'chat.completion.chunk' && c.id === chunks[0]!.id));
    const content = chunks.flatMap((c) => c.choices.map((ch) => ch.delta.content ?? '')).join('');
    const [direct] = await local.chat([{ messages, temperature: 0, maxNewTokens: 5 }]);
    assert.equal(content, direct!.text);
    assert.equal(chunks[0]!.choices[0]!.delta.role, 'assistant');
    const finish = chunks.flatMap((c) => c.choices.map((ch) => ch.finish_reason)).filter((f) => f !== null);
    assert.deepEqual(finish, [direct!.finishReason]);
    assert.deepEqual(chunks[chunks.length - 1]!.usage, {
      prompt_tokens: direct!.usage!.promptTokens, completion_tokens: direct!.usage!.completionTokens,
      total_tokens: direct!.usage!.promptTokens + direct!.usage!.completionTokens,
    });
  });

  test('logprobs: true returns the behaviour logprob of each reply token', async () => {
    const messages = conversations[2]!;
    const { body } = await post(served.url, { messages, temperature: 0, max_tokens: 5, logprobs: true });
    const lp = (body.choices as Array<{ logprobs: { content: Array<{ token: string; logprob: number }> } }>)[0]!.logprobs.content;
    const [direct] = await local.chat([{ messages, temperature: 0, maxNewTokens: 5 }]);
    const ids = [...direct!.completion!.tokenIds].filter((id) => !local.endTokenIds.includes(id));
    assert.equal(lp.length, ids.length);
    lp.forEach((entry, i) => {
      assert.equal(entry.token, tokenizer.decode([ids[i]!]));
      assert.ok(Math.abs(entry.logprob - direct!.completion!.logprobs[i]!) < 1e-4, `token ${i}`);
    });
  });

  test('logprobs leave out the end-of-turn token, as the text does', async () => {
    // Make the token greedy decoding writes third the end-of-turn token of a second chat policy.
    const messages = conversations[2]!;
    const [plain] = await local.chat([{ messages, temperature: 0, maxNewTokens: 3 }]);
    const endId = plain!.completion!.tokenIds[2]!;
    const ended = new LocalChatPolicy({ policy: model, tokenizer, template: CHATML_TEMPLATE, name: 'ended', endTokens: [tokenizer.idToToken(endId)!] });
    await using server = await servePolicy(ended);
    const { body } = await post(server.url, { messages, temperature: 0, max_tokens: 8, logprobs: true });
    const choice = (body.choices as Array<{ finish_reason: string; logprobs: { content: Array<{ logprob: number }> } }>)[0]!;
    const [direct] = await ended.chat([{ messages, temperature: 0, maxNewTokens: 8 }]);
    assert.equal(choice.finish_reason, 'stop');
    assert.equal(direct!.completion!.tokenIds[direct!.completion!.tokenIds.length - 1], endId);
    assert.equal(choice.logprobs.content.length, direct!.completion!.tokenIds.length - 1);
  });

  test('no tf tensor leaks across a served request', async () => {
    const request = { model: 'tiny', messages: conversations[1], temperature: 0.7, max_tokens: 6, seed: 1 };
    assert.equal((await post(served.url, request)).status, 200); // burn-in
    const before = tf.memory().numTensors;
    assert.equal((await post(served.url, request)).status, 200);
    assert.equal(tf.memory().numTensors, before);
  });
});

// ---------------------------------------------------------------- RemotePolicy vs fake servers

describe('RemotePolicy against fake servers', () => {
  test('maps sampling options to the body, sends the key as a Bearer token', async () => {
    const f = await fake((res, body) => json(res, 200, completion(`re:${lastUser(body)}`, 'length')));
    const policy = new RemotePolicy({ baseURL: `${f.url}/`, model: 'gpt-x', apiKeyEnv: KEY_ENV, extraBody: { chat_template_kwargs: { enable_thinking: false } } });
    const replies = await policy.chat([
      { messages: user('a'), temperature: 0.5, topP: 0.9, topK: 5, maxNewTokens: 7, stop: ['x', 'y'], stopTokenIds: [3], seed: 9 },
      { messages: user('b') },
    ], { temperature: 1, maxNewTokens: 3 });
    assert.deepEqual(replies, [
      { text: 're:a', finishReason: 'length', usage: { promptTokens: 11, completionTokens: 4 } },
      { text: 're:b', finishReason: 'length', usage: { promptTokens: 11, completionTokens: 4 } },
    ]);
    const byUser = new Map(f.bodies.map((b) => [lastUser(b), b]));
    assert.deepEqual(byUser.get('a'), {
      model: 'gpt-x', messages: [{ role: 'user', content: 'a' }], temperature: 0.5, top_p: 0.9, top_k: 5, max_tokens: 7,
      stop: ['x', 'y'], stop_token_ids: [3], seed: 9, chat_template_kwargs: { enable_thinking: false },
    });
    assert.deepEqual(byUser.get('b'), {
      model: 'gpt-x', messages: [{ role: 'user', content: 'b' }], temperature: 1, max_tokens: 3, chat_template_kwargs: { enable_thinking: false },
    });
    assert.ok(f.headers.every((h) => h.authorization === `Bearer ${KEY}`));
    assert.equal(policy.hasApiKey, true);
  });

  test('no key in the environment: no Authorization header; null content reads as ""', async () => {
    const f = await fake((res) => json(res, 200, completion(null)));
    const policy = new RemotePolicy({ baseURL: f.url, model: 'm', apiKeyEnv: NO_KEY_ENV });
    const [reply] = await policy.chat([{ messages: user('q') }]);
    assert.deepEqual(reply, { text: '', finishReason: 'stop', usage: { promptTokens: 11, completionTokens: 4 } });
    assert.equal(f.headers[0]!.authorization, undefined);
  });

  test('more than 4 stop strings is an OptionsError before any request', async () => {
    const f = await fake((res) => json(res, 200, completion('x')));
    const policy = new RemotePolicy({ baseURL: f.url, model: 'm' });
    await assert.rejects(policy.chat([{ messages: user('q'), stop: ['a', 'b', 'c', 'd', 'e'] }]), (e: unknown) => e instanceof OptionsError && /at most 4/.test(e.message));
    assert.equal(f.bodies.length, 0);
    assert.throws(() => new RemotePolicy({ baseURL: 'not a url', model: 'm' }), OptionsError);
    assert.throws(() => new RemotePolicy({ baseURL: f.url, model: 'm', maxConcurrency: 0 }), /maxConcurrency/);
  });

  test('retries a 429 (Retry-After: 0 honoured) and a 503, then succeeds', async () => {
    const f = await fake((res, _body, attempt) => {
      if (attempt === 1) json(res, 429, { error: { message: 'slow down' } }, { 'retry-after': '0' });
      else if (attempt === 2) json(res, 503, { error: { message: 'overloaded' } });
      else json(res, 200, completion('ok'));
    });
    const retries: RemoteRetryInfo[] = [];
    const policy = new RemotePolicy({ baseURL: f.url, model: 'm', retryDelayMs: 200, onRetry: (info) => retries.push(info) });
    const [reply] = await policy.chat([{ messages: user('q') }]);
    assert.equal(reply!.text, 'ok');
    assert.equal(f.bodies.length, 3);
    assert.deepEqual(retries.map((r) => [r.attempt, r.status]), [[1, 429], [2, 503]]);
    assert.equal(retries[0]!.delayMs, 0); // Retry-After, not the 200 ms backoff
    assert.ok(retries[1]!.delayMs >= 200 && retries[1]!.delayMs <= 400, `backoff ${retries[1]!.delayMs}`); // 200 * 2^1, equal jitter
  });

  test('gives up after maxRetries with the last status', async () => {
    const f = await fake((res) => json(res, 503, { error: { message: 'down for maintenance' } }));
    const policy = new RemotePolicy({ baseURL: f.url, model: 'm', maxRetries: 2, retryDelayMs: 5 });
    const error = await rejection(policy.chat([{ messages: user('q') }]));
    assert.ok(error instanceof RemotePolicyError);
    assert.equal(error.status, 503);
    assert.equal(error.retryable, true);
    assert.match(error.message, /503.*down for maintenance/);
    assert.equal(f.bodies.length, 3);
  });

  test('a 400 fails at once with the server\'s message and status', async () => {
    const f = await fake((res) => json(res, 400, { error: { message: "Unsupported parameter: 'top_k'", type: 'invalid_request_error' } }));
    const policy = new RemotePolicy({ baseURL: f.url, model: 'm', retryDelayMs: 5 });
    const error = await rejection(policy.chat([{ messages: user('q') }]));
    assert.ok(error instanceof RemotePolicyError);
    assert.equal(error.status, 400);
    assert.equal(error.retryable, false);
    assert.match(error.message, /HTTP 400: Unsupported parameter: 'top_k'/);
    assert.equal(f.bodies.length, 1);
  });

  test('401 names the env var, never the key (even when the server echoes it); inspect shows no key', async () => {
    const f = await fake((res) => json(res, 401, { error: { message: `Incorrect API key provided: ${KEY}` } }));
    const policy = new RemotePolicy({ baseURL: f.url, model: 'm', apiKeyEnv: KEY_ENV });
    const error = await rejection(policy.chat([{ messages: user('q') }]));
    assert.ok(error instanceof RemotePolicyError);
    assert.equal(error.status, 401);
    assert.match(error.message, new RegExp(`401.*environment variable ${KEY_ENV}`));
    assert.match(error.message, /\[redacted\]/);
    for (const shown of [error.message, error.stack ?? '', inspect(error, { depth: 9, showHidden: true }), String(policy), JSON.stringify(policy), inspect(policy, { depth: 9, showHidden: true })]) {
      assert.ok(!shown.includes(KEY) && !shown.includes('SECRET'), shown);
    }
    assert.equal(f.bodies.length, 1);
  });

  test('malformed JSON and missing choices are clear errors', async () => {
    const notJson = await fake((res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('<html>gateway</html>');
    });
    const noChoices = await fake((res) => json(res, 200, { object: 'chat.completion', choices: [] }));
    await assert.rejects(new RemotePolicy({ baseURL: notJson.url, model: 'm' }).chat([{ messages: user('q') }]), /not JSON: <html>gateway<\/html>/);
    await assert.rejects(new RemotePolicy({ baseURL: noChoices.url, model: 'm' }).chat([{ messages: user('q') }]), /no choices\[0\]\.message/);
    assert.equal(notJson.bodies.length + noChoices.bodies.length, 2); // not retried
  });

  test('a server that never answers times out within timeoutMs', async () => {
    const f = await fake(() => {}); // never responds
    const policy = new RemotePolicy({ baseURL: f.url, model: 'm', timeoutMs: 300, maxRetries: 0 });
    const start = Date.now();
    const error = await rejection(policy.chat([{ messages: user('q') }]));
    const elapsed = Date.now() - start;
    assert.ok(error instanceof RemotePolicyError);
    assert.match(error.message, /timed out after 300 ms/);
    assert.equal(error.retryable, true);
    assert.ok(elapsed >= 280 && elapsed < 1500, `elapsed ${elapsed} ms`);
  });

  test('a refused connection is a retryable network error', async () => {
    const f = await fake(() => {});
    const url = f.url;
    await f.close();
    const retries: RemoteRetryInfo[] = [];
    const policy = new RemotePolicy({ baseURL: url, model: 'm', maxRetries: 1, retryDelayMs: 5, onRetry: (i) => retries.push(i) });
    const error = await rejection(policy.chat([{ messages: user('q') }]));
    assert.ok(error instanceof RemotePolicyError);
    assert.equal(error.status, undefined);
    assert.match(error.message, /failed: fetch failed/);
    assert.equal(retries.length, 1);
  });

  test('maxConcurrency 2: the server never sees more than 2 requests in flight; replies in order', async () => {
    let inFlight = 0;
    let most = 0;
    const f = await fake((res, body) => {
      inFlight++;
      most = Math.max(most, inFlight);
      setTimeout(() => {
        inFlight--;
        json(res, 200, completion(`re:${lastUser(body)}`));
      }, 40);
    });
    const policy = new RemotePolicy({ baseURL: f.url, model: 'm', maxConcurrency: 2 });
    const replies = await policy.chat(Array.from({ length: 6 }, (_, i) => ({ messages: user(String(i)) })));
    assert.deepEqual(replies.map((r) => r.text), ['re:0', 're:1', 're:2', 're:3', 're:4', 're:5']);
    assert.equal(most, 2);
    assert.equal(f.bodies.length, 6);
  });

  test('the caller\'s abort rejects promptly with its reason, without retries', async () => {
    const f = await fake(() => {});
    const policy = new RemotePolicy({ baseURL: f.url, model: 'm', maxConcurrency: 1, timeoutMs: 10_000, retryDelayMs: 5 });
    const controller = new AbortController();
    const reason = new Error('user stopped the evaluation');
    setTimeout(() => controller.abort(reason), 50);
    const start = Date.now();
    const error = await rejection(policy.chat([{ messages: user('a') }, { messages: user('b') }], undefined, { signal: controller.signal }));
    assert.equal(error, reason);
    assert.ok(Date.now() - start < 1000, `took ${Date.now() - start} ms`);
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(f.bodies.length, 1); // the second waited for a slot and never went out
  });
});

// ---------------------------------------------------------------- server errors

/** Echoes the last message; throws when it says "fail"; records what it was asked. */
class EchoPolicy implements ChatPolicy {
  readonly name = 'echo';
  readonly calls: Array<{ requests: readonly ChatRequest[]; sampling: SamplingOptions | undefined }> = [];
  aborted: Promise<unknown> | undefined;
  /** Resolves when a "hang" request reaches the policy. */
  hanging: { promise: Promise<void>; resolve: () => void } = (() => {
    let resolve!: () => void;
    return { promise: new Promise<void>((r) => (resolve = r)), resolve };
  })();
  async chat(requests: readonly ChatRequest[], sampling?: SamplingOptions, options: { signal?: AbortSignal } = {}): Promise<ChatReply[]> {
    this.calls.push({ requests, sampling });
    const last = requests[0]!.messages[requests[0]!.messages.length - 1]!.content;
    if (last === 'fail') throw new Error('weights are on fire');
    if (last === 'hang') {
      this.aborted = new Promise((resolve) => options.signal?.addEventListener('abort', () => resolve(options.signal?.reason), { once: true }));
      this.hanging.resolve();
      await this.aborted;
      throw new Error('aborted');
    }
    return requests.map((r) => ({ text: `echo:${r.messages[r.messages.length - 1]!.content}`, finishReason: 'stop' }));
  }
}

describe('servePolicy requests and errors', () => {
  let echo: EchoPolicy;
  let server: PolicyServer;
  let locked: PolicyServer;
  before(async () => {
    echo = new EchoPolicy();
    server = await servePolicy(echo, { maxBodyBytes: 1000, defaults: { maxNewTokens: 9 } });
    locked = await servePolicy(echo, { apiKey: KEY, model: 'locked' });
  });
  after(async () => {
    await server.close();
    await locked[Symbol.asyncDispose]();
  });

  test('OpenAI fields map to ChatRequests; text parts are joined; developer reads as system', async () => {
    const { status, body } = await post(server.url, {
      model: 'echo', n: 2, seed: 40, temperature: 0.3, top_p: 0.8, max_completion_tokens: 12, top_k: -1, stop: 'END',
      messages: [{ role: 'developer', content: 'rules' }, { role: 'user', content: [{ type: 'text', text: 'a' }, { type: 'text', text: 'b' }] }],
    });
    assert.equal(status, 200);
    assert.equal(body.usage, undefined); // the policy reported no usage
    const call = echo.calls[echo.calls.length - 1]!;
    assert.deepEqual(call.sampling, { maxNewTokens: 9 });
    assert.deepEqual(call.requests, [0, 1].map((i) => ({
      temperature: 0.3, topP: 0.8, maxNewTokens: 12, topK: 0, stop: ['END'], seed: 40 + i,
      messages: [{ role: 'system', content: 'rules' }, { role: 'user', content: 'a\nb' }],
    })));
    // Without a seed each call samples afresh: the n choices get different seeds.
    await post(server.url, { messages: user('x'), n: 2 });
    const seeds = echo.calls[echo.calls.length - 1]!.requests.map((r) => r.seed!);
    assert.equal(seeds[1]! - seeds[0]!, 1);
  });

  test('bad JSON, missing messages, bad role, bad types: 400 in OpenAI error shape naming the field', async () => {
    const bad = await post(server.url, '{"messages": [');
    assert.equal(bad.status, 400);
    const err = bad.body.error as Record<string, unknown>;
    assert.equal(err.type, 'invalid_request_error');
    assert.match(err.message as string, /not valid JSON/);
    assert.deepEqual(Object.keys(err).sort(), ['code', 'message', 'param', 'type']);
    const missing = await post(server.url, { model: 'echo' });
    assert.equal(missing.status, 400);
    assert.equal((missing.body.error as Record<string, unknown>).param, 'messages');
    assert.match((missing.body.error as Record<string, string>).message!, /'messages' is required/);
    const role = await post(server.url, { messages: [{ role: 'tool', content: 'x' }] });
    assert.equal((role.body.error as Record<string, unknown>).param, 'messages[0].role');
    const temp = await post(server.url, { messages: user('x'), temperature: 'hot' });
    assert.equal(temp.status, 400);
    assert.equal((temp.body.error as Record<string, unknown>).param, 'temperature');
    const model = await post(server.url, { model: 'gpt-4o', messages: user('x') });
    assert.equal(model.status, 404);
    assert.equal((model.body.error as Record<string, unknown>).code, 'model_not_found');
  });

  test('404 unknown path, 405 wrong method, 413 large body', async () => {
    const unknown = await fetch(`${server.url}/completions`, { method: 'POST', body: '{}' });
    assert.equal(unknown.status, 404);
    assert.ok(((await unknown.json()) as { error: { message: string } }).error.message.includes('/v1/completions'));
    const wrong = await fetch(`${server.url}/chat/completions`);
    assert.equal(wrong.status, 405);
    assert.equal(wrong.headers.get('allow'), 'POST');
    await wrong.text();
    const large = await post(server.url, { messages: user('x'.repeat(2000)) });
    assert.equal(large.status, 413);
    // Chunked, no Content-Length: cut off while reading.
    const chunk = new TextEncoder().encode(' '.repeat(600));
    const body = new ReadableStream<Uint8Array>({ start(c) { c.enqueue(chunk); c.enqueue(chunk); c.close(); } });
    const chunked = await fetch(`${server.url}/chat/completions`, { method: 'POST', body, duplex: 'half' } as RequestInit);
    assert.equal(chunked.status, 413);
    assert.equal(((await chunked.json()) as { error: { code: string } }).error.code, 'request_too_large');
  });

  test('apiKey: missing or wrong bearer token is 401; RemotePolicy with the key gets through', async () => {
    const none = await post(locked.url, { messages: user('hi') });
    assert.equal(none.status, 401);
    assert.equal((none.body.error as Record<string, unknown>).code, 'invalid_api_key');
    assert.equal((await post(locked.url, { messages: user('hi') }, { authorization: 'Bearer nope' })).status, 401);
    assert.equal((await fetch(`${locked.url}/models`)).status, 401);
    const [reply] = await new RemotePolicy({ baseURL: locked.url, model: 'locked', apiKeyEnv: KEY_ENV }).chat([{ messages: user('hi') }]);
    assert.equal(reply!.text, 'echo:hi');
    const error = await rejection(new RemotePolicy({ baseURL: locked.url, model: 'locked', apiKeyEnv: NO_KEY_ENV }).chat([{ messages: user('hi') }]));
    assert.match((error as Error).message, new RegExp(`401.*${NO_KEY_ENV} is not set`));
  });

  test('a policy that throws gives 500 with its message, and the server answers the next request', async () => {
    const failed = await post(server.url, { messages: user('fail') });
    assert.equal(failed.status, 500);
    assert.equal((failed.body.error as Record<string, unknown>).type, 'server_error');
    assert.match((failed.body.error as Record<string, string>).message!, /weights are on fire/);
    const ok = await post(server.url, { messages: user('next') });
    assert.equal(ok.status, 200);
    assert.equal((ok.body.choices as Array<{ message: { content: string } }>)[0]!.message.content, 'echo:next');
  });

  test('a client that disconnects aborts the policy call', async () => {
    const controller = new AbortController();
    const request = fetch(`${server.url}/chat/completions`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ messages: user('hang') }), signal: controller.signal,
    });
    await echo.hanging.promise; // the request reached the policy
    assert.ok(echo.aborted !== undefined, 'the policy was called');
    controller.abort();
    await assert.rejects(request);
    const reason = await Promise.race([echo.aborted, new Promise((r) => setTimeout(() => r('not aborted'), 2000))]);
    assert.match(String(reason), /client disconnected/);
    assert.equal((await post(server.url, { messages: user('still up') })).status, 200);
  });
});
