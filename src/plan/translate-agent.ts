import type { AgentVariant } from '../schema/agent.ts';
import type { RuntimeAgent } from '../shared/agent-runtime.ts';
import type { RuntimeName } from '../schema/models.ts';
import { claudeToolsOnOpenCode, openCodeGrantsOnClaudeCode } from '../shared/tool-translation.ts';

/**
 * An agent file as a runtime of the other dialect needs it (pure); the translation itself is the table in
 * `shared/tool-translation.ts`. On its own runtime a file runs as written. What the other runtime cannot enforce
 * goes in `approximated`, shown on the cell; its model is not translated (the cell's model runs).
 *
 * - Claude Code file on OpenCode: an OpenCode agent file with the same body, each listed tool enabled by its
 *   OpenCode name (`Agent`/`Task` → `task`) and every other OpenCode tool disabled (no `tools:` line: every tool,
 *   as in Claude Code).
 * - OpenCode file on Claude Code: the Claude Code tools of OpenCode's default set less what its `tools:` map and
 *   `permission:` switch off, and its rules (switches and globs such as `"git push*": deny`), which the harness
 *   holds every call to with OpenCode's own matching.
 *
 * @example runtimeAgent(variant, 'opencode').fileText // '---\ndescription: …\nmode: primary\ntools:\n  bash: false\n…'
 */
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
  if (runtime === 'opencode' && variant.dialect === 'claude-code') {
    if (variant.tools.length === 0) return { ...base, fileText: openCodeFile(variant, undefined) };
    const { switches, approximated } = claudeToolsOnOpenCode(variant.tools);
    return { ...base, fileText: openCodeFile(variant, switches), ...(approximated.length ? { approximated } : {}) };
  }
  if (runtime === 'claude-code' && variant.dialect === 'opencode') {
    const grants = openCodeGrantsOnClaudeCode(variant.toolSwitches, variant.permissions);
    return {
      ...base,
      tools: grants.tools,
      permissions: grants.rules,
      ...(grants.approximated.length ? { approximated: grants.approximated } : {}),
    };
  }
  return base;
}

function openCodeFile(variant: AgentVariant, switches: Record<string, boolean> | undefined): string {
  const lines = ['---', `description: ${JSON.stringify(variant.description || variant.name)}`, 'mode: primary'];
  if (variant.temperature !== undefined) lines.push(`temperature: ${variant.temperature}`);
  if (switches) lines.push('tools:', ...Object.entries(switches).map(([t, on]) => `  ${t}: ${on}`));
  lines.push('---', '', variant.systemPrompt, '');
  return lines.join('\n');
}
