/**
 * A scripted main agent that routes by a stated rule, for the routing-case tests on both real runtimes.
 *
 * The rule (what the fake model does on the main agent's first turn, reading the request):
 * - mentions "SQL" → delegates to `database-engineer`;
 * - mentions "XSS" → delegates to `security-auditor`;
 * - mentions "GENERAL" → delegates to the runtime's built-in general agent (`general-purpose` / `general`);
 * - mentions "LOOP" → reads README.md on every turn and never decides (a case that must end as an error);
 * - anything else → answers itself.
 * With `byDescription`, the rule reads the agents as the runtime lists them to the main agent (`- name: description`
 * lines) instead of knowing their names: "SQL" / "XSS" go to the listed agent whose description says that word most
 * often (the first listed on a tie; none → answers itself). A description edit then moves requests, as it would
 * with a real model.
 * A second turn of the main agent (which a routing case must never reach) and every subagent answer with text.
 * Each suite agent's body carries a marker (`<NAME>-BODY-MARKER`), so a test can tell that no request ever
 * carried a subagent's system prompt: the subagent never ran.
 *
 * @example
 * anthropic.configure({ rules: claudeRoutingRules() });
 * const out = await runtime.route({ agents: routingSuite('claude-code'), request: 'Fix the SQL', ... });
 * out.chosen; // 'database-engineer'
 */
import type { RuntimeAgent } from '../../src/shared/agent-runtime.ts';
import type { AnthropicRule } from './fake-anthropic-server.ts';
import type { StreamRule } from './fake-openai-stream-server.ts';

export interface RoutingRequest {
  request: string;
  /** The decision the rule makes for it. */
  expected: string;
}

/** The suite's agents: name, description, and a body with its marker. */
const SUITE = [
  { name: 'database-engineer', description: 'Use for SQL queries, schemas, indexes and migrations.' },
  { name: 'security-auditor', description: 'Use for security reviews: XSS, injection, authentication.' },
  { name: 'docs-writer', description: 'Use for READMEs and user documentation.' },
];

/** The marker in a suite agent's body. */
export const bodyMarker = (name: string) => `${name.toUpperCase()}-BODY-MARKER`;

/** The suite as a runtime gets it, in the runtime's dialect (OpenCode files: `mode: subagent` left out on purpose, the runtime sets it). */
export function routingSuite(runtime: 'claude-code' | 'opencode'): RuntimeAgent[] {
  return SUITE.map(({ name, description }) => {
    const systemPrompt = `You are ${bodyMarker(name)}. Do your part.`;
    const quoted = JSON.stringify(description); // a YAML string, whatever punctuation it holds
    const front = runtime === 'claude-code' ? `name: ${name}\ndescription: ${quoted}\ntools: Read` : `description: ${quoted}`;
    return {
      name,
      description,
      dialect: runtime,
      systemPrompt,
      fileText: `---\n${front}\n---\n${systemPrompt}\n`,
      tools: runtime === 'claude-code' ? ['Read'] : [],
      permissions: [],
    };
  });
}

/** `agent` with another description (its file's frontmatter line too): a description edit, as a variant makes it. */
export function withDescription(agent: RuntimeAgent, description: string): RuntimeAgent {
  return { ...agent, description, fileText: agent.fileText.replace(/^description: .*$/m, `description: ${JSON.stringify(description)}`) };
}

/** The requests and what the rule decides for each, per runtime (the built-in general agent's name differs). */
export function routingRequests(runtime: 'claude-code' | 'opencode'): RoutingRequest[] {
  return [
    { request: 'The SQL query behind /orders is slow; which index is missing?', expected: 'database-engineer' },
    { request: 'Is the comment form open to XSS?', expected: 'security-auditor' },
    { request: 'What does HTTP status 418 mean?', expected: 'none' },
    { request: 'GENERAL: collect the TODO comments.', expected: runtime === 'claude-code' ? 'general-purpose' : 'general' },
  ];
}

export interface RoutingRuleOptions {
  /** Route by the descriptions the runtime lists, not by fixed names. */
  byDescription?: boolean;
}

/** Every string in a request body, joined: where the runtime lists its agents (a tool description, a system part). */
function textsOf(value: unknown): string {
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return value.map(textsOf).join('\n');
  if (value && typeof value === 'object') return Object.values(value).map(textsOf).join('\n');
  return '';
}

/** The agents the runtime lists to the main agent, in its order: `- name: description` lines. */
export function listedAgents(body: unknown): Array<{ name: string; description: string }> {
  const listed = [...textsOf(body).matchAll(/^- ([A-Za-z0-9_.-]+): (.+)$/gm)].map((m) => ({ name: m[1]!, description: m[2]! }));
  return listed.filter((a, i) => listed.findIndex((b) => b.name === a.name) === i);
}

const count = (text: string, word: string) => text.split(word).length - 1;

/** The rule: the agent the main agent delegates to for `request`, or undefined to answer itself. */
function decide(request: string, general: string, body: unknown, opts: RoutingRuleOptions): string | undefined {
  if (request.includes('GENERAL')) return general;
  const word = ['SQL', 'XSS'].find((w) => request.includes(w));
  if (!word) return undefined;
  if (!opts.byDescription) return word === 'SQL' ? 'database-engineer' : 'security-auditor';
  let best: { name: string; n: number } | undefined;
  for (const agent of listedAgents(body)) {
    const n = count(agent.description, word);
    if (n > 0 && (!best || n > best.n)) best = { name: agent.name, n };
  }
  return best?.name;
}

/** The delegation's prompt for `agent`. */
export const delegationPrompt = (agent: string) => `Please handle this, ${agent}.`;
/** The main agent's own answer when it does not delegate. */
export const OWN_ANSWER = 'A teapot: the server refuses to brew coffee.';

/** Rules for the fake Anthropic server (Claude Code): the main agent is the conversation offered `Agent`/`Task`. */
export function claudeRoutingRules(opts: RoutingRuleOptions = {}): AnthropicRule[] {
  const delegates = (tools: string[]) => tools.includes('Agent') || tools.includes('Task');
  // The workspace Claude Code states in its request (Read wants an absolute path).
  const workspaceIn = (body: unknown) => /(\/[^"\s\\]*\/workspace)\b/.exec(JSON.stringify(body))?.[1] ?? '';
  return [
    ...SUITE.map(({ name }) => ({ system: bodyMarker(name), reply: { text: `${name} ran.` } })),
    {
      when: (ctx) => delegates(ctx.tools) && ctx.userText.includes('LOOP'),
      reply: (ctx) => ({ toolCalls: [{ name: 'Read', input: { file_path: `${workspaceIn(ctx.body)}/README.md` } }] }),
    },
    {
      when: (ctx) => delegates(ctx.tools) && ctx.turn === 1,
      reply: (ctx) => {
        const agent = decide(ctx.userText, 'general-purpose', ctx.body, opts);
        if (!agent) return { text: OWN_ANSWER };
        const tool = ctx.tools.includes('Agent') ? 'Agent' : 'Task';
        return { toolCalls: [{ name: tool, input: { subagent_type: agent, description: 'route', prompt: delegationPrompt(agent) } }] };
      },
    },
    { when: (ctx) => delegates(ctx.tools), reply: { text: 'SECOND-TURN: a routing case must stop before this.' } },
  ];
}

/** Rules for the fake OpenAI stream server (OpenCode): the main agent is the conversation offered `task`. */
export function openCodeRoutingRules(opts: RoutingRuleOptions = {}): StreamRule[] {
  return [
    ...SUITE.map(({ name }) => ({ system: bodyMarker(name), reply: { text: `${name} ran.` } })),
    {
      name: 'main agent, loop',
      when: (ctx) => ctx.tools.includes('task') && ctx.user.includes('LOOP'),
      reply: { toolCalls: [{ name: 'read', arguments: { filePath: 'README.md' } }] },
    },
    {
      name: 'main agent, first turn',
      when: (ctx) => ctx.tools.includes('task') && ctx.turn === 1,
      reply: (ctx) => {
        const agent = decide(ctx.user, 'general', ctx.body, opts);
        if (!agent) return { text: OWN_ANSWER };
        return {
          toolCalls: [{ name: 'task', arguments: { subagent_type: agent, description: 'route', prompt: delegationPrompt(agent) } }],
        };
      },
    },
    {
      name: 'main agent, later turn',
      when: (ctx) => ctx.tools.includes('task'),
      reply: { text: 'SECOND-TURN: a routing case must stop before this.' },
    },
  ];
}
