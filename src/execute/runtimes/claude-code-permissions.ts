/**
 * The `claude-code` runtime's decision on one tool call: allowed, refused because the agent file's own
 * `tools:` list does not include the tool (`denied-by-agent`), or refused by the workspace sandbox
 * (`denied-by-sandbox`: a path leaving the workspace, Bash when the scenario does not allow it).
 *
 * Pure apart from reading the file system to resolve symlinks (see `sandbox-paths.ts`).
 *
 * @example
 * const policy = toolPolicy(['Read', 'Grep'], { workspace: '/ws', allowBash: false });
 * decideToolCall(policy, 'Edit', { file_path: '/ws/a.ts' }); // { outcome: 'denied-by-agent', reason: … }
 */
import { claudeCallAsOpenCode } from '../../shared/tool-translation.ts';
import type { RuntimeAgent, ToolOutcome } from '../../shared/agent-runtime.ts';
import { evaluatePermission, type PermissionRule } from './opencode-permissions.ts';
import { globBase, isInsideWorkspace, shellCommandEscapes, workspaceRelative } from './sandbox-paths.ts';

/** Claude Code's web tools: never offered, whatever the agent file says (cells must not reach the network). */
export const WEB_TOOLS = ['WebFetch', 'WebSearch'] as const;

/** Tools that run or watch shell commands: allowed only when the scenario allows Bash. */
const SHELL_TOOLS = new Set(['Bash', 'BashOutput', 'KillShell', 'KillBash', 'Monitor']);

/** The delegation tool has two names across Claude Code versions. */
const DELEGATION_TOOLS = ['Task', 'Agent'];

export interface ToolPolicy {
  /** Tool names the agent may use; `undefined` = Claude Code's default set (the file has no `tools:` line). */
  agentTools?: ReadonlySet<string>;
  /** The workspace's real path. */
  workspace: string;
  allowBash: boolean;
  /** An OpenCode file's rules (its `tools:` switches and `permission:`), held with OpenCode's matching; empty for a Claude Code file. */
  rules: readonly PermissionRule[];
}

export type ToolDecision =
  | { outcome: 'allow' }
  | {
      outcome: Extract<ToolOutcome, 'denied-by-agent' | 'denied-by-sandbox'>;
      reason: string;
    };

/**
 * The tools the agent's file allows: empty → `undefined` (Claude Code's default set), `Task`/`Agent`
 * normalized to both names.
 */
export function agentToolSet(tools: readonly string[]): Set<string> | undefined {
  if (tools.length === 0) return undefined;
  const set = new Set(tools.map((t) => t.trim()).filter((t) => t !== ''));
  if (DELEGATION_TOOLS.some((t) => set.has(t))) for (const t of DELEGATION_TOOLS) set.add(t);
  return set;
}

/** The tools Claude Code is offered: the agent's set without the web tools (`undefined`: the default set). */
export function offeredTools(tools: readonly string[]): string[] | undefined {
  const set = agentToolSet(tools);
  return set && [...set].filter((t) => !(WEB_TOOLS as readonly string[]).includes(t));
}

export function toolPolicy(
  tools: readonly string[],
  opts: { workspace: string; allowBash: boolean; rules?: RuntimeAgent['permissions'] },
): ToolPolicy {
  return {
    agentTools: agentToolSet(tools),
    workspace: opts.workspace,
    allowBash: opts.allowBash,
    rules: (opts.rules ?? []).map((r) => ({ permission: r.tool, pattern: r.pattern, action: r.action })),
  };
}

/** True when the agent file allows `tool` by name (its `tools:` list; no list: every tool). */
export function agentAllows(policy: Pick<ToolPolicy, 'agentTools'>, tool: string): boolean {
  return policy.agentTools === undefined || policy.agentTools.has(tool);
}

/** OpenCode starts every agent from `"*": allow`; the file's rules come after it. */
const ALLOW_ALL: PermissionRule = { permission: '*', pattern: '*', action: 'allow' };

/**
 * The call as OpenCode would check it against the file's rules: `deny`, or `ask` (no one approves in an eval),
 * refuses it as the agent's own; an `ask` on a tool the sandbox refuses anyway is the sandbox's, as on OpenCode.
 */
function decideByRules(policy: ToolPolicy, tool: string, input: Record<string, unknown>): ToolDecision | undefined {
  if (policy.rules.length === 0) return undefined;
  const relative = (file: string) => workspaceRelative(policy.workspace, file) ?? file;
  const { permission, patterns } = claudeCallAsOpenCode(tool, input, relative);
  const rules = [ALLOW_ALL, ...policy.rules];
  const matched = patterns.map((p) => ({ pattern: p, rule: evaluatePermission(permission, p, rules) }));
  const denied = matched.find((m) => m.rule.action === 'deny');
  if (denied)
    return {
      outcome: 'denied-by-agent',
      reason: `agent rule ${denied.rule.permission} "${denied.rule.pattern}": deny (${denied.pattern})`,
    };
  const asked = matched.find((m) => m.rule.action === 'ask');
  if (!asked) return undefined;
  const gated = (WEB_TOOLS as readonly string[]).includes(tool) || (SHELL_TOOLS.has(tool) && !policy.allowBash);
  if (gated) return undefined; // the sandbox refuses it below
  return {
    outcome: 'denied-by-agent',
    reason: `agent rule ${asked.rule.permission} "${asked.rule.pattern}": ask — no one to approve in an eval; answered no (${asked.pattern})`,
  };
}

const PATH_KEYS = ['file_path', 'path', 'notebook_path', 'directory', 'cwd'];

/** The paths a tool call's input names (for any tool: the usual path-like keys, plus globs for Glob/Grep). */
function toolCallPaths(tool: string, input: Record<string, unknown>): string[] {
  const paths: string[] = [];
  for (const key of PATH_KEYS) {
    const value = input[key];
    if (typeof value === 'string' && value !== '')
      paths.push(key === 'path' && (tool === 'Glob' || tool === 'Grep') ? globBase(value) : value);
  }
  if (tool === 'Glob' && typeof input.pattern === 'string') paths.push(globBase(input.pattern));
  if (tool === 'Grep' && typeof input.glob === 'string' && /^(\/|~|\.\.)/.test(input.glob)) paths.push(globBase(input.glob));
  if (tool === 'MultiEdit' && Array.isArray(input.edits)) {
    for (const edit of input.edits as Array<Record<string, unknown>>) if (typeof edit?.file_path === 'string') paths.push(edit.file_path);
  }
  return paths;
}

/**
 * Decides one tool call. Order: the agent's own `tools:` list first (an attempt at a tool the file does
 * not allow is a violation of the agent, whatever its input), then an OpenCode file's rules, then the sandbox.
 */
export function decideToolCall(policy: ToolPolicy, tool: string, input: Record<string, unknown>): ToolDecision {
  if (!agentAllows(policy, tool)) return { outcome: 'denied-by-agent', reason: `${tool} is not in the agent's tools: list` };
  const byRules = decideByRules(policy, tool, input);
  if (byRules) return byRules;
  if ((WEB_TOOLS as readonly string[]).includes(tool))
    return { outcome: 'denied-by-sandbox', reason: `${tool} is a web tool; web tools are off in agentic cells` };
  if (SHELL_TOOLS.has(tool)) {
    if (!policy.allowBash)
      return {
        outcome: 'denied-by-sandbox',
        reason: `${tool}: the scenario does not allow shell commands (allow: [bash])`,
      };
    if (input.run_in_background === true)
      return {
        outcome: 'denied-by-sandbox',
        reason: `${tool}: background shell commands would outlive the cell`,
      };
    if (typeof input.command === 'string') {
      const escapes = shellCommandEscapes(policy.workspace, input.command);
      if (escapes.length > 0)
        return {
          outcome: 'denied-by-sandbox',
          reason: `${tool}: command leaves the workspace (${escapes.slice(0, 3).join(', ')})`,
        };
    }
  }
  for (const path of toolCallPaths(tool, input)) {
    if (!isInsideWorkspace(policy.workspace, path)) {
      return {
        outcome: 'denied-by-sandbox',
        reason: `${tool}: ${path} is outside the workspace`,
      };
    }
  }
  return { outcome: 'allow' };
}
