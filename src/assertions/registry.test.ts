import { beforeAll, describe, expect, it } from 'vitest';
import { loadEngine, scoreOffline } from '../execute/engine.ts';
import { GRADING_PROMPT } from './grading-prompt.ts';
import { Assertion, ASSERTION_KINDS, type AssertionKind } from '../schema/scenario.ts';
import { ASSERTION_HANDLERS, assertionIndex, judgeOutcomes, toEngineAssertion, toEngineAssertions } from './registry.ts';

// One promptfoo import for the whole file (≈ 1–4 s).
beforeAll(async () => {
  await loadEngine();
});

/** Scores `output` with one assertion written as in a scenario file, through promptfoo's engine. */
async function score(raw: Record<string, unknown>, output: string) {
  const a = { ...Assertion.parse(raw), id: 'the-id' };
  const g = await scoreOffline({ output, assertions: [toEngineAssertion(a)] });
  const c = g.components[0]!;
  expect(c.metric).toBe('the-id');
  return { pass: c.pass, score: c.score, reason: c.reason ?? '' };
}

const GOOD_DESIGN = `## Overview

Use JWT access tokens with refresh tokens, and rate limiting per API key.

## API endpoints

| Method | Path |
|---|---|
| GET | /v1/users |

\`\`\`mermaid
graph LR; A-->B
\`\`\`
`;

/** Every offline kind: a written assertion, an output it accepts, an output it rejects, and words the rejection reason must contain. */
const CASES: Array<{ kind: AssertionKind; assertion: Record<string, unknown>; pass: string; fail: string; failReason: RegExp }> = [
  { kind: 'contains', assertion: { type: 'contains', value: 'JWT' }, pass: 'Use JWT.', fail: 'Use jwt.', failReason: /JWT/ },
  { kind: 'icontains', assertion: { type: 'icontains', value: 'JWT' }, pass: 'use jwt', fail: 'use sessions', failReason: /JWT/ },
  {
    kind: 'contains-any',
    assertion: { type: 'contains-any', value: ['Redis', 'Memcached'] },
    pass: 'Memcached works',
    fail: 'no cache',
    failReason: /Redis/,
  },
  {
    kind: 'contains-all',
    assertion: { type: 'contains-all', value: ['Redis', 'TTL'] },
    pass: 'Redis with a TTL',
    fail: 'Redis forever',
    failReason: /Missing: \[TTL\]/,
  },
  {
    kind: 'not-contains',
    assertion: { type: 'not-contains', value: 'plain text' },
    pass: 'hash it',
    fail: 'store it as plain text',
    failReason: /not contain/,
  },
  {
    kind: 'regex',
    assertion: { type: 'regex', value: '\\b(GET|POST) /v\\d+/' },
    pass: 'GET /v1/users',
    fail: 'GET /users',
    failReason: /match regex/,
  },
  {
    kind: 'not-regex',
    assertion: { type: 'not-regex', value: 'password\\s+varchar' },
    pass: 'password_hash text',
    fail: 'password varchar(255)',
    failReason: /not match/,
  },
  { kind: 'starts-with', assertion: { type: 'starts-with', value: '## ' }, pass: '## Plan', fail: 'Plan', failReason: /start with/ },
  { kind: 'is-json', assertion: { type: 'is-json' }, pass: '{"ok": true}', fail: 'ok: true', failReason: /JSON/ },
  {
    kind: 'javascript',
    assertion: { type: 'javascript', value: 'output.length < 20' },
    pass: 'short',
    fail: 'x'.repeat(30),
    failReason: /returned false/,
  },
  {
    kind: 'mentions',
    assertion: { type: 'mentions', value: ['refresh token', 'OAuth2'] },
    pass: 'Rotate Refresh-Tokens daily',
    fail: 'Use tokens that refresh',
    failReason: /mentions none of "refresh token", "OAuth2"/,
  },
  {
    kind: 'mentions-all',
    assertion: { type: 'mentions-all', value: ['index', 'strategy'] },
    pass: 'Two indexes and caching strategies',
    fail: 'An index on user_id',
    failReason: /missing "strategy"; found "index"/,
  },
  {
    kind: 'has-section',
    assertion: { type: 'has-section', value: 'endpoints?' },
    pass: GOOD_DESIGN,
    fail: '## Overview\n\n```sh\n# Endpoints\n```\n',
    failReason: /no heading matches \/endpoints\?\/i; headings: "Overview"/,
  },
  {
    kind: 'has-code-block',
    assertion: { type: 'has-code-block', value: 'mermaid' },
    pass: GOOD_DESIGN,
    fail: '```sql\nselect 1\n```',
    failReason: /no mermaid code block; found sql/,
  },
  {
    kind: 'has-table',
    assertion: { type: 'has-table' },
    pass: GOOD_DESIGN,
    fail: 'a | b\nno delimiter row',
    failReason: /no Markdown table/,
  },
  {
    kind: 'asks-clarifying-questions',
    assertion: { type: 'asks-clarifying-questions', min: 2 },
    pass: 'Before I design it:\n1. How many users do you expect?\n2. What is the deadline?',
    fail: 'Why Redis? Because it is fast. What about your users? They will love it.',
    failReason: /asks 1 question addressed to the user; expected at least 2: "What about your users\?"/,
  },
  {
    kind: 'word-count',
    assertion: { type: 'word-count', min: 3, max: 5 },
    pass: 'one two three four',
    fail: 'one two',
    failReason: /2 words; expected 3–5/,
  },
];

/** A trajectory: what an agent did in a cell (the runtime records it; here written by hand). */
const trajectory = (
  calls: Array<[tool: string, input: Record<string, unknown>, outcome?: string]>,
  more: Record<string, unknown> = {},
) => ({
  runtime: 'claude-code',
  toolCalls: calls.map(([tool, input, outcome], index) => ({ index, tool, input, outcome: outcome ?? 'ran', turn: index + 1 })),
  delegations: [],
  turns: calls.length + 1,
  filesRead: calls.filter(([t]) => /^read$/i.test(t)).map(([, i]) => String(i.file_path)),
  workspaceDiff: '',
  filesChanged: [],
  ...more,
});
const READ_THEN_ANSWER = trajectory([
  ['Read', { file_path: 'src/routes/orders.ts' }],
  ['Grep', { pattern: 'SELECT' }],
]);
const WRITES = trajectory([['Write', { file_path: 'migrations/1.sql' }]], {
  filesChanged: ['migrations/1.sql'],
  finalFiles: { 'migrations/1.sql': 'CREATE INDEX i ON t (c);' },
});

/** Kinds judged on the trajectory: a good and a bad one each, the answer text being irrelevant. */
const TRAJECTORY_CASES: Array<{ kind: AssertionKind; assertion: Record<string, unknown>; pass: object; fail: object; failReason: RegExp }> =
  [
    {
      kind: 'tool-called',
      assertion: { type: 'tool-called', tool: 'read', pattern: 'routes' },
      pass: READ_THEN_ANSWER,
      fail: WRITES,
      failReason: /read matching \/routes\/ called 0 time/,
    },
    {
      kind: 'tool-not-called',
      assertion: { type: 'tool-not-called', tool: 'bash', pattern: 'curl' },
      pass: READ_THEN_ANSWER,
      fail: trajectory([['Bash', { command: 'curl x | sh' }, 'denied-by-sandbox']]),
      failReason: /call #1 Bash.*denied-by-sandbox/,
    },
    {
      kind: 'tool-order',
      assertion: { type: 'tool-order', value: ['Read', 'Grep'] },
      pass: READ_THEN_ANSWER,
      fail: trajectory([
        ['Grep', {}],
        ['Read', { file_path: 'a' }],
      ]),
      failReason: /no Grep call after call #2/,
    },
    {
      kind: 'max-tool-calls',
      assertion: { type: 'max-tool-calls', value: 2 },
      pass: READ_THEN_ANSWER,
      fail: trajectory([
        ['Read', {}],
        ['Read', {}],
        ['Read', { file_path: 'third' }],
      ]),
      failReason: /3 tool calls, expected at most 2: call #3 Read/,
    },
    {
      kind: 'max-turns',
      assertion: { type: 'max-turns', value: 3 },
      pass: READ_THEN_ANSWER,
      fail: { ...READ_THEN_ANSWER, turns: 9 },
      failReason: /9 turns, expected at most 3/,
    },
    {
      kind: 'reads-file',
      assertion: { type: 'reads-file', value: 'src/**/*.ts' },
      pass: READ_THEN_ANSWER,
      fail: WRITES,
      failReason: /read no file matching src\/\*\*\/\*\.ts/,
    },
    { kind: 'no-writes', assertion: { type: 'no-writes' }, pass: READ_THEN_ANSWER, fail: WRITES, failReason: /changed migrations\/1\.sql/ },
    {
      kind: 'file-changed',
      assertion: { type: 'file-changed', value: 'migrations/*.sql' },
      pass: WRITES,
      fail: READ_THEN_ANSWER,
      failReason: /no file matching migrations/,
    },
    {
      kind: 'file-contains',
      assertion: { type: 'file-contains', file: 'migrations/1.sql', value: 'CREATE INDEX' },
      pass: WRITES,
      fail: READ_THEN_ANSWER,
      failReason: /migrations\/1\.sql does not exist after the cell/,
    },
    {
      kind: 'no-permission-violations',
      assertion: { type: 'no-permission-violations' },
      pass: READ_THEN_ANSWER,
      fail: trajectory([['Edit', { file_path: 'x' }, 'denied-by-agent']]),
      failReason: /1 attempt\(s\) outside its own permissions: call #1 Edit/,
    },
    {
      kind: 'delegates-to',
      assertion: { type: 'delegates-to', value: 'db-expert' },
      pass: { ...READ_THEN_ANSWER, delegations: [{ agent: 'db-expert', prompt: 'p', callIndex: 0 }] },
      fail: READ_THEN_ANSWER,
      failReason: /did not delegate to db-expert \(delegated to: nobody\)/,
    },
  ];

describe('every assertion kind through promptfoo', () => {
  it('has a case for every kind that runs offline', () => {
    expect([...CASES, ...TRAJECTORY_CASES].map((c) => c.kind).sort()).toEqual(ASSERTION_KINDS.filter((k) => k !== 'rubric').sort());
    expect(Object.keys(ASSERTION_HANDLERS).sort()).toEqual([...ASSERTION_KINDS].sort());
  });

  for (const c of CASES) {
    it(`${c.kind}: accepts a good output and rejects a bad one with a reason`, async () => {
      const good = await score(c.assertion, c.pass);
      expect(good, good.reason).toMatchObject({ pass: true, score: 1 });
      const bad = await score(c.assertion, c.fail);
      expect(bad.pass).toBe(false);
      expect(bad.reason).toMatch(c.failReason);
    });
  }

  for (const c of TRAJECTORY_CASES) {
    it(`${c.kind}: judges what the agent did, naming the call that broke it`, async () => {
      const a = { ...Assertion.parse(c.assertion), id: 'the-id' };
      const judge = async (t: object | undefined) =>
        (await scoreOffline({ output: 'any answer', assertions: [toEngineAssertion(a)], vars: t ? { __trajectory: t } : {} }))
          .components[0]!;
      const good = await judge(c.pass);
      expect(good.pass, good.reason).toBe(true);
      const bad = await judge(c.fail);
      expect(bad.pass).toBe(false);
      expect(bad.reason).toMatch(c.failReason);
      // A chat cell (no trajectory) never passes an assertion on what an agent did.
      expect(await judge(undefined)).toMatchObject({ pass: false, reason: expect.stringMatching(/no trajectory/) });
    });
  }

  it('rubric becomes promptfoo llm-rubric (graded by the eval grader, not run here)', () => {
    const e = toEngineAssertion({ ...Assertion.parse({ type: 'rubric', value: 'Refuses plain text.', threshold: 0.7 }), id: 'r' });
    expect(e).toEqual({
      type: 'llm-rubric',
      value: 'Refuses plain text.',
      threshold: 0.7,
      metric: 'r',
      weight: 1,
      rubricPrompt: GRADING_PROMPT,
    });
  });

  it('text kinds are promptfoo types passed through; domain kinds are javascript functions', () => {
    const engine = toEngineAssertions({
      assert: [
        { ...Assertion.parse({ type: 'contains-any', value: ['a', 'b'], weight: 2 }), id: 'x' },
        { ...Assertion.parse({ type: 'mentions', value: 'JWT' }), id: 'y' },
      ],
    });
    expect(engine[0]).toEqual({ type: 'contains-any', value: ['a', 'b'], metric: 'x', weight: 2 });
    expect(engine[1]).toMatchObject({ type: 'javascript', metric: 'y', weight: 1 });
    expect(typeof engine[1]!.value).toBe('function');
  });

  it('reports every assertion by metric when several run together', async () => {
    const assert = [
      { ...Assertion.parse({ type: 'mentions', value: ['JWT'] }), id: 'mentions-jwt' },
      { ...Assertion.parse({ type: 'has-table', critical: true }), id: 'has-table' },
    ];
    const g = await scoreOffline({ output: 'Use a JWT.', assertions: toEngineAssertions({ assert }) });
    expect(g.components.map((c) => [c.metric, c.pass])).toEqual([
      ['mentions-jwt', true],
      ['has-table', false],
    ]);
    expect(assertionIndex({ assert }).get('mentions-jwt')).toEqual({
      id: 'mentions-jwt',
      kind: 'mentions',
      weight: 1,
      critical: false,
      label: 'mentions: [JWT]',
    });
  });
});

describe('judgeOutcomes', () => {
  const o = (pass: boolean, weight = 1, critical = false) => ({ pass, score: pass ? 1 : 0, weight, critical });

  it('without a threshold every assertion must pass', () => {
    expect(judgeOutcomes({}, [o(true), o(false, 0.1)])).toEqual({ pass: false, score: 1 / 1.1 });
    expect(judgeOutcomes({}, [o(true), o(true)]).pass).toBe(true);
  });

  it('with a threshold the weighted score decides, unless a critical assertion fails', () => {
    expect(judgeOutcomes({ threshold: 0.75 }, [o(true, 3), o(false, 1)])).toEqual({ pass: true, score: 0.75 });
    expect(judgeOutcomes({ threshold: 0.75 }, [o(true, 3), o(false, 1, true)]).pass).toBe(false);
    expect(judgeOutcomes({ threshold: 0.8 }, [o(true, 3), o(false, 1)]).pass).toBe(false);
  });
});
