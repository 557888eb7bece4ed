/**
 * The contract between the harness and an agent runtime: a real agent program (Claude Code through the
 * Claude Agent SDK, OpenCode) that runs one agent file on one request inside a sandboxed workspace copy.
 * The harness prepares the workspace and the sandbox home, bounds the cell, and scores what comes back;
 * a runtime only runs the agent and reports, faithfully, what the agent did.
 *
 * Plain data only: this module imports nothing, so every layer may use its types.
 */

/** Which program runs a cell. `chat` is a plain model call through promptfoo (no tools). */
type RuntimeName = 'chat' | 'claude-code' | 'opencode';

/** How one tool call ended. */
export type ToolOutcome =
  /** The tool ran (its result, possibly an error the tool itself reported, went back to the model). */
  | 'ran'
  /** Refused because the agent file's own frontmatter does not allow it (`tools:` / `permission:`). */
  | 'denied-by-agent'
  /** Refused by the harness's sandbox: a path outside the workspace copy, or Bash not allowed by the scenario. */
  | 'denied-by-sandbox'
  /** The runtime could not run it (unknown tool, bad input, crashed). */
  | 'failed'
  /** Not run: the cell reached a limit (maxTurns, the request bound, the wall time) before or while it ran. */
  | 'limit';

export interface ToolCall {
  /** 0-based order of the call in the cell. */
  index: number;
  /** Tool name as the runtime names it (`Read`, `Bash`, `read`, `bash`, `Task`, `task`…). */
  tool: string;
  /** The tool's input as the model sent it (JSON object). */
  input: Record<string, unknown>;
  outcome: ToolOutcome;
  /** Why it was refused or failed, in one line. */
  reason?: string;
  /** The tool's result as the model saw it, cut to a few KB. */
  output?: string;
  /** 1-based model turn that asked for it. */
  turn: number;
  /** The delegated subagent (peer) that made the call; absent for the agent under test itself. */
  agent?: string;
}

export interface Delegation {
  /** The agent delegated to (Claude Code `Task` subagent_type, OpenCode `task` agent). */
  agent: string;
  /** The prompt it was given. */
  prompt: string;
  /** Index of the tool call that delegated. */
  callIndex: number;
}

/** What the agent did in one cell, recorded for assertions, the report and replay. */
export interface Trajectory {
  runtime: Exclude<RuntimeName, 'chat'>;
  toolCalls: ToolCall[];
  delegations: Delegation[];
  /** Model turns (requests to the model that belong to the agent's loop). */
  turns: number;
  /** Files the agent read, relative to the workspace root, in order of first read. */
  filesRead: string[];
  /** Unified diff of the workspace copy after the cell against its starting state; '' when unchanged. */
  workspaceDiff: string;
  /** Files changed, added or deleted, relative to the workspace root. */
  filesChanged: string[];
  /** What of the agent's file this runtime could not enforce (`RuntimeAgent.approximated`); absent when all was. */
  approximated?: string[];
}

/** The agent file as a runtime needs it. */
export interface RuntimeAgent {
  /** Agent name (frontmatter `name`, else file stem). */
  name: string;
  description: string;
  dialect: 'claude-code' | 'opencode';
  /** The Markdown body: what the agent is told. */
  systemPrompt: string;
  /** The agent file's exact bytes (OpenCode installs the file itself under `.opencode/agent/`). */
  fileText: string;
  /** Enabled tools as the file declares them (Claude Code `tools:` list; OpenCode `tools:` map entries set to true). */
  tools: string[];
  /**
   * OpenCode rules, normalized (tool = OpenCode permission key, glob over its argument, action; last match wins):
   * the file's `permission:` rules, and on Claude Code its `tools:` switches too, which the harness holds every
   * call to. Empty for a Claude Code file.
   */
  permissions: Array<{ tool: string; pattern: string; action: 'allow' | 'ask' | 'deny' }>;
  /** What of the file the runtime cannot enforce (no equivalent there), one line each; shown on the cell. */
  approximated?: string[];
  /** OpenCode `mode:`; a `subagent` must still be the agent that answers. */
  mode?: 'subagent' | 'primary' | 'all';
  temperature?: number;
  /** Other agents available for delegation (name → their agent file), for delegating variants. */
  peers?: RuntimeAgent[];
  /**
   * The control arm (no agent): run the runtime's own default agent with its default tools, no agent file
   * (Claude Code: its preset system prompt and tools; OpenCode: its primary `build` agent). The fields above
   * describe no file then (empty prompt, text, tools and rules); `peers` still apply.
   */
  runtimeDefault?: true;
}

export interface RuntimeCellInput {
  agent: RuntimeAgent;
  /** The user's request (last user turn); earlier turns, if any, come first in `history`. */
  request: string;
  history?: Array<{ role: 'user' | 'assistant'; content: string }>;
  /** Model id as the runtime wants it (`claude-sonnet-4-5`, `gpt-4.1`), and where to reach it. */
  model: { id: string; apiBaseUrl?: string; apiKey?: string };
  /** Absolute path of this cell's fresh workspace copy: the agent's working directory. */
  workspace: string;
  /** Absolute path of an empty folder for the runtime's HOME, config and caches (never the user's). */
  sandboxHome: string;
  /** The scenario lets the agent run shell commands (inside the workspace copy, with a timeout). */
  allowBash: boolean;
  limits: { maxTurns: number; maxRequests: number; wallTimeMs: number };
  signal?: AbortSignal;
}

export interface RuntimeCellOutput {
  /** The agent's final answer (its last assistant text). */
  answer: string;
  trajectory: Trajectory;
  tokens?: { prompt: number; completion: number; total: number };
  costUsd?: number;
  latencyMs: number;
  /**
   * Set when the agent reached a bound of the cell (maxTurns, the request bound, the wall time): the cell is a
   * scored **failure** naming the limit, its answer and trajectory kept. Not an error: the agent did run.
   */
  limit?: string;
  /** Set when the cell did not complete (runtime crash, model error, sandbox limit, cancel): the cell is an `error`. */
  error?: string;
  /**
   * Absolute paths the agent saw as its workspace besides `RuntimeCellInput.workspace` (OpenCode runs the copy
   * from a folder of its server's sandbox): the harness rewrites them, like the workspace's own, to relative paths.
   */
  workspaceAliases?: string[];
}

/** One routing case: the runtime's own main agent, with `agents` installed as its subagents, gets `request`. */
export interface RoutingCellInput {
  /** The suite: every sibling agent (a variant under test replaces its agent here), installed as subagents. */
  agents: RuntimeAgent[];
  request: string;
  model: RuntimeCellInput['model'];
  /** Absolute path of the case's fresh workspace copy (possibly empty). */
  workspace: string;
  sandboxHome: string;
  limits: { maxRequests: number; wallTimeMs: number };
  signal?: AbortSignal;
}

export interface RoutingCellOutput {
  /** Name of the suite agent the main agent delegated to first; 'none' when it answered without delegating. */
  chosen: string;
  /** The delegating call's prompt, or the main agent's answer when it handled the request itself (cut to a few KB). */
  detail: string;
  /** Model requests the case made. */
  requests: number;
  tokens?: { prompt: number; completion: number; total: number };
  costUsd?: number;
  latencyMs: number;
  /** The runtime program's version (Claude Code CLI, OpenCode): part of the cell's fingerprint. */
  runtimeVersion: string;
  /** Set when the case did not complete (crash, model error, sandbox limit): the cell is an `error`, never a decision. */
  error?: string;
}

/** A runtime: started once per run (a server process may be shared), then asked to run cells. */
export interface AgentRuntime {
  readonly name: Exclude<RuntimeName, 'chat'>;
  runCell(input: RuntimeCellInput): Promise<RuntimeCellOutput>;
  /**
   * Runs one routing case: the runtime's own main agent with `input.agents` as its subagents gets the request;
   * the first delegation (or none) is the decision, and the subagent never runs.
   */
  route(input: RoutingCellInput): Promise<RoutingCellOutput>;
  /**
   * Starts, before the first cell, what `cells` cells at once will need (OpenCode: its servers), so no cell
   * pays a program's start-up inside its own timeout. A start that fails is left to the cell, which reports it.
   */
  prepare?(cells: number): Promise<void>;
  /** Stops anything started for the run (servers, processes). */
  close(): Promise<void>;
}
