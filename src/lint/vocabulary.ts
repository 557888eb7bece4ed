import type { Dialect } from '../schema/agent.ts';
import { CLAUDE_CODE_LEGACY_NAMES, CLAUDE_CODE_TOOL_NAMES } from './claude-code-tools.ts';

/**
 * What each dialect's runtime knows: tool names, permission keys and model spellings. Lint warns
 * (never errors) on anything else, because both tools add names faster than this list is updated.
 */
interface DialectVocabulary {
  tools: ReadonlySet<string>;
  /** Keys of OpenCode's `permission` map; empty for Claude Code, which has no such key. */
  permissionKeys: ReadonlySet<string>;
  /** True when `model` is spelled the way the dialect expects. */
  isKnownModel(model: string): boolean;
  /** What a known model looks like, for the warning. */
  modelHint: string;
}

/** What the installed Claude Agent SDK defines (generated from it), and the older names it still accepts. */
const CLAUDE_CODE_TOOLS = [...CLAUDE_CODE_TOOL_NAMES, ...Object.keys(CLAUDE_CODE_LEGACY_NAMES)];

const OPENCODE_TOOLS = [
  'bash',
  'batch',
  'codesearch',
  'edit',
  'glob',
  'grep',
  'list',
  'lsp',
  'multiedit',
  'patch',
  'question',
  'read',
  'skill',
  'task',
  'todoread',
  'todowrite',
  'webfetch',
  'websearch',
  'write',
];

const CLAUDE_CODE_ALIASES = new Set(['opus', 'sonnet', 'haiku', 'inherit']);

export const VOCABULARY: Record<Dialect, DialectVocabulary> = {
  'claude-code': {
    tools: new Set(CLAUDE_CODE_TOOLS),
    permissionKeys: new Set(),
    isKnownModel: (model) => CLAUDE_CODE_ALIASES.has(model) || /^claude-[a-z0-9][\w.-]*$/.test(model),
    modelHint: 'opus, sonnet, haiku, inherit or a full `claude-…` model id',
  },
  opencode: {
    tools: new Set(OPENCODE_TOOLS),
    // Permission keys are tool names plus two guards that are not tools.
    permissionKeys: new Set([...OPENCODE_TOOLS, 'doom_loop', 'external_directory']),
    isKnownModel: (model) => /^[\w.-]+\/\S+$/.test(model),
    modelHint: '`provider/model`, e.g. `anthropic/claude-sonnet-4-5`',
  },
};

/**
 * The name a tool entry refers to: `Bash(git status:*)` and `Task(worker)` restrict a tool, and
 * MCP tools (`mcp__server__tool`) and globs (`mymcp_*`, OpenCode) cannot be checked offline.
 * Returns undefined for entries lint accepts without looking them up.
 */
export function toolToCheck(entry: string): string | undefined {
  if (entry.startsWith('mcp__') || entry.includes('*')) return undefined;
  return entry.replace(/\(.*\)$/s, '').trim();
}

/**
 * The known name `name` was probably meant to be: the same name in another case (`Read` in an
 * OpenCode file), else one at most two edits away (`bassh`). Undefined when nothing is that close.
 */
export function suggestName(name: string, known: ReadonlySet<string>): string | undefined {
  const lower = name.toLowerCase();
  let best: string | undefined;
  let bestDistance = 3;
  for (const k of known) {
    const d = k.toLowerCase() === lower ? 0 : editDistance(lower, k.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [k, d];
  }
  return lower.length > 3 || bestDistance === 0 ? best : undefined;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = row;
  }
  return prev[b.length]!;
}
