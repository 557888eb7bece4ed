/**
 * Every assertion kind mapped onto promptfoo's assertion engine. Text kinds are promptfoo's own types;
 * domain kinds are promptfoo `javascript` assertions whose value is one of our functions; `rubric` is
 * promptfoo's `llm-rubric` with our injection-resistant grading prompt (the grader is set by the run
 * engine). `metric` carries our assertion id.
 */
import type { Assertion, AssertionKind, NormalizedAssertion } from '../schema/scenario.ts';
import type { EngineAssertion } from '../shared/engine-types.ts';
import * as domain from './domain.ts';
import { GRADING_PROMPT } from './grading-prompt.ts';
import * as trajectory from './trajectory-checks.ts';

// The type lives with the schema (schema/ imports nothing above it); re-exported for the registry's users.
export type { NormalizedAssertion };

// `rubricPrompt` is promptfoo's own assertion option (llm-rubric's grading prompt), passed through as is.
type EngineShape = Omit<EngineAssertion, 'metric' | 'weight'> & { rubricPrompt?: string };
type Handlers = { [K in AssertionKind]: (a: Extract<Assertion, { type: K }>) => EngineShape };

const passThrough = (a: { type: string; value?: string | string[] }): EngineShape => ({ type: a.type, value: a.value });
const asList = (v: string | string[]) => (Array.isArray(v) ? v : [v]);

export const ASSERTION_HANDLERS: Handlers = {
  contains: passThrough,
  icontains: passThrough,
  'contains-any': passThrough,
  'contains-all': passThrough,
  'not-contains': passThrough,
  regex: passThrough,
  'not-regex': passThrough,
  'starts-with': passThrough,
  'is-json': () => ({ type: 'is-json' }),
  javascript: passThrough,
  mentions: (a) => ({ type: 'javascript', value: domain.mentions(asList(a.value)) }),
  'mentions-all': (a) => ({ type: 'javascript', value: domain.mentionsAll(a.value) }),
  'has-section': (a) => ({ type: 'javascript', value: domain.hasSection(a.value) }),
  'has-code-block': (a) => ({ type: 'javascript', value: domain.hasCodeBlock(a.value) }),
  'has-table': () => ({ type: 'javascript', value: domain.hasTable() }),
  'asks-clarifying-questions': (a) => ({ type: 'javascript', value: domain.asksClarifyingQuestions(a.min) }),
  'word-count': (a) => ({ type: 'javascript', value: domain.wordCount(a.min, a.max) }),
  // The answer reaches the grader fenced and escaped as data (grading-prompt.ts), never as instructions.
  rubric: (a) => ({
    type: 'llm-rubric',
    value: a.value,
    rubricPrompt: GRADING_PROMPT,
    ...(a.threshold !== undefined ? { threshold: a.threshold } : {}),
  }),
  'tool-called': (a) => ({ type: 'javascript', value: trajectory.toolCalled(a.tool, a) }),
  'tool-not-called': (a) => ({ type: 'javascript', value: trajectory.toolNotCalled(a.tool, a.pattern) }),
  'tool-order': (a) => ({ type: 'javascript', value: trajectory.toolOrder(a.value) }),
  'max-tool-calls': (a) => ({ type: 'javascript', value: trajectory.maxToolCalls(a.value) }),
  'max-turns': (a) => ({ type: 'javascript', value: trajectory.maxTurns(a.value) }),
  'reads-file': (a) => ({ type: 'javascript', value: trajectory.readsFile(a.value) }),
  'no-writes': () => ({ type: 'javascript', value: trajectory.noWrites() }),
  'file-changed': (a) => ({ type: 'javascript', value: trajectory.fileChanged(a.value) }),
  'file-contains': (a) => ({ type: 'javascript', value: trajectory.fileContains(a.file, a.value) }),
  'no-permission-violations': () => ({ type: 'javascript', value: trajectory.noPermissionViolations() }),
  'delegates-to': (a) => ({ type: 'javascript', value: trajectory.delegatesTo(a.value) }),
};

/** Kinds that need a grader model; calibration cannot run them offline. */
const MODEL_GRADED_KINDS: readonly AssertionKind[] = ['rubric'];

/**
 * The one rule for "this assertion needs the grader model": our model-graded kinds, by our name or by
 * the engine's (`rubric` is promptfoo's `llm-rubric`). Planning, calibration, scoring and affected-only
 * runs all ask here.
 * @example needsGrader('rubric') // true
 */
export function needsGrader(kind: string): boolean {
  return (MODEL_GRADED_KINDS as readonly string[]).includes(kind) || kind === 'llm-rubric';
}

/** One assertion in promptfoo's terms. */
export function toEngineAssertion(a: NormalizedAssertion): EngineAssertion {
  // The union is narrowed by `type` inside each handler; indexing by a union loses that, hence the cast.
  const handler = ASSERTION_HANDLERS[a.type] as (a: Assertion) => EngineShape;
  return { ...handler(a), metric: a.id, weight: a.weight };
}

/**
 * A scenario's assertions in promptfoo's terms, in file order.
 *
 * @example
 * toEngineAssertions({ assert: [{ type: 'mentions', value: ['JWT'], id: 'mentions-jwt', weight: 1, critical: false }] })
 * // [{ type: 'javascript', value: [Function], metric: 'mentions-jwt', weight: 1 }]
 */
export function toEngineAssertions(scenario: { assert: NormalizedAssertion[] }): EngineAssertion[] {
  return scenario.assert.map(toEngineAssertion);
}

interface AssertionInfo {
  id: string;
  kind: AssertionKind;
  weight: number;
  critical: boolean;
  /** Short human form, e.g. `mentions: [JWT, OAuth2]`, for messages. */
  label: string;
}

/** Kind, weight and criticality of each assertion by id: what the scorer needs to judge a cell. */
export function assertionIndex(scenario: { assert: NormalizedAssertion[] }): Map<string, AssertionInfo> {
  return new Map(
    scenario.assert.map((a) => [a.id, { id: a.id, kind: a.type, weight: a.weight, critical: a.critical, label: describeAssertion(a) }]),
  );
}

/** `mentions: [JWT]`, `word-count: 200..800`, `has-table` — the assertion as a maintainer wrote it. */
export function describeAssertion(a: Assertion): string {
  switch (a.type) {
    case 'is-json':
    case 'has-table':
      return a.type;
    case 'has-code-block':
      return a.value ? `${a.type}: ${a.value}` : a.type;
    case 'asks-clarifying-questions':
      return `${a.type}: ${a.min}`;
    case 'word-count':
      return `${a.type}: ${a.min ?? ''}..${a.max ?? ''}`;
    case 'rubric':
      return `rubric: "${a.value.length > 50 ? `${a.value.slice(0, 47)}…` : a.value}"`;
    case 'tool-called':
    case 'tool-not-called':
      return `${a.type}: ${a.tool}${a.pattern ? ` /${a.pattern}/` : ''}`;
    case 'file-contains':
      return `${a.type}: ${a.file} /${a.value}/`;
    case 'no-writes':
    case 'no-permission-violations':
      return a.type;
    default:
      return Array.isArray(a.value) ? `${a.type}: [${a.value.join(', ')}]` : `${a.type}: ${a.value}`;
  }
}

/**
 * The cell verdict from assertion outcomes. With a scenario `threshold`, the weighted score must reach
 * it and every critical assertion must pass; without one, every assertion must pass.
 */
export function judgeOutcomes(
  scenario: { threshold?: number },
  outcomes: Array<{ pass: boolean; score: number; weight: number; critical: boolean }>,
): { pass: boolean; score: number } {
  const total = outcomes.reduce((s, o) => s + o.weight, 0);
  const score = total > 0 ? outcomes.reduce((s, o) => s + o.weight * clamp01(o.score), 0) / total : outcomes.every((o) => o.pass) ? 1 : 0;
  const criticalOk = outcomes.every((o) => !o.critical || o.pass);
  const pass = scenario.threshold === undefined ? outcomes.every((o) => o.pass) : criticalOk && score >= scenario.threshold;
  return { pass, score };
}

const clamp01 = (n: number) => Math.max(0, Math.min(1, n));
