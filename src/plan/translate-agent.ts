import type { AgentVariant } from '../schema/agent.ts';
import type { RuntimeAgent } from '../shared/agent-runtime.ts';
import type { RuntimeName } from './matrix.ts';

/**
 * An agent file as a runtime of the other dialect needs it (pure). On its own runtime a file runs as
 * written. On the other one its tool list is translated by name; its model and OpenCode `permission:`
 * globs are not (Claude Code has no such rules), and that is said in docs/agent-runtimes.md.
 *
 * - Claude Code file on OpenCode: an OpenCode agent file with the same body, each listed tool enabled
 *   and every other OpenCode tool disabled (no `tools:` line: every tool, as in Claude Code).
 * - OpenCode file on Claude Code: its enabled tools by their Claude Code names (an OpenCode tools map
 *   only overrides defaults, so a map with no `false` entry is Claude Code's default set).
 */
const CLAUDE_TO_OPENCODE: Record<string, string> = {
  Read: 'read',
  Write: 'write',
  Edit: 'edit',
  MultiEdit: 'edit',
  Bash: 'bash',
  Grep: 'grep',
  Glob: 'glob',
  LS: 'list',
  WebFetch: 'webfetch',
  Task: 'task',
  TodoWrite: 'todowrite',
};
const EDIT_GROUP = ['edit', 'write', 'patch'];
const OPENCODE_TOOLS = ['bash', 'edit', 'write', 'read', 'grep', 'glob', 'list', 'patch', 'todowrite', 'todoread', 'webfetch', 'task'];

export function runtimeAgent(variant: AgentVariant, runtime: Exclude<RuntimeName, 'chat'>): RuntimeAgent {
  const base: RuntimeAgent = {
    name: variant.name,
    description: variant.description,
    dialect: variant.dialect,
    systemPrompt: variant.systemPrompt,
    fileText: variant.fileText,
    tools: variant.tools,
    permissions: variant.permissions,
    ...(variant.mode ? { mode: variant.mode } : {}),
    ...(variant.temperature !== undefined ? { temperature: variant.temperature } : {}),
  };
  if (runtime === 'opencode' && variant.dialect === 'claude-code') return { ...base, fileText: openCodeFile(variant) };
  // OpenCode's map enables every tool it does not set to false; the variant keeps its enabled ones only.
  if (runtime === 'claude-code' && variant.dialect === 'opencode') return { ...base, tools: [] };
  return base;
}

function openCodeFile(variant: AgentVariant): string {
  const lines = ['---', `description: ${JSON.stringify(variant.description || variant.name)}`, 'mode: primary'];
  if (variant.temperature !== undefined) lines.push(`temperature: ${variant.temperature}`);
  if (variant.tools.length > 0) {
    const enabled = new Set(variant.tools.map((t) => CLAUDE_TO_OPENCODE[t]).filter((t): t is string => Boolean(t)));
    // OpenCode governs edit, write and patch as one permission: disabling one of them disables writing.
    if (['edit', 'write'].some((t) => enabled.has(t))) for (const t of EDIT_GROUP) enabled.add(t);
    lines.push('tools:', ...OPENCODE_TOOLS.map((t) => `  ${t}: ${enabled.has(t)}`));
  }
  lines.push('---', '', variant.systemPrompt, '');
  return lines.join('\n');
}
