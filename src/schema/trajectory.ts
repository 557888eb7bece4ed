import * as z from 'zod';

/** How one tool call ended (see shared/agent-runtime.ts). */
const ToolOutcome = z.enum(['ran', 'denied-by-agent', 'denied-by-sandbox', 'failed', 'limit']);

const ToolCall = z.object({
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

/** Why a changed path's text is not in `finalFiles`: file-contains gives no verdict on text it never saw. */
export const OmittedFile = z.object({
  reason: z.enum(['too-large', 'over-cell-budget', 'binary', 'not-a-file', 'unreadable']),
  /** The file's size after the cell. */
  bytes: z.number().int().nonnegative().optional(),
  /** too-large: the most text kept of one file; over-cell-budget: the most kept over all files of a cell. */
  limit: z.number().int().nonnegative().optional(),
  /** not-a-file: what the path is, e.g. `directory`, `symlink -> /etc`, `fifo`; unreadable: why, e.g. `EACCES`. */
  what: z.string().optional(),
});
export type OmittedFile = z.infer<typeof OmittedFile>;

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
  /**
   * Whole text after the cell of each changed text file that still exists, up to 1 MiB a file and 8 MiB a cell
   * (`execute/workspace.ts`); file-contains reads it. (Recordings made before issue 23 cut each to 64 KB.)
   */
  finalFiles: z.record(z.string(), z.string()).optional(),
  /** Changed paths that exist after the cell but are not in finalFiles, and why: file-contains fails on them naming it. */
  finalFilesOmitted: z.record(z.string(), OmittedFile).optional(),
});
export type TrajectoryRecord = z.infer<typeof Trajectory>;
