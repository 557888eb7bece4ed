import * as z from 'zod';

/** Which agent-file convention a file follows. */
export const Dialect = z.enum(['claude-code', 'opencode']);
export type Dialect = z.infer<typeof Dialect>;

export const PermissionAction = z.enum(['allow', 'ask', 'deny']);
export type PermissionAction = z.infer<typeof PermissionAction>;

/**
 * Claude Code subagent frontmatter (`.claude/agents/*.md`). Known keys only; anything else is kept
 * under `extra` by the loader, never dropped.
 */
export const ClaudeCodeFrontmatter = z.object({
  name: z.string().optional(),
  description: z.string().optional(),
  /** Alias (`opus`, `sonnet`, `haiku`, `inherit`) or a full model id. */
  model: z.string().optional(),
  /** Comma-separated tool names, e.g. `Read, Grep, Glob`; a YAML list is accepted too. */
  tools: z.union([z.string(), z.array(z.string())]).optional(),
});
export type ClaudeCodeFrontmatter = z.infer<typeof ClaudeCodeFrontmatter>;

/** A permission value: one action for the whole tool, or glob rules (`"git status*": allow`). */
const PermissionValue = z.union([PermissionAction, z.record(z.string(), PermissionAction)]);

/** OpenCode agent frontmatter (`.opencode/agent/*.md`). */
export const OpenCodeFrontmatter = z.object({
  name: z.string().optional(),
  description: z.string().optional(),
  mode: z.enum(['subagent', 'primary', 'all']).optional(),
  /** `provider/model`, e.g. `anthropic/claude-sonnet-4-5`. */
  model: z.string().optional(),
  temperature: z.number().optional(),
  top_p: z.number().optional(),
  tools: z.record(z.string(), z.boolean()).optional(),
  permission: z.record(z.string(), PermissionValue).optional(),
  version: z.union([z.string(), z.number()]).optional(),
});
export type OpenCodeFrontmatter = z.infer<typeof OpenCodeFrontmatter>;

export const KNOWN_KEYS: Record<Dialect, readonly string[]> = {
  'claude-code': Object.keys(ClaudeCodeFrontmatter.shape),
  opencode: Object.keys(OpenCodeFrontmatter.shape),
};

export const PermissionRule = z.object({
  tool: z.string(),
  /** Glob over the tool's argument (`git status*`); `*` when the rule covers the whole tool. */
  pattern: z.string(),
  action: PermissionAction,
});
export type PermissionRule = z.infer<typeof PermissionRule>;

/** One agent file, normalized across dialects. The only agent type downstream code sees. */
export const AgentVariant = z.object({
  /** Stable id from the path under `agents/`, without extension: `backend-architect/opencode-delegating`. */
  id: z.string(),
  /** Path relative to the project root, for messages. */
  file: z.string(),
  /** Where it was found: `agents`, `.claude/agents`, `.opencode/agent`, `.opencode/agents` or `opencode.json`. */
  origin: z.string(),
  /** Agent this variant belongs to: frontmatter `name`, else its folder under `agents/`, else the file stem. */
  name: z.string(),
  dialect: Dialect,
  description: z.string(),
  /** `opus` / `sonnet` / `haiku` / `inherit` (Claude Code) or `provider/model` (OpenCode). */
  modelHint: z.string().optional(),
  temperature: z.number().optional(),
  /** OpenCode only: `top_p`, `mode` (`subagent` / `primary` / `all`) and the file's own `version`. */
  topP: z.number().optional(),
  mode: z.enum(['subagent', 'primary', 'all']).optional(),
  version: z.string().optional(),
  /** Enabled tools only, in file order. */
  tools: z.array(z.string()),
  /** OpenCode's `tools:` map as written, switched-off tools included (what it overrides of OpenCode's default set). */
  toolSwitches: z.record(z.string(), z.boolean()).optional(),
  permissions: z.array(PermissionRule),
  /** The Markdown body, trimmed: the system prompt under test. */
  systemPrompt: z.string(),
  /** sha256 of the file's bytes, hex. */
  contentHash: z.string(),
  /** The file's text as written: agent runtimes install the file itself (OpenCode) rather than a copy of its parts. */
  fileText: z.string(),
  /** Estimated tokens of `systemPrompt` (≈ 4 characters per token). */
  promptTokens: z.number().int(),
  /** Frontmatter keys the dialect does not define, kept verbatim. */
  extra: z.record(z.string(), z.unknown()),
  /** 1-based line of each top-level frontmatter key and of the body, for lint messages. */
  lines: z.record(z.string(), z.number().int()),
});
export type AgentVariant = z.infer<typeof AgentVariant>;
