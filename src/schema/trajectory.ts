import * as z from 'zod';

/** How one tool call ended (see execute/agent-runtime.ts). */
export const ToolOutcome = z.enum(['ran', 'denied-by-agent', 'denied-by-sandbox', 'failed', 'limit']);

export const ToolCall = z.object({
  index: z.number().int().nonnegative(),
  tool: z.string(),
  input: z.record(z.string(), z.unknown()),
  outcome: ToolOutcome,
  reason: z.string().optional(),
  output: z.string().optional(),
  turn: z.number().int().nonnegative(),
  /** The agent that made the call when it was a delegated subagent. */
  agent: z.string().optional(),
});
export type ToolCallRecord = z.infer<typeof ToolCall>;

/**
 * What an agent did in one cell, as results.jsonl and recordings keep it: every tool call with its
 * outcome, delegations, turns, the files it read and the workspace diff. Untrusted: rendered escaped.
 */
export const Trajectory = z.object({
  runtime: z.enum(['claude-code', 'opencode']),
  toolCalls: z.array(ToolCall),
  delegations: z.array(z.object({ agent: z.string(), prompt: z.string(), callIndex: z.number().int() })),
  turns: z.number().int().nonnegative(),
  filesRead: z.array(z.string()),
  workspaceDiff: z.string(),
  filesChanged: z.array(z.string()),
  /** What of the agent's frontmatter this runtime could not enforce (no equivalent there): the cell is `approximated`. */
  approximated: z.array(z.string()).optional(),
  /** Content after the cell of each changed file that still exists (cut to 64 KB each). */
  finalFiles: z.record(z.string(), z.string()).optional(),
});
export type TrajectoryRecord = z.infer<typeof Trajectory>;
