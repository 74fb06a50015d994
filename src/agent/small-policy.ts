// The default small policy: a ~1 M-parameter TransformerLM trained from scratch, with a
// byte-level BPE tokenizer trained on the demonstrations' own text and the prompt format a model
// that small can learn (measured by training 1 M-parameter models from scratch):
//
// - role + name targets, not element ids: a 1 M model learns to copy a name from the task into
//   its action within a few hundred thousand supervised tokens, but not to look an id up by name;
// - the `plain` template (no role headers) and bare actions (no <think>): every generated token
//   is one that the reward depends on;
// - the task restated after the current page (`restateTask`), a few tokens before the reply that
//   copies from it;
// - a short prompt budget (the current page cut around the viewport, earlier pages compressed to
//   the placeholder): prompt tokens carry no loss, so a shorter prompt is more steps per second;
//   for the same reason URLs are shown without their origin (`showUrl: 'path'`: a local server's
//   host and random port were a fifth of every prompt) and the tokenizer learns the budget's
//   own wording.
//
// `bench/learn.ts` and `examples/quickstart.ts` both build their policy here, so the benchmark
// measures what the quickstart trains.

import { Agent, type AgentOptions } from './agent.js';
import { AgentPrompt, PromptBudgetError, type AgentHistoryTurn, type AgentState, type EncodedTurn } from './agent-prompt.js';
import { LocalChatPolicy } from './chat.js';
import type { ChatMessage } from './chat-template.js';
import { trainBpeTokenizer } from '../model/bpe-trainer.js';
import { HfTokenizer } from '../model/tokenizer.js';
import { TransformerLM } from '../model/transformer.js';
import type { TransformerConfig } from '../model/config.js';
import type { SamplingOptions } from '../model/sampling.js';
import { OptionsError } from '../errors.js';
import type { Demonstration } from '../data/demonstration.js';
import { demonstrationReply, demonstrationSamples } from '../rl/behavior-cloning.js';

/** What the default small policy is made of (recorded in benchmark settings). */
export interface SmallPolicySettings {
  /** Transformer shape; `vocab_size` comes from the trained tokenizer. */
  readonly model: Omit<TransformerConfig, 'vocab_size'>;
  /** Target vocabulary of the BPE tokenizer trained on the demonstrations. */
  readonly vocabSize: number;
  /** Prompt budget in tokens (must leave room for `maxNewTokens` in `max_position_embeddings`). */
  readonly maxPromptTokens: number;
  /** Longest reply generated per turn. */
  readonly maxNewTokens: number;
  /** Sequences decoded together (rollouts run tasks x generations episodes at once). */
  readonly maxBatch: number;
  /** Std of the initial weights (HF `initializer_range`). */
  readonly initStd: number;
}

/** Sized from those from-scratch measurements and the learning benchmark (see the file comment). */
export const SMALL_POLICY_DEFAULTS: SmallPolicySettings = Object.freeze({
  model: Object.freeze({
    hidden_size: 128,
    num_hidden_layers: 4,
    num_attention_heads: 4,
    num_key_value_heads: 4,
    intermediate_size: 384,
    max_position_embeddings: 320,
    rope_theta: 10000,
    rms_norm_eps: 1e-6,
    tie_word_embeddings: true,
    attention_bias: false,
  }),
  vocabSize: 2000,
  maxPromptTokens: 160,
  maxNewTokens: 48,
  maxBatch: 16,
  initStd: 0.02,
});

/**
 * Bundled templates a from-scratch policy starts with: short tasks (3-4 expert steps) whose
 * actions copy names from the task or click fixed controls, which a 1 M model learns first.
 */
export const STARTER_TEMPLATES: readonly string[] = Object.freeze([
  'shop.open-product', 'map.open-place', 'map.save-place', 'map.set-home', 'admin.open-customer', 'code.star-project',
]);

/** Special tokens of the small policy's tokenizer (`<|im_end|>` ends a reply). */
export const SMALL_POLICY_SPECIAL_TOKENS = Object.freeze(['<|endoftext|>', '<|im_start|>', '<|im_end|>']);

/** A small policy ready to train: tokenizer, prompt, model, and the agent that acts with it. */
export interface SmallPolicy {
  readonly settings: SmallPolicySettings;
  readonly tokenizer: HfTokenizer;
  readonly prompt: AgentPrompt;
  readonly policy: TransformerLM;
  /** BC samples of demonstrations, with the exact prompts the agent sees when it acts. */
  samples(demonstrations: readonly Pick<Demonstration, 'intent' | 'turns'>[]): EncodedTurn[];
  /** An agent acting with `policy` (default: this one's), for rollouts and evaluation; `constrainCopy` and `constrainAction` as AgentOptions'. */
  agentFor(policy?: TransformerLM, sampling?: SamplingOptions, options?: Pick<AgentOptions, 'constrainCopy' | 'constrainAction' | 'actions'>): Agent;
}

/**
 * The texts the tokenizer is trained on: every turn's messages exactly as the prompt renders them
 * (round headers, task line, URL and title, the page) and the replies, so the prompt's own
 * wording is a few tokens rather than spelled out letter by letter. A prompt with a token budget
 * renders them as the budget cuts them (`build`), with its own wording for what it left out.
 */
export function demonstrationCorpus(prompt: AgentPrompt, demonstrations: readonly Pick<Demonstration, 'intent' | 'turns'>[]): string[] {
  const corpus: string[] = [];
  for (const d of demonstrations) {
    const history: AgentHistoryTurn[] = [];
    for (const t of d.turns) {
      const reply = demonstrationReply(prompt, t);
      const state = { intent: d.intent, history, observation: t.observation };
      const messages = prompt.maxPromptTokens === undefined ? prompt.messages(state) : budgeted(prompt, state);
      for (const m of messages) if (m.role === 'user') corpus.push(m.content);
      corpus.push(reply);
      history.push({ observation: t.observation, reply });
    }
  }
  return corpus;
}

/** The messages as the budget cuts them; whole when even the last resort is over budget (a draft tokenizer may spell the budget's wording out). */
function budgeted(prompt: AgentPrompt, state: AgentState): ChatMessage[] {
  try {
    return prompt.build(state).messages;
  } catch (error) {
    if (error instanceof PromptBudgetError) return prompt.messages(state);
    throw error;
  }
}

/**
 * Builds the default small policy for a set of demonstrations: trains the tokenizer on their
 * text (so names on the bundled sites are few tokens each), makes the prompt and a freshly
 * initialised model. Without demonstrations (R1-Zero: RL from an untrained policy) the tokenizer
 * trains on `corpus` alone, e.g. the tasks' intents and sample pages. `settings` overrides any default; `settings.model` any field of the shape
 * (`{ model: { num_hidden_layers: 2 } }` keeps the rest of it).
 */
export function createSmallPolicy(
  demonstrations: readonly Pick<Demonstration, 'intent' | 'turns'>[],
  options: {
    readonly settings?: Partial<Omit<SmallPolicySettings, 'model'>> & { readonly model?: Partial<SmallPolicySettings['model']> };
    readonly seed?: number;
    /**
     * More text for the tokenizer, besides the demonstrations: for example the instructions of the
     * tasks RL will train on (`tasks.map((t) => t.intent)`), so the names they use become tokens of
     * their own instead of pieces. Only the tokenizer sees it; the model learns what the tokens
     * mean from whatever it trains on. Keep test tasks out of it.
     */
    readonly corpus?: readonly string[];
  } = {},
): SmallPolicy {
  const extra = options.corpus ?? [];
  if (!Array.isArray(extra)) throw new OptionsError(`createSmallPolicy: corpus must be an array of strings, got ${typeof extra}`);
  extra.forEach((text, i) => {
    if (typeof text !== 'string') throw new OptionsError(`createSmallPolicy: corpus[${i}] must be a string, got ${typeof text}`);
  });
  if (demonstrations.length === 0 && !extra.some((text) => text.trim() !== '')) {
    throw new OptionsError('createSmallPolicy: no text to train the tokenizer on: give demonstrations (collectDemonstrations) or a corpus (for example the tasks\' intents and page texts)');
  }
  const settings: SmallPolicySettings = { ...SMALL_POLICY_DEFAULTS, ...options.settings, model: { ...SMALL_POLICY_DEFAULTS.model, ...options.settings?.model } };
  if (settings.maxPromptTokens + settings.maxNewTokens > settings.model.max_position_embeddings) {
    throw new OptionsError(`createSmallPolicy: maxPromptTokens (${settings.maxPromptTokens}) + maxNewTokens (${settings.maxNewTokens}) exceed max_position_embeddings (${settings.model.max_position_embeddings}); lower the budgets or raise max_position_embeddings`);
  }
  const format = { template: 'plain', think: false, targets: 'name', restateTask: true, showUrl: 'path' } as const;
  const trainTokenizer = (corpus: string[]): HfTokenizer =>
    HfTokenizer.fromJson(trainBpeTokenizer(corpus, { vocabSize: settings.vocabSize, specialTokens: [...SMALL_POLICY_SPECIAL_TOKENS] }));
  // Two passes: the whole prompts first; then, with that tokenizer counting, the prompts as the
  // token budget cuts them too, so the budget's own lines ("… 31 lines below not shown (scroll
  // down to see them)", the page-left-out line) are a few tokens each, not letter by letter.
  const whole = demonstrationCorpus(new AgentPrompt(format), demonstrations);
  const draft = new AgentPrompt({ ...format, tokenizer: trainTokenizer([...whole, ...extra]), maxPromptTokens: settings.maxPromptTokens });
  const tokenizer = trainTokenizer([...whole, ...demonstrationCorpus(draft, demonstrations), ...extra]);
  const prompt = new AgentPrompt({ ...format, tokenizer, maxPromptTokens: settings.maxPromptTokens });
  const policy = new TransformerLM({ config: { ...settings.model, vocab_size: tokenizer.vocabSize }, seed: options.seed ?? 0, initStd: settings.initStd });
  return {
    settings,
    tokenizer,
    prompt,
    policy,
    samples: (demos) => demos.flatMap((d) => demonstrationSamples(prompt, d)),
    agentFor: (p = policy, sampling = {}, agentOptions = {}) =>
      new Agent({ policy: new LocalChatPolicy({ policy: p, tokenizer, template: prompt.template, engine: { maxBatch: settings.maxBatch } }), prompt, sampling: { maxNewTokens: settings.maxNewTokens, ...sampling }, ...agentOptions }),
  };
}
