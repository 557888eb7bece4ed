import type { NormalizedAssertion } from '../assertions/registry.ts';
import type { Message } from './scenario.ts';

/** A reference answer as text, with a label for messages (`examples/good.md`, `pass[0]`). */
export interface ReferenceAnswer {
  label: string;
  text: string;
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
