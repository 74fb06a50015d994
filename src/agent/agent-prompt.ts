// AgentPrompt: the model input of a web agent in WebAgent-R1's format (arXiv 2505.16421), and
// the parser of its replies. A system prompt lists the action grammar and the reply format
// (`<think>..</think><answer>action</answer>`, or the bare action); every turn is a user
// message `Round k` + the page (the first also carries `Task Instruction: ...`) and the
// assistant's reply. Dynamic context compression keeps every earlier reply (thoughts and
// actions) but replaces every earlier page with a placeholder. A token budget cuts the current
// page first, and only then drops the oldest rounds. The same object turns a state and a reply
// into a training sample whose trainable tokens are exactly the reply the model wrote.
//
// Over 300 lines because one AgentPrompt builds the prompt the policy acts on, encodes that same
// prompt with a reply as a training sample, and parses and formats replies; the three must agree on
// the format (template, targets, think tags, compression, token budget), or what is trained would
// not be what acts.

import { formatAction, parseAction, type ActionGrammar } from '../env/action-grammar.js';
import { describeGrammar } from '../env/grammar-help.js';
import { DEFAULT_MAX_OBSERVATION_CHARS, renderObservationText } from '../env/observation-text.js';
import type { Action, Observation, ObservationNode } from '../env/types.js';
import { OptionsError, WebAgentError } from '../errors.js';
import { bool, custom, defineOptions, instanceOf, literal, nonNegativeInt, obj, oneOf, positiveInt, str, union } from '../options.js';
import { CHATML_TEMPLATE, ChatTemplate, ChatTemplateError, PLAIN_TEMPLATE, type ChatMessage } from './chat-template.js';
import { END_OF_TURN_TOKENS } from './chat.js';
import type { HfTokenizer } from '../model/tokenizer.js';

/** The placeholder of an earlier page, as in the released WebAgent-R1 code. */
export const COMPRESSED_OBSERVATION = '** Simplified html **';

/** What a prompt needs of an observation: its text, and optionally the rest of `Observation`. */
export type PromptObservation = Pick<Observation, 'text'> & Partial<Pick<Observation, 'url' | 'title' | 'lastActionError' | 'notices' | 'nodes'>>;

/** One earlier round: the page the agent saw and the reply it wrote. */
export interface AgentHistoryTurn {
  readonly observation: PromptObservation;
  /** The model's whole reply (thoughts and action) as it wrote it. */
  readonly reply: string;
}

/** Everything a prompt is built from. `history` is in order; the current round is history.length + 1. */
export interface AgentState {
  readonly intent: string;
  readonly history?: readonly AgentHistoryTurn[];
  readonly observation: PromptObservation;
}

export type PromptTemplate = 'tokenizer' | 'chatml' | 'plain';

/** AgentPrompt's options as plain JSON (`AgentPrompt.settings()`): no tokenizer, a custom template as its Jinja source. */
export type AgentPromptSettings = Omit<AgentPromptOptions, 'tokenizer' | 'template'> & { readonly template?: PromptTemplate | { readonly source: string } };

export interface AgentPromptOptions {
  /** Action syntax the model writes. Default `webagent-r1` (`do(action="Click", ...)`). */
  readonly grammar?: ActionGrammar;
  /**
   * How actions name elements: `id` (`element="12"`, pages show `[12]`; for large pretrained
   * models, as in the paper) or `name` (role + accessible name, pages show no ids; what small
   * models trained from scratch learn: they copy a name from the task long before they learn
   * to look an id up). Default `name` with the plain template, else `id`.
   */
  readonly targets?: 'id' | 'name';
  /** Ask for `<think>..</think><answer>..</answer>` (default true); false asks for the bare action. */
  readonly think?: boolean;
  /**
   * Teach the wait action in the system prompt (and allow it under the Agent's action
   * constraint). Default false, so the prompts of models trained before it existed stay as they were.
   */
  readonly wait?: boolean;
  /**
   * `tokenizer`: the tokenizer's own chat template (Hugging Face models; the default when the
   * tokenizer has one), `chatml` (the default otherwise), `plain` (no role headers, fewest
   * tokens: for small models trained from scratch), or a parsed ChatTemplate.
   */
  readonly template?: PromptTemplate | ChatTemplate;
  /** Needed for token budgets and for `encode`. */
  readonly tokenizer?: HfTokenizer;
  /** Replaces the system prompt; `false` writes none. Default: the WebAgent-R1 system prompt, none with the plain template. */
  readonly systemPrompt?: string | false;
  /** Replace earlier pages with the placeholder. Default true. */
  readonly compress?: boolean;
  /**
   * Put the task instruction at the end of the current round, after the page, instead of only
   * above round 1's page: the names a reply copies from the task are then a few tokens before
   * it, which a small model trained from scratch learns to copy much sooner. Default false
   * (WebAgent-R1's format).
   */
  readonly restateTask?: boolean;
  /** Default `** Simplified html **`. */
  readonly placeholder?: string;
  /**
   * Show the page's URL and title above its text. `path`: the URL without its origin (path,
   * query and fragment), for sites at one origin whose host and port carry nothing the agent
   * needs (a local server's random port is a dozen digit tokens in every round; the title still
   * names the site). Default true.
   */
  readonly showUrl?: boolean | 'path';
  /** Characters of page text when it is re-rendered from nodes (name targets, budgets). Default 12,000. */
  readonly maxObservationChars?: number;
  /** Most prompt tokens (needs `tokenizer`). The current page is cut first, then the oldest rounds dropped. */
  readonly maxPromptTokens?: number;
  /** Page tokens kept before older rounds are dropped instead. Default min(256, maxPromptTokens / 4). */
  readonly minObservationTokens?: number;
}

/** AgentPromptOptions but the tokenizer (shared with FromPretrainedOptions, which loads the tokenizer itself). */
export const agentPromptShape = {
  grammar: oneOf(['webagent-r1', 'webarena']).optional(),
  targets: oneOf(['id', 'name']).optional(),
  think: bool().optional(),
  wait: bool().optional(),
  template: union([oneOf(['tokenizer', 'chatml', 'plain']), instanceOf<ChatTemplate>(ChatTemplate, 'a ChatTemplate')], "'tokenizer', 'chatml', 'plain' or a ChatTemplate").optional(),
  systemPrompt: union([str(), literal(false)], 'a string or false (no system prompt)').optional(),
  compress: bool().optional(),
  restateTask: bool().optional(),
  placeholder: str('a string').optional(),
  showUrl: union([bool(), literal('path')], "true, false or 'path'").optional(),
  maxObservationChars: positiveInt('a positive integer (characters)').optional(),
  maxPromptTokens: positiveInt('an integer >= 1').optional(),
  minObservationTokens: nonNegativeInt('an integer >= 0 (tokens)').optional(),
};

/** A tokenizer as the prompt uses it (an HfTokenizer), duck-typed. */
export const tokenizerSchema = custom<HfTokenizer>(
  (v) => typeof (v as Partial<HfTokenizer> | null)?.encode === 'function' && typeof (v as Partial<HfTokenizer> | null)?.decode === 'function',
  'an HfTokenizer (an object with encode and decode)',
);

/** The schema of AgentPromptOptions: checked by the constructor. */
export const agentPromptOptions = defineOptions<AgentPromptOptions>()('AgentPrompt', obj({ ...agentPromptShape, tokenizer: tokenizerSchema.optional() }));

/** The prompt for one turn. */
export interface BuiltPrompt {
  readonly messages: ChatMessage[];
  /** The rendered prompt, ending where the reply starts. */
  readonly text: string;
  /** Its token ids, when the prompt has a tokenizer. */
  readonly promptIds?: number[];
  /** The current page was cut to fit (by the character limit or the token budget). */
  readonly observationTruncated: boolean;
  /**
   * Earlier rounds left out to fit the token budget: oldest first, keeping round 1 (the task);
   * in the last resort all of them, the task then written into the current round.
   */
  readonly omittedRounds: number;
}

/** One turn as a training sample: context tokens, then the model's tokens. */
export interface EncodedTurn {
  readonly promptIds: number[];
  /** The reply as the template writes it, through the end-of-turn token: the trainable part. */
  readonly completionIds: number[];
  readonly completionText: string;
  /** promptIds then completionIds. */
  readonly ids: Int32Array;
  /** 1 on completion tokens (trained), 0 on context tokens. */
  readonly lossMask: Uint8Array;
}

/** A reply split into its parts. `action` is `invalid` (with a reason) when none could be read. */
export interface ParsedReply {
  readonly action: Action;
  readonly thought?: string;
  /** The action text as written (inside <answer> when the reply uses tags). */
  readonly actionText: string;
}

/** The system prompt, the intent and the history leave too few tokens for the page. */
export class PromptBudgetError extends WebAgentError {
  constructor(message: string) {
    super('PROMPT_TOO_LONG', message);
  }
}

const PAGE_OMITTED = '(the page is not shown: the prompt is over its token budget)';
/** Longest error or notice text shown, in characters. */
const MAX_NOTE_CHARS = 300;
const clip = (text: string): string => (text.length > MAX_NOTE_CHARS ? `${text.slice(0, MAX_NOTE_CHARS)}…` : text);
/** Characters of the URL and of the title the last resort of a token budget keeps, before it leaves them out. */
const HEADER_CUT = 80;

function systemPromptFor(grammar: ActionGrammar, targets: 'id' | 'name', think: boolean, placeholder: string, wait: boolean): string {
  const lines = targets === 'id'
    ? 'actionable elements are written [id] role "name", with their value and state'
    : 'actionable elements are written role "name", with their value and state';
  return [
    'You are a web agent. You complete the task you are given in a web browser, one action per round.',
    `Each round shows the current page as text, one line per element or block of text; ${lines}.`,
    `Pages of earlier rounds are replaced by "${placeholder}"; your earlier replies are kept.`,
    '',
    describeGrammar(grammar, { targets, wait }),
    '',
    think
      ? 'First think step by step inside <think> and </think>, then write exactly one action inside <answer> and </answer>.'
      : 'Reply with exactly one action and nothing else.',
  ].join('\n');
}

/**
 * Page text without the `[12] ` ids that start its lines (after indentation), for name targets.
 * The indentation may not cross a line break: `^(\s*)` did, and from every line start of a run
 * of blank lines it scanned the rest of the run, quadratic in the run. Same result, linear.
 */
function withoutIds(text: string): string {
  return text.replace(/^([^\S\n\r\u2028\u2029]*)\[\d+\] /gm, '$1');
}

/** Lines of a page without its node structure, as nodes, so budgets can cut them the same way. */
function textNodes(text: string): ObservationNode[] {
  return text.split('\n').map((line) => ({ role: 'text', name: line, visible: true }));
}

export class AgentPrompt {
  readonly grammar: ActionGrammar;
  readonly targets: 'id' | 'name';
  readonly think: boolean;
  readonly wait: boolean;
  readonly template: ChatTemplate;
  readonly tokenizer: HfTokenizer | undefined;
  readonly systemPrompt: string | undefined;
  readonly compress: boolean;
  readonly restateTask: boolean;
  readonly placeholder: string;
  readonly showUrl: boolean | 'path';
  readonly maxObservationChars: number;
  readonly maxPromptTokens: number | undefined;
  readonly minObservationTokens: number;
  /** The options as given, without the tokenizer: what `settings()` writes. */
  readonly #given: Omit<AgentPromptOptions, 'tokenizer'>;
  private readonly lineTokens = new Map<string, number>();

  constructor(options: AgentPromptOptions = {}) {
    agentPromptOptions.check(options);
    const given: AgentPromptOptions = { ...options };
    delete (given as { tokenizer?: unknown }).tokenizer;
    this.#given = given;
    this.grammar = options.grammar ?? 'webagent-r1';
    describeGrammar(this.grammar); // validates the grammar name
    this.tokenizer = options.tokenizer;
    const template = options.template ?? (this.tokenizer?.chatTemplate !== undefined ? 'tokenizer' : 'chatml');
    if (template instanceof ChatTemplate) this.template = template;
    else if (template === 'tokenizer') {
      if (this.tokenizer === undefined) throw new OptionsError('AgentPrompt: template "tokenizer" needs the `tokenizer` option');
      this.template = ChatTemplate.fromTokenizer(this.tokenizer);
    } else if (template === 'chatml') this.template = new ChatTemplate(CHATML_TEMPLATE);
    else if (template === 'plain') this.template = new ChatTemplate(PLAIN_TEMPLATE);
    else throw new OptionsError(`AgentPrompt option template must be 'tokenizer', 'chatml', 'plain' or a ChatTemplate, got ${JSON.stringify(template)}`);
    const plain = template === 'plain';
    this.targets = options.targets ?? (plain ? 'name' : 'id');
    this.think = options.think ?? true;
    this.wait = options.wait ?? false;
    this.compress = options.compress ?? true;
    this.restateTask = options.restateTask ?? false;
    this.placeholder = options.placeholder ?? COMPRESSED_OBSERVATION;
    this.showUrl = options.showUrl ?? true;
    this.maxObservationChars = options.maxObservationChars ?? DEFAULT_MAX_OBSERVATION_CHARS;
    const system = options.systemPrompt ?? (plain ? false : undefined);
    this.systemPrompt = system === false ? undefined : system ?? systemPromptFor(this.grammar, this.targets, this.think, this.placeholder, this.wait);
    this.maxPromptTokens = options.maxPromptTokens;
    if (this.maxPromptTokens !== undefined) {
      if (this.tokenizer === undefined) throw new OptionsError('AgentPrompt: maxPromptTokens needs the `tokenizer` option to count tokens');
    }
    this.minObservationTokens = options.minObservationTokens ?? Math.min(256, Math.floor((this.maxPromptTokens ?? 1024) / 4));
  }

  /**
   * The options this prompt was made with, as plain JSON (no tokenizer; a ChatTemplate object as
   * its Jinja source): what a checkpoint stores so that `Agent.fromPretrained` rebuilds the same
   * prompt. `AgentPrompt.fromSettings` reads it back.
   */
  settings(): AgentPromptSettings {
    const { template, ...rest } = this.#given;
    return { ...rest, ...(template === undefined ? {} : { template: template instanceof ChatTemplate ? { source: template.source } : template }) };
  }

  /** The options `settings()` wrote, with a tokenizer: a ChatTemplate source becomes a ChatTemplate again. */
  static optionsFrom(settings: AgentPromptSettings, tokenizer?: HfTokenizer): AgentPromptOptions {
    const { template, ...rest } = settings;
    return { ...rest, ...(tokenizer ? { tokenizer } : {}), ...(template === undefined ? {} : { template: typeof template === 'string' ? template : new ChatTemplate(template.source) }) };
  }

  /** The page as the prompt shows it, cut to `maxTokens` when given. */
  pageText(observation: PromptObservation, maxTokens?: number): { text: string; truncated: boolean } {
    const nodes = observation.nodes !== undefined && observation.nodes.length > 0 ? observation.nodes : undefined;
    if (maxTokens === undefined) {
      if (this.targets === 'id' || nodes === undefined) {
        const text = this.targets === 'id' ? observation.text : withoutIds(observation.text);
        return { text, truncated: false };
      }
      return renderObservationText(nodes, { maxChars: this.maxObservationChars }, { ids: false });
    }
    // countLines is a sum over lines, so the window grows with one count per added line.
    const countLineTokens = (line: string): number => this.countLines(line);
    const source = nodes ?? textNodes(observation.text);
    // Characters too, so one long line cannot keep the page over a small token budget (a token
    // is rarely under 2 characters of page text).
    const maxChars = Math.min(this.maxObservationChars, Math.max(160, maxTokens * 2));
    return renderObservationText(source, { maxChars, maxTokens, countLineTokens }, { ids: this.targets === 'id' });
  }

  /** The user message of round `round` (1-based). `page` undefined = compressed. */
  private userMessage(round: number, intent: string, observation: PromptObservation, page: string | undefined, withTask = round === 1, current = false): string {
    const parts = [`Round ${round}`];
    const taskLast = current && this.restateTask;
    if (withTask && !taskLast) parts.push(`Task Instruction: ${intent}`);
    const about: string[] = [];
    if (observation.lastActionError) about.push(`Last action failed: ${clip(observation.lastActionError)}`);
    for (const notice of observation.notices ?? []) about.push(`Notice: ${clip(notice)}`);
    if (page === undefined) about.push(this.placeholder);
    else {
      if (this.showUrl && observation.url) about.push(`URL: ${this.showUrl === 'path' ? urlPath(observation.url) : observation.url}`);
      if (this.showUrl && observation.title) about.push(`Title: ${observation.title}`);
      about.push(page);
    }
    parts.push(about.join('\n'));
    if (taskLast) parts.push(`Task Instruction: ${intent}`);
    return parts.join('\n\n');
  }

  private assemble(state: AgentState, page: string, omitted: number): ChatMessage[] {
    const history = state.history ?? [];
    const messages: ChatMessage[] = [];
    if (this.systemPrompt !== undefined) messages.push({ role: 'system', content: this.systemPrompt });
    history.forEach((turn, i) => {
      if (i > 0 && i <= omitted) return; // round 1 (the task) always stays
      const shown = this.compress ? undefined : this.pageText(turn.observation).text;
      messages.push({ role: 'user', content: this.userMessage(i + 1, state.intent, turn.observation, shown) });
      messages.push({ role: 'assistant', content: turn.reply });
    });
    messages.push({ role: 'user', content: this.userMessage(history.length + 1, state.intent, state.observation, page, history.length === 0, true) });
    return messages;
  }

  /** The chat messages of the current turn, without any token budget. */
  messages(state: AgentState): ChatMessage[] {
    checkState(state);
    return this.assemble(state, this.pageText(state.observation).text, 0);
  }

  /** The prompt of the current turn, within `maxPromptTokens` when set. */
  build(state: AgentState): BuiltPrompt {
    checkState(state);
    const full = this.pageText(state.observation);
    const messages = this.assemble(state, full.text, 0);
    const text = this.template.render(messages, { addGenerationPrompt: true });
    if (this.tokenizer === undefined) return { messages, text, observationTruncated: full.truncated, omittedRounds: 0 };
    const promptIds = this.encodeText(text);
    const max = this.maxPromptTokens;
    if (max === undefined || promptIds.length <= max) return { messages, text, promptIds, observationTruncated: full.truncated, omittedRounds: 0 };

    // Over budget: cut the page first; drop the oldest rounds only when the page would fall below its floor.
    const earlier = state.history?.length ?? 0;
    for (let omitted = 0; omitted <= Math.max(0, earlier - 1); omitted++) {
      const rest = this.encodeText(this.template.render(this.assemble(state, '', omitted), { addGenerationPrompt: true })).length;
      let room = max - rest;
      if (room < this.minObservationTokens && omitted < earlier - 1) continue;
      // Per-line counts approximate the joined text's; shrink until the real count fits.
      for (let attempt = 0; attempt < 6 && room > 0; attempt++) {
        const page = this.pageText(state.observation, room);
        const msgs = this.assemble(state, page.text, omitted);
        const t = this.template.render(msgs, { addGenerationPrompt: true });
        const ids = this.encodeText(t);
        if (ids.length <= max) return { messages: msgs, text: t, promptIds: ids, observationTruncated: true, omittedRounds: omitted };
        room -= ids.length - max;
      }
    }
    // Last resort, so a history of long garbage replies never stops a run: the task and this
    // round's header only (every earlier round, the page and most of the error left out). The
    // error is cut shorter until it fits: a failed action with a long error (a list of
    // candidates) must not end the episode; at least "Last action failed: …" is kept. Then a
    // URL or title too long for the budget (a page's own text) is cut, and then left out.
    const { lastActionError: error, url, title } = state.observation;
    const long = (url?.length ?? 0) > HEADER_CUT || (title?.length ?? 0) > HEADER_CUT;
    const stages = [...(error ? [80, 40, 16, 0] : [0]).map((cut) => ({ cut, head: Infinity })), ...(long ? [{ cut: 0, head: HEADER_CUT }, { cut: 0, head: 0 }] : [])];
    let ids: number[] = [];
    for (const { cut, head } of stages) {
      const msgs: ChatMessage[] = [];
      if (this.systemPrompt !== undefined) msgs.push({ role: 'system', content: this.systemPrompt });
      const lastActionError = error ? (cut > 0 ? error.slice(0, cut) : '…') : null;
      const shortened = (text: string | undefined): string | undefined => (text === undefined || text.length <= head ? text : head > 0 ? `${text.slice(0, head)}…` : '');
      const observation = { ...state.observation, lastActionError, notices: [], url: shortened(url), title: shortened(title) };
      msgs.push({ role: 'user', content: this.userMessage(earlier + 1, state.intent, observation, PAGE_OMITTED, true, true) });
      const t = this.template.render(msgs, { addGenerationPrompt: true });
      ids = this.encodeText(t);
      if (ids.length <= max) return { messages: msgs, text: t, promptIds: ids, observationTruncated: true, omittedRounds: earlier };
    }
    throw new PromptBudgetError(`AgentPrompt: maxPromptTokens ${max} leaves no room for the page: the system prompt, the task and round 1 alone take ${ids.length} tokens; raise maxPromptTokens or shorten the system prompt`);
  }

  /**
   * The training sample of a turn: the prompt (context, as `build` makes it) and `reply` as
   * the template writes an assistant message, through its end-of-turn token (trainable).
   */
  encode(state: AgentState, reply: string): EncodedTurn {
    if (typeof reply !== 'string') throw new OptionsError('AgentPrompt.encode: reply must be a string');
    const built = this.build(state);
    const full = this.template.render([...built.messages, { role: 'assistant', content: reply }]);
    if (!full.startsWith(built.text)) {
      throw new ChatTemplateError('the chat template writes the conversation differently once the reply is added (the prompt is not a prefix), so prompt and reply tokens cannot be separated');
    }
    let completionText = full.slice(built.text.length);
    const end = this.endOfTurn(completionText);
    if (end !== undefined) completionText = completionText.slice(0, end);
    const promptIds = built.promptIds ?? this.encodeText(built.text);
    const completionIds = this.encodeText(completionText);
    const ids = Int32Array.from([...promptIds, ...completionIds]);
    const lossMask = new Uint8Array(ids.length);
    lossMask.fill(1, promptIds.length);
    return { promptIds, completionIds, completionText, ids, lossMask };
  }

  /**
   * Reads the action from a reply. Never throws: no action gives `invalid` with the reason.
   * Takes time linear in the reply (tags are found with indexOf, each part of the reply read
   * once); an action longer than MAX_ACTION_CHARS is invalid.
   */
  parseReply(reply: string): ParsedReply {
    const text = typeof reply === 'string' ? reply : String(reply);
    const think = thinkBlock(text);
    const thought = think?.body.trim();
    const answer = lastAnswer(text);
    let actionText: string;
    if (answer !== undefined) actionText = answer.trim();
    else if (this.think) {
      const open = text.indexOf(ANSWER); // an unclosed answer, as when a stop string cut it
      if (open < 0) {
        return { action: { type: 'invalid', text, reason: 'the reply has no <answer>...</answer>: write exactly one action inside <answer> and </answer>' }, ...(thought ? { thought } : {}), actionText: '' };
      }
      actionText = text.slice(open + ANSWER.length).trim();
    } else actionText = (think === undefined ? text : text.slice(0, think.start) + text.slice(think.end)).trim();
    return { action: parseAction(actionText, this.grammar), ...(thought ? { thought } : {}), actionText };
  }

  /** A reply in this prompt's format, for expert demonstrations: `<think>..</think><answer>..</answer>` or the bare action. */
  formatReply(action: Action, thought?: string): string {
    const written = formatAction(action, this.grammar);
    if (!this.think) return written;
    return `<think>${thought ?? ''}</think><answer>${written}</answer>`;
  }

  private encodeText(text: string): number[] {
    if (this.tokenizer === undefined) throw new OptionsError('AgentPrompt: counting or encoding tokens needs the `tokenizer` option');
    // Templates write BOS themselves where the model wants it, as transformers' apply_chat_template does.
    return this.tokenizer.encode(text, { addSpecialTokens: false });
  }

  /** Tokens of a page window, from cached per-line counts plus one per line break. */
  private countLines(text: string): number {
    let total = 0;
    const lines = text.split('\n');
    for (const line of lines) {
      let n = this.lineTokens.get(line);
      if (n === undefined) {
        n = this.encodeText(line).length;
        if (this.lineTokens.size > 50_000) this.lineTokens.clear();
        this.lineTokens.set(line, n);
      }
      total += n;
    }
    return total + lines.length - 1;
  }

  /** Index just past the first end-of-turn token in `text`, if any. */
  private endOfTurn(text: string): number | undefined {
    let best: number | undefined;
    const names = new Set(END_OF_TURN_TOKENS);
    const eos = this.tokenizer?.eosTokenId === undefined ? undefined : this.tokenizer.idToToken(this.tokenizer.eosTokenId);
    if (eos !== undefined) names.add(eos);
    for (const token of names) {
      const at = text.indexOf(token);
      if (at >= 0 && (best === undefined || at + token.length < best)) best = at + token.length;
    }
    return best;
  }
}

const THINK = '<think>';
const THINK_END = '</think>';
const ANSWER = '<answer>';
const ANSWER_END = '</answer>';

/** The first `<think>` block: its text up to the first `</think>` after it (or the end of the reply), and its extent. */
function thinkBlock(text: string): { body: string; start: number; end: number } | undefined {
  const start = text.indexOf(THINK);
  if (start < 0) return undefined;
  const from = start + THINK.length;
  const close = text.indexOf(THINK_END, from);
  return close < 0 ? { body: text.slice(from), start, end: text.length } : { body: text.slice(from, close), start, end: close + THINK_END.length };
}

/**
 * The text of the last complete `<answer>...</answer>`, pairing each `<answer>` with the first
 * `</answer>` after it, left to right. Stops at the first `<answer>` with no `</answer>` after
 * it (none after it can have one), so a reply of many unclosed tags is read once, not once per tag.
 */
function lastAnswer(text: string): string | undefined {
  let last: string | undefined;
  let open = text.indexOf(ANSWER);
  while (open >= 0) {
    const from = open + ANSWER.length;
    const close = text.indexOf(ANSWER_END, from);
    if (close < 0) break;
    last = text.slice(from, close);
    open = text.indexOf(ANSWER, close + ANSWER_END.length);
  }
  return last;
}

/** `url` without its origin (path, query, fragment); the URL itself when it has no http(s) origin. */
export function urlPath(url: string): string {
  const m = /^https?:\/\/[^/?#]*/i.exec(url);
  if (m === null) return url;
  const rest = url.slice(m[0].length);
  return rest.startsWith('/') ? rest : `/${rest}`;
}

function checkState(state: AgentState): void {
  if (typeof state !== 'object' || state === null) throw new OptionsError('AgentPrompt: state must be {intent, history?, observation}');
  if (typeof state.intent !== 'string') throw new OptionsError('AgentPrompt: state.intent must be a string (the task instruction)');
  if (typeof state.observation !== 'object' || state.observation === null || typeof state.observation.text !== 'string') {
    throw new OptionsError('AgentPrompt: state.observation must be an Observation (at least {text})');
  }
  if (state.history !== undefined) {
    if (!Array.isArray(state.history)) throw new OptionsError('AgentPrompt: state.history must be an array of {observation, reply}');
    state.history.forEach((turn: AgentHistoryTurn, i) => {
      if (typeof turn?.reply !== 'string' || typeof turn.observation?.text !== 'string') {
        throw new OptionsError(`AgentPrompt: state.history[${i}] must be {observation: {text, ...}, reply: string}`);
      }
    });
  }
}
