// The API key of a remote policy never leaves its private field: a whole evaluation through an
// OpenAI-compatible endpoint that echoes the key in its error bodies (a 503 that is retried, a
// 401 that ends a run) leaves no trace of it in anything the library prints, emits, returns or
// writes: console output, onRetry events, trajectories, the evaluation report, JSONL files,
// errors (message, stack, causes, util.inspect) and the inspected policy and agent.

import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { inspect } from 'node:util';
import { appendJsonl, saveJsonl } from '../src/data/jsonl.js';
import type { Trajectory } from '../src/data/trajectory.js';
import { Agent } from '../src/agent/agent.js';
import { RemotePolicy, type RemoteRetryInfo } from '../src/agent/remote.js';
import { evaluate } from '../src/rl/evaluate.js';
import { answerIncludes } from '../src/tasks/checkers.js';
import type { WebTask } from '../src/tasks/types.js';
import { ScriptedEnvironment, scriptedShop, SCRIPTED_SHOP_PRODUCTS, SCRIPTED_SHOP_URL } from '../src/testing/index.js';

const KEY = 'sk-live-7Hq2-SECRET-do-not-leak-91xZ';
const KEY_ENV = 'WEBAGENT_SECRETS_TEST_KEY';
const TASKS: WebTask[] = SCRIPTED_SHOP_PRODUCTS.slice(0, 3).map((p) => ({
  id: `price/${p.slug}`, intent: `What does the ${p.name} cost?`, startUrl: SCRIPTED_SHOP_URL, site: 'shop',
  check: answerIncludes([p.price]), meta: { template: 'price' },
}));

/**
 * Everything written to the console and to stderr while `run` runs. (stdout itself is left alone:
 * the test runner reports through it; the library writes to stdout only through console.)
 */
async function captureOutput<T>(run: () => Promise<T>): Promise<{ value?: T; error?: unknown; output: string }> {
  const chunks: string[] = [];
  const saved = { log: console.log, info: console.info, warn: console.warn, error: console.error, debug: console.debug, err: process.stderr.write };
  const keep = (...args: unknown[]): void => {
    chunks.push(args.map((a) => (typeof a === 'string' ? a : inspect(a, { depth: 9 }))).join(' '));
  };
  console.log = console.info = console.warn = console.error = console.debug = keep;
  process.stderr.write = ((chunk: string | Uint8Array) => (chunks.push(String(chunk)), true)) as typeof process.stderr.write;
  try {
    return { value: await run(), output: chunks.join('\n') };
  } catch (error) {
    return { error, output: chunks.join('\n') };
  } finally {
    Object.assign(console, { log: saved.log, info: saved.info, warn: saved.warn, error: saved.error, debug: saved.debug });
    process.stderr.write = saved.err;
  }
}

/** Every string an error carries, down its cause chain. */
function errorText(error: unknown): string {
  const parts: string[] = [];
  for (let e: unknown = error, depth = 0; e !== undefined && depth < 10; e = (e as { cause?: unknown }).cause, depth++) {
    parts.push(String(e), (e as Error).stack ?? '', inspect(e, { depth: 9, showHidden: true }), JSON.stringify(e) ?? '');
  }
  return parts.join('\n');
}

function assertNoKey(where: string, text: string): void {
  assert.ok(!text.includes(KEY), `the API key appears in ${where}`);
  assert.ok(!text.includes('SECRET-do-not-leak'), `part of the API key appears in ${where}`);
}

describe('remote policy secrets', () => {
  let server: Server;
  let url = '';
  let mode: 'flaky' | 'unauthorized' = 'flaky';
  let requests = 0;
  let dir = '';
  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'webagent-secrets-'));
    process.env[KEY_ENV] = KEY;
    server = createServer((req: IncomingMessage, res: ServerResponse) => {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () => {
        requests++;
        const json = (status: number, value: unknown): void => {
          res.writeHead(status, { 'content-type': 'application/json' });
          res.end(JSON.stringify(value));
        };
        // Servers that echo what they were sent are common; the key must be redacted all the same.
        const sent = req.headers.authorization ?? '';
        if (mode === 'unauthorized') return json(401, { error: { message: `Incorrect API key provided: ${sent.replace('Bearer ', '')}` } });
        if (requests % 3 === 1) return json(503, { error: { message: `overloaded (request with ${sent})` } });
        assert.equal(sent, `Bearer ${KEY}`);
        const asked = (JSON.parse(body) as { messages: { role: string; content: string }[] }).messages.map((m) => m.content).join('\n');
        const product = SCRIPTED_SHOP_PRODUCTS.find((p) => asked.includes(`What does the ${p.name} cost?`));
        json(200, { object: 'chat.completion', choices: [{ index: 0, finish_reason: 'stop', message: { role: 'assistant', content: `exit(message="${product?.price ?? 'unknown'}")` } }] });
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  });
  after(async () => {
    delete process.env[KEY_ENV];
    server?.closeAllConnections();
    await new Promise((resolve) => server?.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  });

  test('an evaluation with retried 503s that echo the key: no trace in output, events, trajectories, report or JSONL', async () => {
    mode = 'flaky';
    const retries: RemoteRetryInfo[] = [];
    const policy = new RemotePolicy({ baseURL: url, model: 'm', apiKeyEnv: KEY_ENV, maxRetries: 3, retryDelayMs: 1, maxRetryDelayMs: 2, onRetry: (info) => retries.push(info) });
    const agent = new Agent({ policy, prompt: { template: 'plain', think: false } });
    const trajectories: Trajectory[] = [];
    const { value: report, error, output } = await captureOutput(() =>
      evaluate(TASKS, { agent, makeEnvironment: () => new ScriptedEnvironment(scriptedShop()), concurrency: 1, onTrajectory: (t) => trajectories.push(t) }),
    );
    assert.equal(error, undefined, errorText(error));
    assert.ok(retries.length >= 1, 'the fake server answered 503 and the policy retried');
    assert.equal(report!.episodes, TASKS.length);
    assert.equal(report!.success, 1);
    const file = path.join(dir, 'trajectories.jsonl');
    await saveJsonl(file, trajectories);
    await appendJsonl(path.join(dir, 'appended.jsonl'), trajectories[0]!);
    assertNoKey('console output', output);
    assertNoKey('onRetry events', retries.map((r) => `${inspect(r, { depth: 9, showHidden: true })}\n${errorText(r.error)}`).join('\n'));
    assertNoKey('trajectories', JSON.stringify(trajectories));
    assertNoKey('the evaluation report', JSON.stringify(report));
    assertNoKey('the JSONL files', readFileSync(file, 'utf8') + readFileSync(path.join(dir, 'appended.jsonl'), 'utf8'));
    assertNoKey('the inspected policy and agent', inspect(policy, { depth: 9, showHidden: true }) + inspect(agent, { depth: 9, showHidden: true }) + JSON.stringify(policy));
  });

  test('a run ended by a 401 that echoes the key: the error names the variable, never the key', async () => {
    mode = 'unauthorized';
    const policy = new RemotePolicy({ baseURL: url, model: 'm', apiKeyEnv: KEY_ENV, maxRetries: 1, retryDelayMs: 1 });
    const agent = new Agent({ policy, prompt: { template: 'plain', think: false } });
    const { error, output } = await captureOutput(() => evaluate(TASKS, { agent, makeEnvironment: () => new ScriptedEnvironment(scriptedShop()), concurrency: 1 }));
    assert.ok(error instanceof Error, 'the run fails');
    assert.match(errorText(error), new RegExp(`environment variable ${KEY_ENV}`));
    assert.match(errorText(error), /\[redacted\]/);
    assertNoKey('the error', errorText(error));
    assertNoKey('console output', output);
  });
});
