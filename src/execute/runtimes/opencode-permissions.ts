/**
 * OpenCode permission rules, evaluated exactly as OpenCode 1.18 does (its `Wildcard.match`,
 * `Permission.evaluate` = last matching rule wins, `Permission.disabled`), plus the harness's sandbox layer.
 *
 * The sandbox rules go on the session: OpenCode checks `merge(agent.permission, session.permission)`, so
 * they come last and win, and a subagent's session inherits the parent's `deny` and `external_directory`
 * rules (its task tool), so delegation cannot escape them.
 */

type PermissionAction = 'allow' | 'ask' | 'deny';
export interface PermissionRule {
  permission: string;
  pattern: string;
  action: PermissionAction;
}

/** `Array.prototype.findLast` (ES2023; the project targets ES2022). */
function findLast<T>(items: readonly T[], test: (item: T) => boolean): T | undefined {
  for (let i = items.length - 1; i >= 0; i--) if (test(items[i]!)) return items[i];
  return undefined;
}

/** OpenCode's `Wildcard.match`: `*` any run, `?` one character; a trailing ` *` also matches nothing ("git push *" ~ "git push"). */
export function wildcardMatch(text: string, pattern: string): boolean {
  let re = pattern
    .replaceAll('\\', '/')
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  if (re.endsWith(' .*')) re = `${re.slice(0, -3)}( .*)?`;
  return new RegExp(`^${re}$`, 's').test(text.replaceAll('\\', '/'));
}

/** The rule OpenCode applies to `permission` on `pattern`; OpenCode asks when none matches. */
export function evaluatePermission(permission: string, pattern: string, rules: readonly PermissionRule[]): PermissionRule {
  return (
    findLast(rules, (r) => wildcardMatch(permission, r.permission) && wildcardMatch(pattern, r.pattern)) ?? {
      permission,
      pattern: '*',
      action: 'ask',
    }
  );
}

const EDIT_TOOLS = new Set(['edit', 'write', 'apply_patch', 'patch', 'multiedit']);

/** OpenCode hides a tool when the last rule for its permission denies `*` (write/patch share `edit`). */
export function isToolDisabled(tool: string, rules: readonly PermissionRule[]): boolean {
  const permission = EDIT_TOOLS.has(tool) ? 'edit' : tool;
  const last = findLast(rules, (r) => wildcardMatch(permission, r.permission));
  return last?.pattern === '*' && last.action === 'deny';
}

/** Web tools are off in every cell (no network but the model server). */
export const WEB_TOOLS = ['webfetch', 'websearch', 'codesearch'] as const;

/**
 * The session rules that make the sandbox:
 * - every path outside the workspace is denied (`external_directory`), except OpenCode's own tool-output folder;
 * - a gated tool (web tools always; bash unless the scenario allows it) that the agent itself enables stays
 *   offered but is asked about on every call (`deny` then `ask`: the root session sees `ask`, the last rule;
 *   a subagent's session inherits only the `deny`), and the harness answers no, so attempts are recorded.
 *   A tool the agent itself disables gets no rule, so it stays hidden as the agent file says.
 */
export function sandboxRules(agentRules: readonly PermissionRule[], opts: { allowBash: boolean; toolOutputDir: string }): PermissionRule[] {
  const gated = [...WEB_TOOLS, ...(opts.allowBash ? [] : ['bash'])];
  const rules: PermissionRule[] = [
    { permission: 'external_directory', pattern: '*', action: 'deny' },
    {
      permission: 'external_directory',
      pattern: `${opts.toolOutputDir}/*`,
      action: 'allow',
    },
  ];
  for (const tool of gated) {
    if (isToolDisabled(tool, agentRules)) continue;
    rules.push({ permission: tool, pattern: '*', action: 'deny' }, { permission: tool, pattern: '*', action: 'ask' });
  }
  return rules;
}

export type AskVerdict = {
  outcome: 'denied-by-agent' | 'denied-by-sandbox' | 'failed';
  reason: string;
};

/**
 * Who refused an asked permission. The agent's own rules are checked first: an attempt its frontmatter
 * denies or only allows with approval counts against the agent even when the sandbox would refuse it too.
 */
export function classifyAsk(
  ask: { permission: string; patterns: string[] },
  agentRules: readonly PermissionRule[],
  allowBash: boolean,
): AskVerdict {
  if (ask.permission === 'doom_loop')
    return {
      outcome: 'failed',
      reason: 'doom_loop: OpenCode stopped a repeated identical call; the harness answered no',
    };
  const patterns = ask.patterns.length ? ask.patterns : ['*'];
  if (ask.permission === 'external_directory')
    return {
      outcome: 'denied-by-sandbox',
      reason: `path outside the workspace: ${patterns.join(', ')}`,
    };
  const own = patterns.map((p) => evaluatePermission(ask.permission, p, agentRules));
  const denied = own.find((r) => r.action === 'deny');
  if (denied)
    return {
      outcome: 'denied-by-agent',
      reason: `agent rule ${denied.permission} "${denied.pattern}": deny (${patterns.join(', ')})`,
    };
  const asked = own.find((r) => r.action === 'ask');
  const gated = (WEB_TOOLS as readonly string[]).includes(ask.permission) || (ask.permission === 'bash' && !allowBash);
  if (asked && !gated)
    return {
      outcome: 'denied-by-agent',
      reason: `agent rule ${asked.permission} "${asked.pattern}": ask — no one to approve in an eval; answered no (${patterns.join(', ')})`,
    };
  if (gated)
    return {
      outcome: 'denied-by-sandbox',
      reason: `${ask.permission} is not allowed in this scenario (${patterns.join(', ')})`,
    };
  return {
    outcome: 'denied-by-agent',
    reason: `${ask.permission} asked for approval; answered no (${patterns.join(', ')})`,
  };
}

/** A tool error OpenCode raised from a `deny` rule; its text lists the relevant rules. */
export function classifyDeniedError(error: string, agentRules: readonly PermissionRule[]): AskVerdict | undefined {
  if (!error.startsWith('The user has specified a rule which prevents')) return undefined;
  let relevant: PermissionRule[] = [];
  const json = error.slice(error.indexOf('['));
  try {
    relevant = JSON.parse(json) as PermissionRule[];
  } catch {
    // older wording without rules: fall through to the agent
  }
  const sandbox = findLast(relevant, (r) => r.action === 'deny');
  const agentDeniesExternal = agentRules.some((r) => r.permission === 'external_directory' && r.action === 'deny');
  if (sandbox?.permission === 'external_directory' && !agentDeniesExternal)
    return {
      outcome: 'denied-by-sandbox',
      reason: 'path outside the workspace',
    };
  return {
    outcome: 'denied-by-agent',
    reason: sandbox ? `agent rule ${sandbox.permission} "${sandbox.pattern}": deny` : 'denied by a permission rule',
  };
}
