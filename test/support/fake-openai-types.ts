/**
 * Types for the fake OpenAI chat-completions server (a test double, see `fake-openai-server.ts`).
 * Kept apart so rule/fault logic and the HTTP layer can share them without importing each other.
 */

/** Matches a piece of request text: substring, regular expression, or predicate. */
export type TextMatcher = string | RegExp | ((text: string) => boolean);

/** One chat message as the OpenAI protocol sends it (content may be parts for multimodal calls). */
export interface ChatMessage {
  role: string;
  content?: string | Array<{ type: string; text?: string }> | null;
  [key: string]: unknown;
}

/** The request body of `POST /v1/chat/completions`, as far as the double reads it. */
export interface ChatRequestBody {
  model: string;
  messages: ChatMessage[];
  temperature?: number;
  max_tokens?: number;
  [key: string]: unknown;
}

/** What a reply function sees about the request it answers. */
export interface ReplyContext {
  body: ChatRequestBody;
  /** Text of all system messages, joined by a blank line ('' when none). */
  system: string;
  /** Text of the last user message ('' when none). */
  user: string;
  model: string;
  /** 0-based index of this request among all chat-completion requests since start/reset. */
  callIndex: number;
  /** How many earlier requests matched the same rule (0 for the first): answer per call. */
  ruleCallIndex: number;
  /**
   * How many earlier requests had the same model and messages (0 for the first). Without retries
   * this is the repeat index, so a rule can answer differently per repeat.
   */
  sameRequestIndex: number;
}

/** A scripted answer for agent (non-grader) requests. All given matchers must match. */
export interface ScriptRule {
  system?: TextMatcher;
  user?: TextMatcher;
  model?: TextMatcher;
  reply: string | ((ctx: ReplyContext) => string | Promise<string>);
  /** Optional name, recorded with each call it answers (handy in failure messages). */
  name?: string;
}

/** What promptfoo's llm-rubric grader expects back: `{"reason", "pass", "score"}` as JSON text. */
export interface GraderVerdict {
  pass: boolean;
  score?: number;
  reason?: string;
}

/** What a grader reply function sees: the graded output and rubric parsed from the grader prompt. */
export interface GraderContext extends ReplyContext {
  output: string;
  rubric: string;
}

/**
 * A scripted verdict for grader requests (system prompt starts "You are grading output according to a
 * user-specified rubric"). A function may return a verdict, or a raw string to send (e.g. bad JSON).
 */
export interface GraderRule {
  output?: TextMatcher;
  rubric?: TextMatcher;
  model?: TextMatcher;
  verdict: GraderVerdict | ((ctx: GraderContext) => GraderVerdict | string | Promise<GraderVerdict | string>);
  name?: string;
}

/** Faults the double can inject instead of a normal answer (issue 7). */
export const FAULT_KINDS = [
  'rate-limit-retry-after', // 429 with a Retry-After header
  'rate-limit', // 429 without Retry-After
  'server-error', // 500
  'bad-gateway', // 502
  'unavailable', // 503
  'hang', // never answers until the client or the server closes the connection
  'reset', // 200 headers and half a body, then the connection is reset
  'malformed-json', // 200 with a truncated JSON body
  'empty-choices', // 200 with `choices: []`
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

/** Which requests a fault profile applies to. */
export type FaultTarget = 'all' | 'agent' | 'grader';

/**
 * Injected faults. `rates` are per-request probabilities (their sum must be ≤ 1), drawn from a
 * PRNG seeded by `seed` and the request's arrival index, so a run with the same seed and the same
 * arrival order gets the same faults. `schedule` overrides `rates` with an exact plan by index.
 */
export interface FaultProfile {
  rates?: Partial<Record<FaultKind, number>>;
  /** Fault per arrival index (of the targeted requests); `null`/missing means answer normally. */
  schedule?: ReadonlyArray<FaultKind | null> | ((index: number, ctx: ReplyContext) => FaultKind | null);
  seed?: number;
  /** Seconds sent in `Retry-After` for 'rate-limit-retry-after' (default 1). */
  retryAfterSeconds?: number;
  appliesTo?: FaultTarget;
}

/** Token usage reported in the response. */
export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

export interface FakeOpenAIOptions {
  /** Agent rules, first match wins. */
  rules?: ScriptRule[];
  /** Answer when no agent rule matches (default: "fake answer"). */
  defaultReply?: string | ((ctx: ReplyContext) => string);
  /** Grader rules, first match wins. */
  graderRules?: GraderRule[];
  /** Verdict when no grader rule matches (default: pass, score 1). */
  defaultVerdict?: GraderVerdict;
  /** Delay before answering (also before a fault), in ms. */
  latencyMs?: number | ((ctx: ReplyContext) => number);
  /**
   * Holds each chat answer (after its latency) until this many requests are in flight at once, then
   * answers every held one and holds nothing more until `reset()` (or when the server closes): "N
   * requests overlap" as an event, never a guess about how long a delay must be on a busy machine. A
   * client that never has N requests in flight at once is never answered.
   */
  holdUntilInFlight?: number;
  /**
   * Called for each chat request after its latency: a promise returned holds that answer until it settles
   * (or the server closes). A test releases answers on its own events, e.g. after a second process ran.
   */
  holdAnswer?: (ctx: ReplyContext) => Promise<void> | undefined;
  /** Delay before answering `GET /v1/models` (what the harness probes before a run); default 0. */
  modelsLatencyMs?: number;
  faults?: FaultProfile;
  /** Model ids listed by `GET /v1/models` (default ['test-model']). */
  models?: string[];
  /** When set, requests without `Authorization: Bearer <requireApiKey>` get 401. */
  requireApiKey?: string;
  /** Port to listen on (default 0: a random free port). */
  port?: number;
  /** Token usage sent with every agent (non-grader) answer; default: estimated from the text (characters / 4). */
  usage?: { prompt_tokens: number; completion_tokens: number };
}

/** The kind of request, as classified by the double. */
export type CallKind = 'chat' | 'grader' | 'models' | 'invalid' | 'not-found';

/** How a request ended at the server. */
export type CallOutcome = 'in-flight' | 'answered' | 'hung' | 'reset' | 'client-closed';

/** One recorded request. Secrets are never stored: the Authorization header is redacted. */
export interface RecordedCall {
  /** 0-based arrival index among all recorded requests. */
  index: number;
  kind: CallKind;
  method: string;
  path: string;
  /** Parsed JSON body, or the raw text when it was not JSON (undefined for GET). */
  body: ChatRequestBody | unknown;
  /** Request headers, lower-cased; authorization / api-key headers replaced by "[REDACTED]". */
  headers: Record<string, string>;
  /** Whether an Authorization header came, and the first 8 hex chars of its SHA-256. */
  auth: { present: boolean; fingerprint?: string };
  startedAt: number;
  endedAt?: number;
  /** HTTP status sent (null when no status line was sent: hang, client gone first). */
  status: number | null;
  outcome: CallOutcome;
  fault: FaultKind | null;
  /** The scripted content returned (agent answer or grader JSON text), when answered normally. */
  reply?: string;
  /** Token usage sent with a normal answer. */
  usage?: Usage;
  /** Name or index of the rule that answered ('default' when none matched). */
  rule?: string;
}

/** Counters kept alongside the log. */
export interface FakeOpenAIStats {
  total: number;
  chat: number;
  grader: number;
  inFlight: number;
  maxInFlight: number;
  byStatus: Record<string, number>;
  byFault: Partial<Record<FaultKind, number>>;
}
