// The chat level of the Policy module: messages in, text out. `ChatPolicy` is what agents,
// evaluation and the OpenAI-compatible server talk to; it is implemented by LocalChatPolicy (a
// token-level Policy such as TransformerLM, plus a tokenizer and a chat template: it also
// returns the token-level record RL needs) and by RemotePolicy (an HTTP endpoint: text only).
// The messages and the chat templates (Hugging Face Jinja templates) are in chat-template.ts.

import { OptionsError } from '../errors.js';
import { ChatTemplate, type ChatMessage } from './chat-template.js';
import type { ReplyConstraint } from './constraint.js';
import { GenerationEngine, type Completion, type GenerationEngineOptions, type GenerationRequest } from '../model/generation.js';
import { arrayOf, custom, defineOptions, fn, instanceOf, obj, OptionsSchema, str, union, type z } from '../options.js';
import { samplingOptions, samplingShape, type SamplingOptions } from '../model/sampling.js';
import type { HfTokenizer } from '../model/tokenizer.js';
import type { Policy } from '../model/types.js';
import { TransformerLM } from '../model/transformer.js';

/** One conversation to continue with an assistant message, with its own sampling settings. */
export interface ChatRequest extends SamplingOptions {
  readonly messages: readonly ChatMessage[];
  /**
   * Constrained decoding: what the reply may be, checked as it is sampled (for example the
   * Agent's copy constraint, a QuotedValueConstraint). Local policies only: a RemotePolicy
   * rejects a request that has one.
   */
  readonly constraint?: ReplyConstraint;
}

/** The assistant message a ChatPolicy wrote. */
export interface ChatReply {
  /** The reply text, without the end-of-turn token or the stop string that ended it. */
  readonly text: string;
  /** `stop`: an end-of-turn token or stop string ended it; `length`: the token limit did. */
  readonly finishReason: 'stop' | 'length';
  /**
   * The token-level record (prompt ids, completion ids including the end-of-turn token,
   * behaviour logprobs) when the policy runs locally; absent for remote policies.
   */
  readonly completion?: Completion;
  /** Token counts, when known. */
  readonly usage?: { readonly promptTokens: number; readonly completionTokens: number };
}

/**
 * A policy that continues chats: local (LocalChatPolicy) or remote (RemotePolicy). Every
 * request gets one reply, in request order; `sampling` fills fields a request leaves unset.
 */
export interface ChatPolicy {
  /** A name for logs and the server's model list. */
  readonly name: string;
  chat(requests: readonly ChatRequest[], sampling?: SamplingOptions, options?: { signal?: AbortSignal }): Promise<ChatReply[]>;
}

function checkMessages(messages: unknown, where: string): asserts messages is readonly ChatMessage[] {
  if (!Array.isArray(messages) || messages.length === 0) throw new OptionsError(`${where}: messages must be a non-empty array of {role, content}`);
  messages.forEach((m: unknown, i) => {
    const msg = m as Partial<ChatMessage> | null;
    if (typeof msg !== 'object' || msg === null || !['system', 'user', 'assistant'].includes(msg.role as string) || typeof msg.content !== 'string') {
      throw new OptionsError(`${where}: messages[${i}] must be {role: "system" | "user" | "assistant", content: string}`);
    }
  });
}

export interface LocalChatPolicyOptions {
  /**
   * The model that writes the replies: a TransformerLM (served by a GenerationEngine this chat
   * policy makes, with the tokenizer as its decoder and `engine`'s settings), or any token-level
   * Policy (an engine of your own, a RemotePolicy).
   */
  readonly policy: TransformerLM | Policy;
  /** Settings of the GenerationEngine made for a TransformerLM (not with another Policy). @defaultValue the engine's defaults (maxBatch 8) */
  readonly engine?: Omit<GenerationEngineOptions, 'decoder'>;
  readonly tokenizer: HfTokenizer;
  /** Default: the tokenizer's own chat template; a string is parsed as Jinja. */
  readonly template?: ChatTemplate | string;
  /**
   * Tokens that end the assistant's turn. Default: the tokenizer's eos token and, when the
   * tokenizer has them, `<|im_end|>`, `<|eot_id|>` and `<|endoftext|>`.
   */
  readonly endTokens?: readonly string[];
  readonly name?: string;
}

const tokenizerLike = custom<HfTokenizer>(
  (v) => typeof (v as Partial<HfTokenizer> | null)?.encode === 'function' && typeof (v as Partial<HfTokenizer> | null)?.tokenToId === 'function',
  'an HfTokenizer (an object with encode, decode and tokenToId)',
);

/** The schema of LocalChatPolicyOptions: checked by the constructor. */
export const localChatPolicyOptions = defineOptions<LocalChatPolicyOptions>()('LocalChatPolicy', obj({
  policy: custom<TransformerLM | Policy>((v) => v instanceof TransformerLM || typeof (v as Partial<Policy> | null)?.generate === 'function', 'a TransformerLM, or a token-level Policy (an object with generate)'),
  engine: custom<Omit<GenerationEngineOptions, 'decoder'>>((v) => typeof v === 'object' && v !== null && !('decoder' in v), 'GenerationEngine options without decoder (the tokenizer decodes)').optional(),
  tokenizer: tokenizerLike,
  template: union([instanceOf<ChatTemplate>(ChatTemplate, 'a ChatTemplate'), str()], 'a ChatTemplate or a Jinja template string').optional(),
  endTokens: arrayOf(str('a non-empty string (a token)', { nonEmpty: true }), 'an array of token strings').optional(),
  name: str('a non-empty string', { nonEmpty: true }).optional(),
}));

const messagesSchema = custom<readonly ChatMessage[]>(Array.isArray, 'an array of messages {role, content}');
const constraintSchema = custom<ReplyConstraint>((v) => typeof (v as Partial<ReplyConstraint> | null)?.next === 'function', 'a ReplyConstraint (an object with next(reply))');

/** `chat(requests, sampling)` of a ChatPolicy: each request's keys and sampling fields, and the sampling defaults. */
export function chatArguments<R extends ChatRequest>(owner: string, extra: z.ZodRawShape = {}): OptionsSchema<{ readonly requests: readonly R[]; readonly sampling?: SamplingOptions }> {
  return new OptionsSchema(owner, obj({
    requests: arrayOf(obj({ messages: messagesSchema, constraint: constraintSchema.optional(), ...samplingShape, ...extra }, 'a ChatRequest { messages, ...sampling }'), 'an array of ChatRequests'),
    sampling: samplingOptions.schema.optional(),
  }));
}

// The request type LocalChatPolicy reads (the engine's allowedTokens passes through).
type LocalChatRequest = ChatRequest & Pick<GenerationRequest, 'allowedTokens'>;
const localChatArguments = chatArguments<LocalChatRequest>('LocalChatPolicy.chat', { allowedTokens: fn<NonNullable<GenerationRequest['allowedTokens']>>().optional() });

/** tokenPieces' lists, by tokenizer: agents made per evaluation share one (a large vocabulary takes seconds to decode). */
const TOKEN_PIECES = new WeakMap<HfTokenizer, string[]>();

/** Tokens that end an assistant turn in the common chat formats (ChatML, Llama 3, GPT-2 style, Phi). */
export const END_OF_TURN_TOKENS: readonly string[] = ['<|im_end|>', '<|eot_id|>', '<|endoftext|>', '<|end|>'];

/**
 * A token-level Policy as a ChatPolicy: renders messages with the chat template, tokenizes,
 * samples until an end-of-turn token, decodes. Replies carry the token-level record.
 */
export class LocalChatPolicy implements ChatPolicy {
  readonly name: string;
  /** What generates the tokens: the caller's Policy, or the engine made over `model`. */
  readonly policy: Policy;
  /** The local model, when this chat policy was made over a TransformerLM. */
  readonly model: TransformerLM | undefined;
  readonly tokenizer: HfTokenizer;
  readonly template: ChatTemplate;
  /** Ids that end the assistant's turn (generation stops after one; it stays in the record). */
  readonly endTokenIds: readonly number[];

  constructor(options: LocalChatPolicyOptions) {
    localChatPolicyOptions.check(options);
    if (options.engine !== undefined && !(options.policy instanceof TransformerLM)) throw new OptionsError('LocalChatPolicy: `engine` configures the engine made over a TransformerLM; this policy is already a Policy');
    this.model = options.policy instanceof TransformerLM ? options.policy : undefined;
    this.policy = options.policy instanceof TransformerLM ? new GenerationEngine(options.policy, { ...options.engine, decoder: options.tokenizer }) : options.policy;
    this.tokenizer = options.tokenizer;
    this.template = options.template instanceof ChatTemplate ? options.template
      : options.template !== undefined ? new ChatTemplate(options.template) : ChatTemplate.fromTokenizer(options.tokenizer);
    this.name = options.name ?? 'local';
    const names = options.endTokens ?? END_OF_TURN_TOKENS;
    const ids = new Set<number>();
    if (options.endTokens === undefined && options.tokenizer.eosTokenId !== undefined) ids.add(options.tokenizer.eosTokenId);
    for (const token of names) {
      const id = options.tokenizer.tokenToId(token);
      if (id === undefined && options.endTokens !== undefined) throw new OptionsError(`end token ${JSON.stringify(token)} is not in the tokenizer's vocabulary`);
      if (id !== undefined) ids.add(id);
    }
    if (ids.size === 0) throw new OptionsError('the tokenizer has no end-of-turn token (eos_token, <|im_end|>, <|eot_id|>, <|endoftext|>): pass endTokens');
    this.endTokenIds = [...ids];
  }

  /** Frees the engine made over `model` (its KV cache; pending replies are rejected). The model stays the caller's. */
  dispose(): void {
    if (this.policy instanceof GenerationEngine && this.model !== undefined) this.policy.dispose();
  }

  /** The prompt token ids for a conversation, ending where the assistant's reply starts. */
  encodePrompt(messages: readonly ChatMessage[]): number[] {
    checkMessages(messages, 'LocalChatPolicy');
    // Templates write BOS themselves where the model wants it, as transformers' apply_chat_template does.
    return this.tokenizer.encode(this.template.render(messages, { addGenerationPrompt: true }), { addSpecialTokens: false });
  }

  async chat(requests: readonly ChatRequest[], sampling?: SamplingOptions, options: { signal?: AbortSignal } = {}): Promise<ChatReply[]> {
    localChatArguments.check({ requests, ...(sampling !== undefined ? { sampling } : {}) });
    const tokenRequests = requests.map((r, i) => {
      const { messages, constraint, ...rest } = r as ChatRequest & Pick<GenerationRequest, 'allowedTokens'>;
      const stopTokenIds = [...new Set([...this.endTokenIds, ...(r.stopTokenIds ?? sampling?.stopTokenIds ?? [])])];
      if (constraint === undefined) return { ...rest, promptIds: this.encodePrompt(messages), stopTokenIds };
      if (typeof constraint?.next !== 'function') throw new OptionsError(`LocalChatPolicy: requests[${i}].constraint must be a ReplyConstraint (an object with next(reply))`);
      if (rest.allowedTokens !== undefined) throw new OptionsError(`LocalChatPolicy: requests[${i}] has both a constraint and allowedTokens; give one`);
      return { ...rest, promptIds: this.encodePrompt(messages), stopTokenIds, allowedTokens: this.allowedTokensFor(constraint, stopTokenIds) };
    });
    const completions = await this.policy.generate(tokenRequests, sampling, options);
    return completions.map((completion) => this.reply(completion));
  }

  /**
   * The engine's token-level form of a text-level constraint: before each token, the reply so
   * far is decoded and every vocabulary entry's text is tested. When the constraint allows no
   * token (a rule the tokenizer cannot satisfy), that token is drawn unconstrained rather than
   * failing the request: a constraint must never wedge an episode. With a `complete` method the
   * constraint alone decides where the stop tokens (end-of-turn and the request's `stopTokenIds`)
   * may come.
   */
  private allowedTokensFor(constraint: ReplyConstraint, stopTokenIds: readonly number[]): (generated: readonly number[]) => number[] | undefined {
    const ends = new Set(stopTokenIds);
    return (generated) => {
      const reply = this.tokenizer.decode(generated, { skipSpecialTokens: false });
      const test = constraint.next(reply);
      if (test === undefined) return undefined;
      const pieces = this.tokenPieces();
      const canEnd = typeof constraint.complete === 'function' ? constraint.complete(reply) : undefined;
      const ids: number[] = [];
      for (let id = 0; id < pieces.length; id++) if (canEnd !== undefined && ends.has(id) ? canEnd : test(pieces[id]!)) ids.push(id);
      return ids.length === 0 || ids.length === pieces.length ? undefined : ids;
    };
  }

  /**
   * Each token's text as it reads after other text: decoded behind a reference token and cut
   * off, because decoders drop a leading space at the start of a text (SentencePiece's `▁`).
   * Computed once per tokenizer (every LocalChatPolicy over it shares the list).
   */
  tokenPieces(): readonly string[] {
    let pieces = TOKEN_PIECES.get(this.tokenizer);
    if (pieces === undefined) {
      const ref = this.tokenizer.encode('a', { addSpecialTokens: false })[0];
      const head = ref === undefined ? '' : this.tokenizer.decode([ref], { skipSpecialTokens: false });
      pieces = [];
      for (let id = 0; id < this.tokenizer.vocabSize; id++) {
        let text: string;
        try {
          text = this.tokenizer.decode(ref === undefined ? [id] : [ref, id], { skipSpecialTokens: false });
        } catch {
          text = ''; // an id missing from a vocabulary with gaps: never sampled in practice
        }
        pieces.push(text.startsWith(head) ? text.slice(head.length) : text);
      }
      TOKEN_PIECES.set(this.tokenizer, pieces);
    }
    return pieces;
  }

  private reply(completion: Completion): ChatReply {
    const ids = [...completion.tokenIds];
    if (ids.length > 0 && this.endTokenIds.includes(ids[ids.length - 1]!)) ids.pop();
    // A stop string cut it: the engine's text is the decoded completion without the stop string.
    const cutByString = completion.text !== undefined && typeof completion.stopReason === 'string';
    const text = cutByString ? completion.text! : this.tokenizer.decode(ids, { skipSpecialTokens: false });
    return {
      text,
      finishReason: completion.finishReason,
      completion,
      usage: { promptTokens: completion.promptIds.length, completionTokens: completion.tokenIds.length },
    };
  }
}
