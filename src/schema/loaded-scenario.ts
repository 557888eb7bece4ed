import type { AgentVariant } from './agent.ts';
import type { Message, NormalizedAssertion } from './scenario.ts';
import type { TrajectoryRecord } from './trajectory.ts';

/** A reference answer as text, with a label for messages (`examples/good.md`, `pass[0]`). */
export interface ReferenceAnswer {
  label: string;
  text: string;
  /** A reference trajectory for the assertions on what the agent did. */
  trajectory?: TrajectoryRecord;
}

/** A scenario's workspace: the folder each agent cell works in a fresh copy of. */
export interface ScenarioWorkspace {
  /** Path relative to the project root. */
  dir: string;
  /** Every file and symlink (relative path → `sha256 <hex>` of its bytes, or `symlink <target>`): what the scenario hash sees. */
  files: Record<string, string>;
  /** The text of the files `file-contains` assertions read, for files the agent left alone (no other content is kept). */
  texts: Record<string, string>;
}

/** What makes a scenario a routing case: its suite, its expected decision, and the suite's sibling agents. */
interface RoutingScenario {
  suite: string;
  case: string;
  /** The suite agent that should take the request, or `none`. */
  expected: string;
  /** The suite's agents in order, each as its first variant (by id): a variant under test replaces its own agent. */
  siblings: AgentVariant[];
  /** Suite agents with no variant found (calibration loads suites without agents). */
  missing: string[];
}

/** A validated, normalized scenario: what every later stage sees. */
export interface LoadedScenario {
  id: string;
  title: string;
  /** Agent names, variant ids or globs it applies to; undefined = every agent. */
  agents: string[] | undefined;
  tags: string[];
  /** The conversation sent after the system prompt; always ends with a user turn. */
  messages: Message[];
  vars: Record<string, string>;
  weight: number;
  threshold: number | undefined;
  /** Assertions in file order, each with a unique id (given or derived, e.g. `mentions-jwt`). */
  assert: NormalizedAssertion[];
  examples: { pass: ReferenceAnswer[]; fail: ReferenceAnswer[] };
  /** Agent runtimes only: the folder each cell works in a copy of. */
  workspace?: ScenarioWorkspace;
  /** Agent runtimes only: the agent may run shell commands (in its copy, with a timeout). */
  allowBash: boolean;
  /** Agent runtimes only: the agents it may delegate to (the scenario's `peers:` files, loaded like agent files). */
  peers?: AgentVariant[];
  /** Only an agent runtime can run it (a workspace, or assertions on what the agent did). */
  agentic: boolean;
  /** A routing case (docs/routing.md): the suite's main agent gets the request; pass = it chose `expected`. */
  routing?: RoutingScenario;
  /** Path relative to the project root. */
  file: string;
  /** Line where the scenario starts (for CSV: where its row starts). */
  line: number;
  /** CSV row (header is row 1), for CSV scenarios. */
  row?: number;
  /** sha256 of the normalized messages and vars: a fingerprint of what is asked. */
  hash: string;
  /** sha256 of the normalized assertions and the threshold: a fingerprint of how answers are judged. */
  assertionsHash: string;
}
