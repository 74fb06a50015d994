// The MultiTurnGRPO run of the durability test (test/durability.slow.test.ts and its child): a tiny
// from-scratch policy on the browser-free scripted shop, one fast iteration per cycle whose
// rewards alternate within each group (so every iteration moves the weights), built the same
// way in the child that trains and saves and in the parent that restores.

import type { AgentPrompt } from '../../src/agent/agent-prompt.js';
import { resolveTransformerConfig, type TransformerConfig } from '../../src/model/config.js';
import { type HfTokenizer } from '../../src/model/tokenizer.js';
import { trainBpeTokenizer } from '../../src/model/bpe-trainer.js';
import type { TransformerLM } from '../../src/model/transformer.js';
import type { MultiTurnGRPOOptions } from '../../src/rl/grpo.js';
import { answerIncludes } from '../../src/tasks/checkers.js';
import type { CheckResult, WebTask } from '../../src/tasks/types.js';
import { ScriptedEnvironment, scriptedShop, SCRIPTED_SHOP_PRODUCTS, SCRIPTED_SHOP_URL } from '../../src/testing/index.js';

export const TASKS: WebTask[] = SCRIPTED_SHOP_PRODUCTS.map((p) => ({
  id: `price/${p.slug}`, intent: `What does the ${p.name} cost?`, startUrl: SCRIPTED_SHOP_URL, site: 'shop',
  check: answerIncludes([p.price]), meta: { template: 'price' },
}));

/** Token ids whose logits fingerprint a policy. */
export const FINGERPRINT_IDS = [3, 14, 15, 9, 26, 5, 35, 8] as const;

/** A small byte-level BPE over the tasks and the action grammar. */
export function trainTokenizerJson(): Record<string, unknown> {
  const corpus = [...TASKS.map((t) => t.intent), 'Round Task Instruction link "Blue Ceramic Mug" do(action="Click", role="link", name="Home") exit(message="$12.00")'];
  return trainBpeTokenizer(Array(10).fill(corpus).flat() as string[], { vocabSize: 300, specialTokens: ['<|endoftext|>', '<|im_start|>', '<|im_end|>'] }) as unknown as Record<string, unknown>;
}

export function grpoConfig(vocabSize: number): TransformerConfig {
  return resolveTransformerConfig({ vocab_size: vocabSize, hidden_size: 16, num_hidden_layers: 1, num_attention_heads: 2, num_key_value_heads: 2, intermediate_size: 32, max_position_embeddings: 512 });
}

export function grpoOptions(policy: TransformerLM, tokenizer: HfTokenizer, prompt: AgentPrompt): MultiTurnGRPOOptions {
  let calls = 0; // concurrency 1 and 2 episodes a group: scores 1, 0 in every group, in any process
  const check = (): Promise<CheckResult> => Promise.resolve(calls++ % 2 === 0 ? { score: 1, reason: 'even' } : { score: 0, reason: 'odd' });
  return {
    policy, tokenizer, prompt, tasks: TASKS.map((task) => ({ ...task, check })), makeEnvironment: () => new ScriptedEnvironment(scriptedShop()),
    numGenerations: 2, tasksPerIteration: 1, numIterations: 1_000_000, maxTurns: 1, maxNewTokens: 4, concurrency: 1,
    learningRate: 1e-2, beta: 0.04, seed: 7,
  };
}
