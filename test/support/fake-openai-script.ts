/**
 * Scripted answers for the fake OpenAI server: rule matching, grader verdicts and token usage.
 * No I/O; the server feeds requests in and sends what comes out.
 */
import type {
  ChatMessage,
  ChatRequestBody,
  FakeOpenAIOptions,
  GraderContext,
  GraderVerdict,
  ReplyContext,
  TextMatcher,
  Usage,
} from './fake-openai-types.ts';

/**
 * How promptfoo 0.121's llm-rubric grader system prompt begins (DEFAULT_GRADING_PROMPT in dist), and the
 * harness's own grading prompt too (src/assertions/grading-prompt.ts keeps the sentence). Both put the
 * answer in `<Output>` and the rubric in `<Rubric>`, in either order.
 */
export const GRADER_PROMPT_PREFIX = 'You are grading output according to a user-specified rubric';

export const DEFAULT_REPLY = 'fake answer';
export const DEFAULT_VERDICT: GraderVerdict = { pass: true, score: 1, reason: 'fake grader: default verdict' };

/** Flattens string or multimodal-part content to text. */
export function messageText(message: ChatMessage | undefined): string {
  const content = message?.content;
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) return content.map((part) => part.text ?? '').join('');
  return '';
}

/** The system text (all system/developer messages) and the last user message of a request. */
export function splitConversation(messages: ChatMessage[]): { system: string; user: string } {
  const system = messages
    .filter((m) => m.role === 'system' || m.role === 'developer')
    .map(messageText)
    .join('\n\n');
  const lastUser = [...messages].reverse().find((m) => m.role === 'user');
  return { system, user: messageText(lastUser) };
}

export function isGraderRequest(system: string): boolean {
  return system.trimStart().startsWith(GRADER_PROMPT_PREFIX);
}

/** Pulls `{{output}}` and `{{rubric}}` back out of the grader's user message. */
export function parseGraderPrompt(user: string): { output: string; rubric: string } {
  const output = /<Output>\n?([\s\S]*?)\n?<\/Output>/.exec(user)?.[1] ?? '';
  const rubric = /<Rubric>\n?([\s\S]*?)\n?<\/Rubric>/.exec(user)?.[1] ?? '';
  return { output, rubric };
}

export function textMatches(matcher: TextMatcher | undefined, text: string): boolean {
  if (matcher === undefined) return true;
  if (typeof matcher === 'string') return text.includes(matcher);
  if (matcher instanceof RegExp) {
    matcher.lastIndex = 0; // a /g or /y RegExp keeps state between calls
    return matcher.test(text);
  }
  return matcher(text);
}

/** Rough, deterministic token counts (≈ 4 characters a token), never zero for non-empty text. */
export function estimateUsage(messages: ChatMessage[], completion: string | null): Usage {
  const tokens = (text: string) => Math.ceil(text.length / 4);
  const prompt_tokens = messages.reduce((sum, m) => sum + tokens(messageText(m)) + 4, 0);
  const completion_tokens = Math.max(1, tokens(completion ?? ''));
  return { prompt_tokens, completion_tokens, total_tokens: prompt_tokens + completion_tokens };
}

/** The JSON text promptfoo parses from a grader answer: all three fields, score 0..1. */
export function verdictJson(verdict: GraderVerdict): string {
  const { pass, score = pass ? 1 : 0, reason = pass ? 'fake grader: pass' : 'fake grader: fail' } = verdict;
  return JSON.stringify({ reason, pass, score });
}

/** The answer chosen for one request: content to send and which rule produced it. */
export interface ScriptedAnswer {
  content: string;
  rule: string;
}

/**
 * Holds the per-rule and per-request counters that reply functions see, so that tests can answer
 * differently per call or per repeat. `reset()` starts the counts over.
 */
export class Script {
  private readonly ruleCounts = new Map<string, number>();
  private readonly requestCounts = new Map<string, number>();
  private chatCalls = 0;

  constructor(private options: FakeOpenAIOptions) {}

  configure(options: FakeOpenAIOptions): void {
    this.options = options;
  }

  reset(): void {
    this.ruleCounts.clear();
    this.requestCounts.clear();
    this.chatCalls = 0;
  }

  /** Builds the context for a chat request and advances the call counters. */
  context(body: ChatRequestBody): ReplyContext {
    const { system, user } = splitConversation(body.messages);
    const key = JSON.stringify([body.model, body.messages]);
    const sameRequestIndex = this.requestCounts.get(key) ?? 0;
    this.requestCounts.set(key, sameRequestIndex + 1);
    return { body, system, user, model: body.model, callIndex: this.chatCalls++, ruleCallIndex: 0, sameRequestIndex };
  }

  async answer(ctx: ReplyContext): Promise<ScriptedAnswer> {
    return isGraderRequest(ctx.system) ? this.answerGrader(ctx) : this.answerAgent(ctx);
  }

  private countRule(rule: string): number {
    const n = this.ruleCounts.get(rule) ?? 0;
    this.ruleCounts.set(rule, n + 1);
    return n;
  }

  private async answerAgent(ctx: ReplyContext): Promise<ScriptedAnswer> {
    const rules = this.options.rules ?? [];
    const index = rules.findIndex(
      (r) => textMatches(r.system, ctx.system) && textMatches(r.user, ctx.user) && textMatches(r.model, ctx.model),
    );
    const rule = rules[index];
    if (!rule) {
      const fallback = this.options.defaultReply ?? DEFAULT_REPLY;
      const ruleCallIndex = this.countRule('agent:default');
      const content = typeof fallback === 'string' ? fallback : fallback({ ...ctx, ruleCallIndex });
      return { content, rule: 'default' };
    }
    const name = rule.name ?? `rule ${index}`;
    const ruleCallIndex = this.countRule(`agent:${index}`);
    const content = typeof rule.reply === 'string' ? rule.reply : await rule.reply({ ...ctx, ruleCallIndex });
    return { content, rule: name };
  }

  private async answerGrader(ctx: ReplyContext): Promise<ScriptedAnswer> {
    const graderCtx: GraderContext = { ...ctx, ...parseGraderPrompt(ctx.user) };
    const rules = this.options.graderRules ?? [];
    const index = rules.findIndex(
      (r) => textMatches(r.output, graderCtx.output) && textMatches(r.rubric, graderCtx.rubric) && textMatches(r.model, graderCtx.model),
    );
    const rule = rules[index];
    if (!rule) {
      this.countRule('grader:default');
      return { content: verdictJson(this.options.defaultVerdict ?? DEFAULT_VERDICT), rule: 'grader default' };
    }
    const ruleCallIndex = this.countRule(`grader:${index}`);
    const verdict = typeof rule.verdict === 'function' ? await rule.verdict({ ...graderCtx, ruleCallIndex }) : rule.verdict;
    const content = typeof verdict === 'string' ? verdict : verdictJson(verdict);
    return { content, rule: rule.name ?? `grader rule ${index}` };
  }
}
