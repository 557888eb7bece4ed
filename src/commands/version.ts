import { CLAUDE_AGENT_SDK, CLAUDE_AGENT_SDK_VERSION } from '../execute/runtimes/claude-code.ts';
import { OPENCODE_PACKAGES } from '../execute/runtimes/runtime-install.ts';

/**
 * What `agent-evals --version` prints: this version and the agent programs it is tested against, read from
 * the pins the installer uses (never a second copy).
 *
 * @example versionText('0.1.0') // 'agent-evals 0.1.0\nClaude Code runtime: @anthropic-ai/claude-agent-sdk 0.3.332 …'
 */
export function versionText(version: string): string {
  return [
    `agent-evals ${version}`,
    `Claude Code runtime: ${CLAUDE_AGENT_SDK} ${CLAUDE_AGENT_SDK_VERSION} (pinned; optional dependency, or: npx agent-evals install-runtime claude-code)`,
    `OpenCode runtime: ${Object.entries(OPENCODE_PACKAGES)
      .map(([pkg, v]) => `${pkg} ${v}`)
      .join(', ')} (pinned; npx agent-evals install-runtime opencode)`,
  ].join('\n');
}
