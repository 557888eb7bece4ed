/**
 * Routing cases on Claude Code: what differs from an agent cell. The cell machinery (jail, model proxy, env,
 * limits, tool decisions) is the agent cell's (`claude-code.ts`); here are the main agent a routing case runs
 * and how its first delegation is caught.
 *
 * - The main agent is Claude Code's own default agent: its preset system prompt and default tool set, never an
 *   agent file's. Every agent of the suite is installed as a subagent (`agents` option), as peers are.
 * - The first `Agent`/`Task` call is the decision (its `subagent_type`; a built-in such as `general-purpose` is
 *   recorded by its name). It is seen in the message stream as soon as the model asks for it, and again in the
 *   PreToolUse hook, which denies it; the cell is then stopped, so the subagent never runs and no further
 *   request is made.
 * - An answer with no delegation is `none`, the answer kept as the detail.
 *
 * @example
 * const watch = createRoutingWatch();
 * watch.onToolUse('Agent', { subagent_type: 'database-engineer', prompt: 'Tune it' }); // true: stop the cell
 * watch.decision; // { chosen: 'database-engineer', detail: 'Tune it' }
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { RoutingCellInput, RuntimeAgent, RuntimeCellInput } from '../../shared/agent-runtime.ts';

/** The delegation tool has two names across Claude Code versions. */
const DELEGATION_TOOLS = new Set(['Agent', 'Task']);

/** What a routing case's detail keeps, in characters. */
const ROUTING_DETAIL_LIMIT = 4096;

/** The stop reason of a cell stopped at its routing decision (not a limit, not an error). */
export const ROUTED = 'stopped at the routing decision';

interface RoutingDecision {
  chosen: string;
  detail: string;
}

export interface RoutingWatch {
  /** Sees one tool call of the main agent; true when it is the delegation that decides the case. */
  onToolUse(tool: string, input: Record<string, unknown>): boolean;
  readonly decision: RoutingDecision | undefined;
}

export function createRoutingWatch(): RoutingWatch {
  let decision: RoutingDecision | undefined;
  return {
    onToolUse(tool, input) {
      if (!DELEGATION_TOOLS.has(tool)) return false;
      // Claude Code's own default when subagent_type is left out is its general-purpose agent.
      const chosen = typeof input.subagent_type === 'string' && input.subagent_type !== '' ? input.subagent_type : 'general-purpose';
      decision ??= { chosen, detail: String(input.prompt ?? '').slice(0, ROUTING_DETAIL_LIMIT) };
      return true;
    },
    get decision() {
      return decision;
    },
  };
}

/**
 * The routing case as an agent cell's input: a main agent with no file of its own (an empty `tools:` list is
 * Claude Code's default set) and the suite as its peers; no shell; as many turns as requests.
 */
export function routingAsCell(input: RoutingCellInput): RuntimeCellInput {
  const main: RuntimeAgent = {
    name: 'main',
    description: "Claude Code's default agent",
    dialect: 'claude-code',
    systemPrompt: '',
    fileText: '',
    tools: [],
    permissions: [],
    peers: input.agents,
  };
  return {
    agent: main,
    request: input.request,
    model: input.model,
    workspace: input.workspace,
    sandboxHome: input.sandboxHome,
    allowBash: false,
    limits: { maxTurns: input.limits.maxRequests, maxRequests: input.limits.maxRequests, wallTimeMs: input.limits.wallTimeMs },
    ...(input.signal ? { signal: input.signal } : {}),
  };
}

/** The Claude Code version the SDK bundles (its package.json's `claudeCodeVersion`), '' when unreadable. */
export function bundledClaudeCodeVersion(sdkPackage = '@anthropic-ai/claude-agent-sdk'): string {
  try {
    const entry = createRequire(import.meta.url).resolve(sdkPackage);
    const pkg = JSON.parse(readFileSync(join(dirname(entry), 'package.json'), 'utf8')) as { claudeCodeVersion?: unknown };
    return typeof pkg.claudeCodeVersion === 'string' ? pkg.claudeCodeVersion : '';
  } catch {
    return '';
  }
}
