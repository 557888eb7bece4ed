import type { ScenarioWorkspace } from './loaded-scenario.ts';
import * as z from 'zod';

/** The decision "the main agent answered itself, delegating to nobody". */
export const NONE = 'none';

const Name = z.string().trim().min(1, 'expected an agent name');
const Id = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'expected an id of letters, digits, ".", "_" or "-"');

/** One routing case: a request and the agent of the suite that should take it, or `none`. */
export const RoutingCase = z.strictObject({
  id: Id,
  request: z.string().trim().min(1, 'expected the request the main agent receives'),
  /** The agent of the suite that should take the request, or `none` (the main agent answers itself). */
  expect: Name.describe('an agent of the suite, or none'),
  tags: z.array(z.string().trim().min(1)).default([]),
  note: z.string().optional(),
  /**
   * Reference wrong decisions: agents (or `none`, or a built-in such as `general-purpose`) that must not take
   * it. `calibrate` checks the case's expectation against them: one equal to `expect` is a contradiction.
   */
  not: z.array(Name).optional(),
});
export type RoutingCase = z.infer<typeof RoutingCase>;

/** `routing/*.yaml`: a suite of sibling agents and the cases that say which of them should take what. */
export const RoutingSuiteFile = z.strictObject({
  $schema: z.string().optional(),
  /** Suite name (default: the file stem): case ids are `<suite>/<case id>`. */
  suite: Id.optional(),
  description: z.string().optional(),
  /** The sibling agents, by agent name: each is installed as a subagent in every case. */
  agents: z.array(Name).min(2, 'expected at least two sibling agents'),
  /** A folder (relative to the suite file) each case runs in a fresh copy of; default an empty folder. */
  workspace: z.string().trim().min(1).optional(),
  cases: z.array(RoutingCase).min(1, 'expected at least one case'),
});
export type RoutingSuiteFile = z.infer<typeof RoutingSuiteFile>;

/** A validated suite, with where each part is written. */
export interface LoadedRoutingSuite {
  name: string;
  /** Path relative to the project root. */
  file: string;
  agents: string[];
  /** Line of each `agents:` entry (YAML) for messages about it. */
  agentLines: number[];
  /** The workspace each case runs in a copy of (absent: an empty folder). */
  workspace?: ScenarioWorkspace;
  cases: Array<RoutingCase & { line: number; row?: number }>;
}
