// The agent: a chat model (local or remote) with a prompt format, reply constraints and the
// action grammar, as one `Agent` that turns observations into actions; `servePolicy` serves a
// chat model over HTTP; `createSmallPolicy` builds a small agent from scratch.
export {
  ChatTemplate, ChatTemplateError, CHATML_TEMPLATE, PLAIN_TEMPLATE, type ChatRole, type ChatMessage, type ChatTemplateOptions,
} from './chat-template.js';
export { LocalChatPolicy, END_OF_TURN_TOKENS, type ChatRequest, type ChatReply, type ChatPolicy, type LocalChatPolicyOptions } from './chat.js';
export {
  AgentPrompt, PromptBudgetError, COMPRESSED_OBSERVATION,
  type AgentPromptOptions, type AgentState, type AgentHistoryTurn, type PromptObservation, type PromptTemplate, type AgentPromptSettings,
  type BuiltPrompt, type EncodedTurn, type ParsedReply,
} from './agent-prompt.js';
export {
  QuotedValueConstraint, ActionCallConstraint, copyConstraint, actionConstraint, textPieces, COPIED_ARGUMENT_ACTIONS, R1_CALL_NAMES,
  type ReplyConstraint, type QuotedValueSlot, type QuotedValueConstraintOptions, type ActionCallConstraintOptions, type ActionElement,
} from './constraint.js';
export { Agent, AGENT_SETTINGS_FILE, type AgentOptions, type AgentSettings, type AgentStep, type FromPretrainedOptions } from './agent.js';
export { RemotePolicy, RemotePolicyError, REMOTE_POLICY_DEFAULTS, type RemotePolicyOptions, type RemoteRetryInfo } from './remote.js';
export { servePolicy, SERVE_POLICY_DEFAULTS, type ServePolicyOptions, type PolicyServer } from './serve.js';
export {
  createSmallPolicy, demonstrationCorpus, SMALL_POLICY_DEFAULTS, SMALL_POLICY_SPECIAL_TOKENS, STARTER_TEMPLATES,
  type SmallPolicy, type SmallPolicySettings,
} from './small-policy.js';
