import type { AgentVariant } from '../schema/agent.ts';
import type { Baseline, GitInfo } from '../schema/aggregate.ts';
import type { EvalConfig } from '../schema/eval-config.ts';
import type { LoadedScenario } from '../schema/loaded-scenario.ts';
import type { RuntimeAgent } from '../shared/agent-runtime.ts';
import type { EngineAssertion } from '../shared/engine-types.ts';
import type { ResolvedModel } from '../schema/models.ts';

/** live: call models (promptfoo cache on) and record; record: same with the cache off; replay: recordings only. */
export type RunMode = 'live' | 'record' | 'replay';

/** One cell, fully planned: what to send, how to score it, and what to call it in results. */
export interface CellPlan {
  cellId: string;
  agent: string;
  variantId: string;
  variantHash: string;
  scenarioId: string;
  scenarioHash: string;
  assertionsHash: string;
  model: ResolvedModel;
  repeat: number;
  /** System prompt first, then the scenario's conversation. */
  messages: Array<{ role: 'system' | 'user' | 'assistant'; content: string }>;
  temperature?: number;
  vars: Record<string, string>;
  assertions: EngineAssertion[];
  /** Per assertion id (the `metric`): kind, weight, critical. */
  assertionInfo: Record<string, { kind: string; weight: number; critical: boolean }>;
  /** Pass bar on the weighted score; undefined = every assertion must pass. */
  threshold?: number;
  /** Agent runtimes: what the runtime needs beyond the messages. */
  agentRun?: AgentRun;
  /** A routing case (docs/routing.md): run by the runtime's main agent with `agents` as its subagents, not by the variant. */
  routing?: RoutingRun;
}

/** How a routing cell runs: the suite's agents (the variant under test in its agent's place) and the expected decision. */
export interface RoutingRun {
  suite: string;
  expected: string;
  agents: RuntimeAgent[];
  /** The installed runtime program's version, when known before the run: part of the recording key. */
  runtimeVersion?: string;
}

/** Installed agent programs' versions, read before planning (routing cells' fingerprints name them). */
export type RuntimeVersions = Partial<Record<'claude-code' | 'opencode', string>>;

/** How an agent cell runs: the agent file, the scenario's workspace and what it allows, the bounds. */
export interface AgentRun {
  agent: RuntimeAgent;
  /** The scenario's workspace folder (relative to the project root) copied fresh for the cell; none = an empty folder. */
  workspace?: string;
  /** The workspace's files by content hash (`ScenarioWorkspace.files`): what the cell's fingerprint sees. */
  workspaceFiles?: Record<string, string>;
  /** The original text of the files `file-contains` reads, for files the agent left alone. */
  workspaceTexts?: Record<string, string>;
  allowBash: boolean;
  maxTurns: number;
}

/** Everything an eval reads from disk and git, validated: the plan stage's input. */
export interface EvalInputs {
  config: EvalConfig;
  configFile: string;
  variants: AgentVariant[];
  scenarios: LoadedScenario[];
  /** `--changed-since`: the files changed since the ref, and the baseline to carry unchanged cells from. */
  changed?: { since: string; files: Set<string>; baseline?: { baseline: Baseline; source: string }; baselineRef?: string };
  /** Installed agent programs' versions, for routing cells' fingerprints (absent: unknown). */
  runtimeVersions?: RuntimeVersions;
  /** Commit, branch and dirty flag; answered in the background while the rest loads. */
  git: Promise<GitInfo>;
}
