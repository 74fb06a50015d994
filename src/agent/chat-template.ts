// Chat templates: the Hugging Face Jinja templates (run by @huggingface/jinja) that turn a
// conversation into prompt text, the two built-in layouts (CHATML_TEMPLATE, PLAIN_TEMPLATE), the
// messages they render (ChatMessage, which ChatPolicy requests carry too) and the error a template
// that fails to parse or render raises. LocalChatPolicy (chat.ts) and AgentPrompt render with them.

import { Template } from '@huggingface/jinja';
import { OptionsError, WebAgentError } from '../errors.js';
import { configToken, type HfTokenizer } from '../model/tokenizer.js';

export type ChatRole = 'system' | 'user' | 'assistant';

export interface ChatMessage {
  readonly role: ChatRole;
  readonly content: string;
}

/** A chat template failed to render, or does not render a conversation as a prefix-extension. */
export class ChatTemplateError extends WebAgentError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('CHAT_TEMPLATE', message, options);
  }
}

/**
 * ChatML (`<|im_start|>role\n...<|im_end|>\n`), the Qwen family's layout: the default template
 * for from-scratch tokenizers (trainBpeTokenizer with `<|im_start|>` and `<|im_end|>` as specials).
 */
export const CHATML_TEMPLATE = [
  "{%- for message in messages %}{{- '<|im_start|>' + message.role + '\\n' + message.content + '<|im_end|>\\n' }}{%- endfor %}",
  "{%- if add_generation_prompt %}{{- '<|im_start|>assistant\\n' }}{%- endif %}",
].join('');

/**
 * A plain layout for small models trained from scratch: no role headers, fewest tokens. System
 * text and user turns are written as they are, each followed by a new line; an assistant turn
 * is its text and `<|im_end|>`, then a new line.
 */
export const PLAIN_TEMPLATE = [
  "{%- for message in messages %}{%- if message.role == 'assistant' %}{{- message.content + '<|im_end|>\\n' }}",
  "{%- else %}{{- message.content + '\\n' }}{%- endif %}{%- endfor %}",
].join('');

export interface ChatTemplateOptions {
  /** Variables templates read besides `messages` and `add_generation_prompt` (bos_token, ...). */
  readonly variables?: Readonly<Record<string, unknown>>;
}

/** A parsed Jinja chat template. Parse once, render per turn. */
export class ChatTemplate {
  private readonly template: Template;
  private readonly variables: Readonly<Record<string, unknown>>;

  constructor(readonly source: string, options: ChatTemplateOptions = {}) {
    if (typeof source !== 'string' || source.trim() === '') throw new OptionsError('a chat template must be a non-empty Jinja string');
    try {
      this.template = new Template(source);
    } catch (cause) {
      throw new ChatTemplateError(`the chat template does not parse: ${(cause as Error).message}`, { cause });
    }
    this.variables = options.variables ?? {};
  }

  /** The template of a Hugging Face tokenizer (its `chat_template`), with its special token names. */
  static fromTokenizer(tokenizer: HfTokenizer): ChatTemplate {
    if (tokenizer.chatTemplate === undefined) {
      throw new OptionsError('this tokenizer has no chat_template in tokenizer_config.json; pass a template (CHATML_TEMPLATE or PLAIN_TEMPLATE) explicitly');
    }
    const name = (key: string): string | undefined => configToken(tokenizer.config[key]);
    return new ChatTemplate(tokenizer.chatTemplate, {
      variables: { bos_token: name('bos_token') ?? '', eos_token: name('eos_token') ?? '', pad_token: name('pad_token') ?? '' },
    });
  }

  /** Renders the conversation; with `addGenerationPrompt`, ends where the assistant's reply starts. */
  render(messages: readonly ChatMessage[], options: { addGenerationPrompt?: boolean; variables?: Readonly<Record<string, unknown>> } = {}): string {
    try {
      return this.template.render({
        ...this.variables,
        ...options.variables,
        messages: messages.map((m) => ({ role: m.role, content: m.content })),
        add_generation_prompt: options.addGenerationPrompt ?? false,
      });
    } catch (cause) {
      throw new ChatTemplateError(`the chat template failed to render ${messages.length} messages: ${(cause as Error).message}`, { cause });
    }
  }
}
