// Agent: a ChatPolicy (local model or remote endpoint) and an AgentPrompt, acting one turn at a
// time: state in, Action out. `Agent.fromPretrained(dir)` is the one call that turns a Hugging
// Face checkpoint folder (Qwen2 / Llama: config.json, safetensors, tokenizer files) into an agent.
//
// Just over 300 lines because `save`, `settings` and `fromPretrained` are the two halves of one
// file format (webagent-agent.json beside the weights): what one writes the other must read, and
// both depend on the constructor's rules for which options go together (constraints need a local
// policy and the webagent-r1 grammar, an action set needs that grammar).

import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { OptionsError } from '../errors.js';
import { arrayOf, bool, custom, defineOptions, instanceOf, obj, signal, str, union } from '../options.js';
import { formatAction } from '../env/action-grammar.js';
import type { Action } from '../env/types.js';
import { AgentPrompt, agentPromptOptions, agentPromptShape, type AgentPromptOptions, type AgentPromptSettings, type AgentState, type BuiltPrompt } from './agent-prompt.js';
import { backendInfo, backendOptions, initBackend, type BackendOptions } from '../model/backend.js';
import { configFromHuggingFace, countParameters } from '../model/config.js';
import { LocalChatPolicy, type ChatPolicy, type ChatRequest } from './chat.js';
import { actionConstraint, actionSet, copyConstraint } from './constraint.js';
import { loadCheckpoint, saveCheckpoint } from '../model/checkpoint.js';
import { parseJsonText } from '../data/json-text.js';
import type { Completion } from '../model/generation.js';
import { samplingOptions, type SamplingOptions } from '../model/sampling.js';
import { HfTokenizer } from '../model/tokenizer.js';
import { WASM_MAX_WEIGHT_BYTES } from '../model/transformer.js';

export interface AgentOptions {
  readonly policy: ChatPolicy;
  /** An AgentPrompt, or options for one. With a LocalChatPolicy the prompt gets its tokenizer and template. */
  readonly prompt?: AgentPrompt | AgentPromptOptions;
  /** Sampling defaults for every turn (a call's own options win). Default: temperature 0, 512 new tokens. */
  readonly sampling?: SamplingOptions;
  /**
   * Constrain decoding so that the reply can only name elements of the current page and type
   * text copied from the task instruction (see `copyConstraint`). A small model trained from
   * scratch mis-copies names; this makes every action it writes one the page can take. Needs a
   * local policy (LocalChatPolicy) and the `webagent-r1` grammar. Default false.
   */
  readonly constrainCopy?: boolean;
  /**
   * Constrain decoding so that the reply is exactly one whole action in the grammar's canonical
   * form (see `ActionCallConstraint`): a known action with the keys it takes, an element of the
   * current page (role and name of one element together), and nothing after it. Implies the copy
   * constraint's rule for typed text unless `constrainCopy` is explicitly false. Needs a local
   * policy and the `webagent-r1` grammar. Default false.
   */
  readonly constrainAction?: boolean;
  /**
   * The agent's action set: the calls its replies may make, by name (R1_CALL_NAMES: `Click`,
   * `Type`, `Search`, ..., `exit`, `go_backward`, `go_forward`), e.g. `['Click', 'Type']` for
   * tasks that need nothing else. Under `constrainAction` decoding offers only these; a reply
   * that makes another call is an `invalid` action. Needs the `webagent-r1` grammar. Default: all.
   */
  readonly actions?: readonly string[];
}

/** One turn the agent took. */
export interface AgentStep {
  readonly action: Action;
  /** The whole reply, to keep in the history. */
  readonly reply: string;
  readonly thought?: string;
  readonly prompt: BuiltPrompt;
  /** Token ids and behaviour logprobs, when the policy runs locally. */
  readonly completion?: Completion;
  readonly finishReason: 'stop' | 'length';
}

export interface FromPretrainedOptions extends Omit<AgentPromptOptions, 'tokenizer'> {
  /** Sampling defaults (default: greedy, 512 new tokens). */
  readonly sampling?: SamplingOptions;
  /** Backend options for tfjs, started if no backend is yet. */
  readonly backend?: BackendOptions;
  /** As the Agent's options: decode under the copy constraint. */
  readonly constrainCopy?: boolean;
  /** As the Agent's options: decode under the whole-action constraint (implies `constrainCopy`). */
  readonly constrainAction?: boolean;
  /** As the Agent's options: the calls replies may make. */
  readonly actions?: readonly string[];
}

const chatPolicySchema = custom<ChatPolicy>((v) => typeof (v as Partial<ChatPolicy> | null)?.chat === 'function', 'a ChatPolicy (LocalChatPolicy, RemotePolicy, ...)');

/** The schema of AgentOptions: checked by the constructor. */
export const agentOptions = defineOptions<AgentOptions>()('Agent', obj({
  policy: chatPolicySchema,
  prompt: union([instanceOf<AgentPrompt>(AgentPrompt, 'an AgentPrompt'), agentPromptOptions.schema], 'an AgentPrompt or AgentPrompt options').optional(),
  sampling: samplingOptions.schema.optional(),
  constrainCopy: bool().optional(),
  constrainAction: bool().optional(),
  actions: arrayOf(str('a call name (see R1_CALL_NAMES)', { nonEmpty: true }), 'an array of call names').optional(),
}));

/** The schema of FromPretrainedOptions: checked by `Agent.fromPretrained` before anything is read. */
export const fromPretrainedOptions = defineOptions<FromPretrainedOptions>()('Agent.fromPretrained', obj({
  ...agentPromptShape,
  sampling: samplingOptions.schema.optional(),
  backend: backendOptions.schema.optional(),
  constrainCopy: bool().optional(),
  constrainAction: bool().optional(),
  actions: arrayOf(str('a call name (see R1_CALL_NAMES)', { nonEmpty: true }), 'an array of call names').optional(),
}));

/** Per-call options of `act` and `actBatch`. */
const actOptions = defineOptions<{ sampling?: SamplingOptions; signal?: AbortSignal }>()('Agent.act', obj({ sampling: samplingOptions.schema.optional(), signal: signal().optional() }));

const DEFAULT_SAMPLING: SamplingOptions = { temperature: 0, maxNewTokens: 512 };

/** The file of a checkpoint folder that holds the agent's settings (`Agent.save`). */
export const AGENT_SETTINGS_FILE = 'webagent-agent.json';
const AGENT_SETTINGS_FORMAT = 'webagent-r1/agent';
const AGENT_SETTINGS_VERSION = 1;

/** What `webagent-agent.json` holds: everything an Agent needs besides its model and tokenizer. */
export interface AgentSettings {
  readonly format: typeof AGENT_SETTINGS_FORMAT;
  readonly version: number;
  readonly prompt: AgentPromptSettings;
  readonly sampling: SamplingOptions;
  readonly constrainCopy: boolean;
  readonly constrainAction: boolean;
  readonly actions?: readonly string[];
}

/** The agent settings of a checkpoint folder, or undefined when it has none (a plain Hugging Face folder). */
async function readAgentSettings(dir: string): Promise<AgentSettings | undefined> {
  const file = path.join(dir, AGENT_SETTINGS_FILE);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new OptionsError(`Agent.fromPretrained: cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  const parsed = parseJsonText(text);
  if (!parsed.ok) throw new OptionsError(`Agent.fromPretrained: ${file} is not JSON: ${parsed.problem}`);
  const v = parsed.value as Partial<AgentSettings> | null;
  if (typeof v !== 'object' || v === null || v.format !== AGENT_SETTINGS_FORMAT) throw new OptionsError(`Agent.fromPretrained: ${file} is not an agent settings file (format "${AGENT_SETTINGS_FORMAT}")`);
  if (v.version !== AGENT_SETTINGS_VERSION) throw new OptionsError(`Agent.fromPretrained: ${file} has version ${String(v.version)}; this webagent-r1 reads version ${AGENT_SETTINGS_VERSION} (upgrade the package)`);
  if (typeof v.prompt !== 'object' || v.prompt === null) throw new OptionsError(`Agent.fromPretrained: ${file} has no prompt settings`);
  return v as AgentSettings;
}

/**
 * Starts the tfjs backend for a checkpoint unless one is running: the usual order, except that a
 * model too large for wasm's memory (see WASM_MAX_WEIGHT_BYTES) skips wasm for native TF or cpu.
 */
async function startBackendFor(dir: string, options: BackendOptions | undefined): Promise<void> {
  if (backendInfo() !== undefined) return;
  const explicit = options?.backend ?? process.env.WEBAGENT_BACKEND;
  let bytes = 0;
  try {
    bytes = countParameters(configFromHuggingFace(JSON.parse(await readFile(path.join(dir, 'config.json'), 'utf8')) as Record<string, unknown>)) * 4;
  } catch {
    // loadCheckpoint reports a missing or bad config.json with the full explanation.
  }
  if ((explicit !== undefined && explicit !== 'auto') || bytes <= WASM_MAX_WEIGHT_BYTES) {
    await initBackend(options);
    return;
  }
  for (const backend of ['node-gpu', 'node', 'cpu'] as const) {
    try {
      await initBackend({ ...options, backend });
      return;
    } catch (error) {
      if (backend === 'cpu') throw error;
    }
  }
}

export class Agent {
  readonly policy: ChatPolicy;
  readonly prompt: AgentPrompt;
  readonly sampling: SamplingOptions;
  readonly constrainCopy: boolean;
  readonly constrainAction: boolean;
  /** The calls replies may make, when the agent has an action set. */
  readonly actions: ReadonlySet<string> | undefined;

  constructor(options: AgentOptions) {
    agentOptions.check(options);
    this.policy = options.policy;
    const local = options.policy instanceof LocalChatPolicy ? options.policy : undefined;
    if (options.prompt instanceof AgentPrompt) this.prompt = options.prompt;
    else {
      const given = options.prompt ?? {};
      this.prompt = new AgentPrompt({
        ...(local ? { tokenizer: local.tokenizer, template: local.template } : {}),
        ...given,
      });
    }
    if (local !== undefined && this.prompt.template !== local.template && this.prompt.template.source !== local.template.source) {
      throw new OptionsError('Agent: the prompt and the LocalChatPolicy use different chat templates; give both the same one');
    }
    this.sampling = { ...DEFAULT_SAMPLING, ...options.sampling };
    this.constrainAction = options.constrainAction ?? false;
    this.constrainCopy = options.constrainCopy ?? this.constrainAction;
    for (const [key, on] of [['constrainAction', this.constrainAction], ['constrainCopy', this.constrainCopy]] as const) {
      if (!on) continue;
      if (local === undefined) throw new OptionsError(`Agent: ${key} needs a LocalChatPolicy (a remote endpoint cannot constrain decoding token by token); turn it off for a RemotePolicy`);
      if (this.prompt.grammar !== 'webagent-r1') throw new OptionsError(`Agent: ${key} supports the "webagent-r1" grammar (quoted argument/name values), not "${this.prompt.grammar}"`);
    }
    this.actions = options.actions === undefined ? undefined : actionSet(options.actions, 'Agent');
    if (this.actions !== undefined && this.prompt.grammar !== 'webagent-r1') throw new OptionsError(`Agent: \`actions\` names calls of the "webagent-r1" grammar, not "${this.prompt.grammar}"`);
  }

  /** The call a parsed action makes in the webagent-r1 grammar (`Click`, `exit`, ...). */
  #callOf(action: Action): string {
    const text = formatAction(action, 'webagent-r1');
    return /^do\(action="([^"]+)"/.exec(text)?.[1] ?? text.slice(0, text.indexOf('('));
  }

  /**
   * The agent's settings as plain JSON: its prompt's options, sampling defaults, decoding
   * constraints and action set. `save` writes them beside the weights.
   */
  settings(): AgentSettings {
    return {
      format: AGENT_SETTINGS_FORMAT, version: AGENT_SETTINGS_VERSION, prompt: this.prompt.settings(), sampling: { ...this.sampling },
      constrainCopy: this.constrainCopy, constrainAction: this.constrainAction, ...(this.actions ? { actions: [...this.actions] } : {}),
    };
  }

  /**
   * Saves the agent as a Hugging Face folder that `Agent.fromPretrained(dir)` loads with no
   * options: the model's weights and config, the tokenizer, and the agent's settings
   * (`webagent-agent.json`: prompt format, targets, token budget, constraints, action set).
   * Needs a LocalChatPolicy over a TransformerLM.
   */
  async save(dir: string): Promise<void> {
    const local = this.policy instanceof LocalChatPolicy ? this.policy : undefined;
    if (local?.model === undefined) throw new OptionsError('Agent.save: the agent must act with a LocalChatPolicy over a TransformerLM (a remote model has no weights here to save)');
    await saveCheckpoint(dir, local.model, {
      tokenizer: { json: local.tokenizer.json, config: local.tokenizer.config },
      files: { [AGENT_SETTINGS_FILE]: `${JSON.stringify(this.settings(), null, 2)}\n` },
    });
  }

  /**
   * Loads a Hugging Face checkpoint folder (for example Qwen2.5-0.5B-Instruct) from disk with
   * its tokenizer and chat template: nothing is downloaded. Starts the tfjs backend if needed.
   * A folder `Agent.save` wrote carries the agent's settings (`webagent-agent.json`): they are
   * the defaults, and `options` override any of them.
   */
  static async fromPretrained(dir: string, options: FromPretrainedOptions = {}): Promise<Agent> {
    fromPretrainedOptions.check(options);
    const saved = await readAgentSettings(dir);
    const { sampling: given, backend, constrainCopy: copyOption, constrainAction: actionOption, actions: actionsOption, ...promptOption } = options;
    const promptOptions = { ...(saved ? AgentPrompt.optionsFrom(saved.prompt) : {}), ...promptOption };
    const sampling = saved?.sampling || given ? { ...saved?.sampling, ...given } : undefined;
    const constrainCopy = copyOption ?? saved?.constrainCopy;
    const constrainAction = actionOption ?? saved?.constrainAction;
    const actions = actionsOption ?? saved?.actions;
    await startBackendFor(dir, backend);
    const { policy, tokenizerDir } = await loadCheckpoint(dir, { trainable: false });
    try {
      if (tokenizerDir === undefined) throw new OptionsError(`Agent.fromPretrained: ${dir} has no tokenizer.json; copy the model's tokenizer files beside its weights`);
      const tokenizer = await HfTokenizer.fromFiles(tokenizerDir);
      // A template named in the options (like 'plain' for a model trained from scratch) serves
      // tokenizers without a chat_template; otherwise the tokenizer's own is required.
      const prompt = promptOptions.template !== undefined ? new AgentPrompt({ ...promptOptions, tokenizer }) : undefined;
      const chat = new LocalChatPolicy({ policy, tokenizer, name: dir, ...(prompt ? { template: prompt.template } : {}) });
      return new Agent({
        policy: chat, prompt: prompt ?? { ...promptOptions, tokenizer, template: chat.template }, ...(sampling ? { sampling } : {}),
        ...(constrainCopy !== undefined ? { constrainCopy } : {}), ...(constrainAction !== undefined ? { constrainAction } : {}), ...(actions !== undefined ? { actions } : {}),
      });
    } catch (error) {
      policy.dispose();
      throw error;
    }
  }

  /** One turn: builds the prompt, asks the policy, parses the reply (an unreadable one is an `invalid` action). */
  async act(state: AgentState, options: { sampling?: SamplingOptions; signal?: AbortSignal } = {}): Promise<AgentStep> {
    const [step] = await this.actBatch([state], options);
    return step!;
  }

  /** Several turns (of different episodes) in one policy call, so a local model batches them. */
  async actBatch(states: readonly AgentState[], options: { sampling?: SamplingOptions; signal?: AbortSignal } = {}): Promise<AgentStep[]> {
    actOptions.check(options);
    const prompts = states.map((state) => this.prompt.build(state));
    const requests = prompts.map((p, i): ChatRequest => {
      const think = this.prompt.think ? { after: '<answer>' } : {};
      const constraint = this.constrainAction
        ? actionConstraint(states[i]!, { targets: this.prompt.targets, copy: this.constrainCopy, wait: this.prompt.wait, ...think, ...(this.prompt.think ? { closing: '</answer>' } : {}), ...(this.actions ? { actions: [...this.actions] } : {}) })
        : this.constrainCopy ? copyConstraint(states[i]!, { targets: this.prompt.targets, ...think }) : undefined;
      return { messages: p.messages, ...(constraint ? { constraint } : {}) };
    });
    const replies = await this.policy.chat(requests, { ...this.sampling, ...options.sampling }, options.signal ? { signal: options.signal } : {});
    return replies.map((reply, i) => {
      const parsed = this.prompt.parseReply(reply.text);
      const call = this.actions && parsed.action.type !== 'invalid' ? this.#callOf(parsed.action) : undefined;
      const action: Action = call !== undefined && !this.actions!.has(call)
        ? { type: 'invalid', text: reply.text, reason: `${call} is not in this agent's action set (${[...this.actions!].join(', ')})` }
        : parsed.action;
      return {
        action,
        reply: reply.text,
        ...(parsed.thought !== undefined ? { thought: parsed.thought } : {}),
        prompt: prompts[i]!,
        ...(reply.completion ? { completion: reply.completion } : {}),
        finishReason: reply.finishReason,
      };
    });
  }

  /** Frees the local model's weights, when the agent owns a LocalChatPolicy over a TransformerLM. */
  dispose(): void {
    if (this.policy instanceof LocalChatPolicy) {
      this.policy.dispose();
      this.policy.model?.dispose();
    }
  }
}
