// A pretrained Hugging Face model as a web agent: loads a Qwen2 / Llama checkpoint folder from
// disk (for example Qwen2.5-0.5B-Instruct: config.json, model.safetensors, tokenizer.json,
// tokenizer_config.json; nothing is downloaded), prompts it in WebAgent-R1's format on tasks of
// the bundled shop (one test instance each of a price look-up, add to cart, checkout and a
// count) in real Chromium, and prints each action and the 0/1 reward of the task's checker.
// With --remote it evaluates an OpenAI-compatible endpoint (vLLM, an API model) instead.
//
//   npx tsx examples/pretrained-agent.ts /path/to/Qwen2.5-0.5B-Instruct [--episodes 2] [--turns 8] [--max-new-tokens 256] [--bare]
//   OPENAI_API_KEY=... npx tsx examples/pretrained-agent.ts --remote https://api.openai.com/v1 --model gpt-4o

import { parseArgs } from 'node:util';
import {
  Agent, BrowserPool, BundledSuite, RemotePolicy, WebEnvironment, ensureChromium, formatAction, startSuiteServer,
} from '../src/index.js';
import { type AgentHistoryTurn } from '../src/agent/index.js';

const { values: args, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    episodes: { type: 'string', default: '2' },
    turns: { type: 'string', default: '8' },
    remote: { type: 'string' },
    model: { type: 'string' },
    bare: { type: 'boolean', default: false }, // ask for the bare action, no <think>/<answer>
    'max-new-tokens': { type: 'string', default: '256' },
    chromium: { type: 'string' },
  },
});
const episodes = Number(args.episodes);
const maxTurns = Number(args.turns);
if (positionals.length !== 1 && args.remote === undefined) {
  console.error('usage: examples/pretrained-agent.ts <model folder> | --remote <base URL> --model <name>');
  process.exit(2);
}

async function main(): Promise<void> {
  const agent = args.remote !== undefined
    ? new Agent({ policy: new RemotePolicy({ baseURL: args.remote, model: args.model ?? 'default' }), prompt: { think: !args.bare } })
    : await Agent.fromPretrained(positionals[0]!, { think: !args.bare, sampling: { temperature: 0, maxNewTokens: Number(args['max-new-tokens']) } });
  try {
    const executablePath = await ensureChromium({ ...(args.chromium ? { executablePath: args.chromium } : {}) });
    await using server = await startSuiteServer();
    await using pool = new BrowserPool({ executablePath });
    await using env = new WebEnvironment({ pool, maxTurns });
    const suite = new BundledSuite(server);
    const tasks = ['shop.product-price', 'shop.add-to-cart', 'shop.checkout', 'shop.count'].map((template) => suite.tasks({ split: 'test', templates: [template], perTemplate: 1 })[0]!);
    let solved = 0;
    for (let e = 0; e < episodes; e++) {
      const task = tasks[e % tasks.length]!;
      console.log(`=== ${task.intent}`);
      let observation = await env.reset(task);
      const history: AgentHistoryTurn[] = [];
      for (let turn = 1; turn <= maxTurns; turn++) {
        const started = Date.now();
        const step = await agent.act({ intent: task.intent, history, observation });
        const shown = step.action.type === 'invalid'
          ? `no valid action (${step.action.reason}); reply ${JSON.stringify(step.reply.slice(0, 80))}`
          : formatAction(step.action);
        console.log(`  Round ${turn} (${((Date.now() - started) / 1000).toFixed(1)} s): ${shown}`);
        history.push({ observation, reply: step.reply });
        const result = await env.step(step.action);
        observation = result.observation;
        if (result.terminated || result.truncated) break;
      }
      const { score: reward, reason } = await env.score();
      solved += reward;
      console.log(`  reward ${reward}: ${reason}\n`);
    }
    console.log(`success ${solved}/${episodes}`);
  } finally {
    agent.dispose();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
