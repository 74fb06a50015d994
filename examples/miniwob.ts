// MiniWoB++ evaluation: runs a web agent on tasks of a miniwob-plusplus checkout (served on
// 127.0.0.1 by MiniWoBSuite) or of a URL where one is served, in real Chromium, and prints the
// success per task and overall. The agent sees the same observations and writes the same actions
// as on the bundled suites; the instruction is the page's own utterance, the reward the page's.
//
//   git clone https://github.com/Farama-Foundation/miniwob-plusplus
//   npx tsx examples/miniwob.ts miniwob-plusplus/miniwob/html/miniwob --model /path/to/Qwen2.5-0.5B-Instruct [--template tokenizer]
//   npx tsx examples/miniwob.ts miniwob-plusplus --model checkpoints/quickstart          (a small policy's checkpoint)
//   OPENAI_API_KEY=... npx tsx examples/miniwob.ts http://127.0.0.1:8000/miniwob/ --remote https://api.openai.com/v1 --model gpt-4o --tasks click-test,enter-text
//
// Options: --tasks a,b,c (default: REFERENCE's starter tasks present in the checkout; `all` for
// every listed task), --seeds N (episodes per task, seeds 0..N-1; default 3), --turns N (default
// 6), --concurrency N (default 2), --template plain|chatml|tokenizer, --bare (no <think>),
// --targets id|name, --max-new-tokens N, --api-key-env NAME, --chromium PATH.

import { parseArgs } from 'node:util';
import {
  Agent, BrowserPool, RemotePolicy, WebEnvironment, ensureChromium, evaluate,
} from '../src/index.js';
import { MiniWoBSuite, MINIWOB_STARTER_TASKS } from '../src/miniwob/index.js';
import { type PromptTemplate } from '../src/agent/index.js';

const { values: args, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    tasks: { type: 'string' },
    seeds: { type: 'string', default: '3' },
    turns: { type: 'string', default: '6' },
    concurrency: { type: 'string', default: '2' },
    model: { type: 'string' },
    remote: { type: 'string' },
    'api-key-env': { type: 'string', default: 'OPENAI_API_KEY' },
    template: { type: 'string' },
    targets: { type: 'string' },
    bare: { type: 'boolean', default: false },
    'max-new-tokens': { type: 'string', default: '256' },
    chromium: { type: 'string' },
  },
});

function usage(message: string): never {
  console.error(`${message}\nusage: examples/miniwob.ts <miniwob/html/miniwob folder or URL> (--model <HF folder or checkpoint> | --remote <base URL> --model <name>) [--tasks a,b,c|all] [--seeds N]`);
  process.exit(2);
}

function count(name: 'seeds' | 'turns' | 'concurrency' | 'max-new-tokens'): number {
  const v = Number(args[name]);
  if (!Number.isInteger(v) || v < 1) usage(`--${name} must be a positive integer, got ${args[name]}`);
  return v;
}

if (positionals.length !== 1) usage('give one MiniWoB++ folder or URL');
if (args.model === undefined) usage('give --model (a local model folder, or the model name with --remote)');
if (args.template !== undefined && !['plain', 'chatml', 'tokenizer'].includes(args.template)) usage(`--template must be plain, chatml or tokenizer, got ${args.template}`);
if (args.targets !== undefined && args.targets !== 'id' && args.targets !== 'name') usage(`--targets must be id or name, got ${args.targets}`);

async function main(): Promise<void> {
  const maxTurns = count('turns');
  const prompt = {
    think: !args.bare,
    ...(args.template !== undefined ? { template: args.template as PromptTemplate } : {}),
    ...(args.targets !== undefined ? { targets: args.targets as 'id' | 'name' } : {}),
  };
  const sampling = { temperature: 0, maxNewTokens: count('max-new-tokens') };
  const agent = args.remote !== undefined
    ? new Agent({ policy: new RemotePolicy({ baseURL: args.remote, model: args.model!, apiKeyEnv: args['api-key-env'] }), prompt, sampling })
    : await Agent.fromPretrained(args.model!, { ...prompt, sampling });
  try {
    await using suite = await MiniWoBSuite.open(positionals[0]!);
    const listed = suite.dir !== undefined ? suite.taskNames() : undefined;
    const names = args.tasks === 'all'
      ? (listed ?? usage('--tasks all needs a local checkout: tasks served at a URL cannot be listed'))
      : args.tasks !== undefined
        ? args.tasks.split(',').map((s) => s.trim()).filter(Boolean)
        : MINIWOB_STARTER_TASKS.filter((n) => listed === undefined || listed.includes(n));
    const tasks = suite.tasks({ names, seeds: count('seeds'), maxTurns });
    const executablePath = await ensureChromium({ ...(args.chromium ? { executablePath: args.chromium } : {}) });
    await using pool = new BrowserPool({ executablePath });
    console.log(`${names.length} MiniWoB++ tasks x ${count('seeds')} seeds from ${suite.baseUrl}`);
    const report = await evaluate(tasks, {
      agent,
      maxTurns,
      concurrency: count('concurrency'),
      makeEnvironment: () => new WebEnvironment({ pool, maxTurns }),
      onTrajectory: (t) => console.log(`  ${t.taskId.padEnd(40)} reward ${t.reward}  turns ${t.stats.turns}`),
    });
    console.log('\ntask                         success');
    for (const [template, r] of Object.entries(report.perTemplate)) {
      console.log(`${template.replace(/^miniwob\./, '').padEnd(28)} ${Math.round(r.success * r.episodes)}/${r.episodes}`);
    }
    console.log(`overall ${(report.success * 100).toFixed(1)}% of ${report.episodes} episodes (${report.tasks} task instances), mean turns ${report.meanTurns.toFixed(1)}`);
  } finally {
    agent.dispose();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
