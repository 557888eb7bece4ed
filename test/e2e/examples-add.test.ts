/**
 * `agent-evals examples add` (issue 23 item 6): a cell of a finished run becomes a reference example next
 * to its scenario (the answer, the trajectory, and the `examples:` entry, the user's comments and
 * formatting kept), which `calibrate` and `eval` then accept. The live part runs the real Claude Code
 * against the scripted Anthropic test double; the error cases use run folders written as `eval` writes
 * them (checked against the run schemas), one line and exit 2 each, with nothing written.
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CellResult } from '../../src/schema/result.ts';
import { RunMeta } from '../../src/schema/run-meta.ts';
import { Trajectory } from '../../src/schema/trajectory.ts';
import { FAKE_ANTHROPIC_KEY, startFakeAnthropic, type FakeAnthropicServer, type TurnContext } from '../support/fake-anthropic-server.ts';
import { listFiles } from '../support/mini-project.ts';
import { createProject, type CliResult, type Project } from '../support/project-fixture.ts';
import { runCliOn, usePromptfooInProcess } from '../support/run-cli.ts';

const show = (r: Pick<CliResult, 'code' | 'stdout' | 'stderr'>) => `exit ${r.code}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`;

/** A reviewer told to read the code first, and one told to answer from the request alone. */
const agent = (variant: string, body: string) =>
  `---\nname: reviewer\ndescription: Reviews HTTP APIs (${variant}).\ntools: Read, Grep, Glob\n---\n\n${body}\n`;
const AGENTS = {
  'agents/reviewer/careful.md': agent('careful', 'You review HTTP APIs. CAREFUL: read the route handlers before you answer.'),
  'agents/reviewer/hasty.md': agent('hasty', 'You review HTTP APIs. HASTY: answer from the request alone.'),
};

/** The scenario as a user wrote it: comments, a block list, a flow list, a blank line, a trailing comment. */
const SCENARIO = `# yaml-language-server: $schema=../scenario.schema.json
# A review worth reading starts from the code.
id: reads-first
title: Review the routes   # shown in reports
agent: reviewer
workspace: workspaces/tiny-api
request: Review the HTTP API of this service.
assert:
  - type: mentions          # the answer names the routes file
    value: routes

examples:
  pass:
    - examples/hand.pass.md   # written by hand
  fail: ["Looks fine to me."]
# end of scenario
`;

const SCENARIO_FILE = 'scenarios/review/reads-first.yaml';

/** The scripted model: the careful variant reads the routes, the hasty one answers at once. */
function reply(ctx: TurnContext) {
  const careful = ctx.system.includes('CAREFUL');
  if (careful && ctx.turn === 1) {
    const ws = /(\/[^"\s\\]*\/cells\/[0-9a-f]+\/workspace)/.exec(JSON.stringify(ctx.body))?.[1] ?? '';
    return { toolCalls: [{ name: 'Read', input: { file_path: path.join(ws, 'src/routes.ts') } }] };
  }
  return careful
    ? { text: 'I read src/routes.ts: GET /orders/:id answers 200 for a missing order; the routes need a 404.' }
    : { text: 'The routes probably lack pagination.' };
}

interface Row {
  cellId: string;
  variantId: string;
  status: string;
  output?: string;
  trajectory?: { toolCalls: Array<{ tool: string; outcome: string }>; filesRead: string[] };
}

function results(root: string): { runId: string; rows: Row[] } {
  const runs = path.join(root, 'reports', 'runs');
  const runId = listFiles(runs)
    .filter((f) => f.endsWith('/meta.json'))
    .map((f) => f.split('/')[0]!)
    .sort()
    .at(-1)!;
  const rows = readFileSync(path.join(runs, runId, 'results.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Row);
  return { runId, rows };
}

let anthropic: FakeAnthropicServer;
beforeAll(async () => {
  anthropic = await startFakeAnthropic({ rules: [{ reply }] });
});
afterAll(async () => {
  await anthropic?.close();
});

usePromptfooInProcess();

describe('examples add: a recorded cell becomes a reference example', () => {
  it('writes the answer, the trajectory and the examples entry (comments kept); calibrate and eval accept them', {
    timeout: 300_000,
  }, async () => {
    using project = createProject({
      seedAgents: false,
      files: {
        ...AGENTS,
        [SCENARIO_FILE]: SCENARIO,
        'scenarios/review/examples/hand.pass.md': 'The routes file needs a 404 for a missing order.\n',
        'scenarios/review/workspaces/tiny-api/src/routes.ts':
          "app.get('/orders/:id', (req, res) => res.status(200).json(find(req.params.id)));\n",
        'evals/default.yaml': {
          models: [
            { id: 'claude-test-model', runtime: 'claude-code', config: { apiBaseUrl: anthropic.origin, apiKey: FAKE_ANTHROPIC_KEY } },
          ],
          concurrency: 2,
          timeoutMs: 120_000,
        },
      },
    });
    const live = await project.cli(['eval'], { timeoutMs: 240_000 });
    expect(live.code, show(live)).toBe(0);
    const { runId, rows } = results(project.root);
    const cell = (variant: string) => rows.find((r) => r.variantId === `reviewer/${variant}`)!;
    expect(cell('careful').trajectory!.filesRead).toEqual(['src/routes.ts']);
    expect(cell('hasty').trajectory!.toolCalls).toEqual([]);

    // The careful cell as a pass example (the latest run, by default), the hasty one as a fail example.
    const pass = await runCliOn(project.root, [
      'examples',
      'add',
      '--cell',
      cell('careful').cellId,
      '--as',
      'pass',
      '--label',
      'reads-the-routes',
    ]);
    expect(pass.code, show(pass)).toBe(0);
    expect(pass.stdout.split('\n').filter(Boolean)).toEqual([
      `wrote scenarios/review/examples/reads-first.pass-reads-the-routes.md (the answer of cell ${cell('careful').cellId} of run ${runId}: reviewer/careful @ claude-code:claude-test-model, repeat 0, scored pass)`,
      'wrote scenarios/review/examples/reads-first.pass-reads-the-routes.trajectory.json (1 tool call)',
      `added examples.pass[1] to ${SCENARIO_FILE}:15`,
      'check it: agent-evals calibrate --scenario reads-first',
    ]);
    // Until the scenario judges what the agent did, the recorded answer is one more good answer.
    const calibrated = await runCliOn(project.root, ['calibrate']);
    expect(calibrated.code, show(calibrated)).toBe(0);

    // The hasty cell answers blind: a fail example once the scenario checks what the agent read.
    const fail = await runCliOn(project.root, [
      'examples',
      'add',
      '--run',
      runId,
      '--cell',
      cell('hasty').cellId.slice(0, 8),
      '--as',
      'fail',
      '--label',
      'answers-blind',
    ]);
    expect(fail.code, show(fail)).toBe(0);
    expect(fail.stdout).toContain(`added examples.fail[1] to ${SCENARIO_FILE}:16`);

    // The scenario file: the user's text byte for byte, plus one line per example.
    const examplesDir = path.join(project.root, 'scenarios/review/examples');
    expect(readFileSync(path.join(project.root, SCENARIO_FILE), 'utf8')).toBe(
      SCENARIO.replace(
        '    - examples/hand.pass.md   # written by hand\n',
        '    - examples/hand.pass.md   # written by hand\n' +
          '    - { label: reads-the-routes, file: examples/reads-first.pass-reads-the-routes.md, trajectory: examples/reads-first.pass-reads-the-routes.trajectory.json }\n',
      ).replace(
        '  fail: ["Looks fine to me."]',
        '  fail: ["Looks fine to me.", { label: answers-blind, file: examples/reads-first.fail-answers-blind.md, trajectory: examples/reads-first.fail-answers-blind.trajectory.json }]',
      ),
    );
    // The answer (behind a calibration header) and the trajectory, exactly as the run recorded them.
    const answer = readFileSync(path.join(examplesDir, 'reads-first.pass-reads-the-routes.md'), 'utf8');
    expect(answer).toMatch(/^<!-- Calibration reference answer: recorded by `agent-evals examples add` from run /);
    expect(answer).toContain(`${cell('careful').output}\n`);
    const trajectory = JSON.parse(readFileSync(path.join(examplesDir, 'reads-first.pass-reads-the-routes.trajectory.json'), 'utf8'));
    expect(Trajectory.parse(trajectory)).toEqual(Trajectory.parse(cell('careful').trajectory));
    expect(listFiles(examplesDir).sort()).toEqual([
      'hand.pass.md',
      'reads-first.fail-answers-blind.md',
      'reads-first.fail-answers-blind.trajectory.json',
      'reads-first.pass-reads-the-routes.md',
      'reads-first.pass-reads-the-routes.trajectory.json',
    ]);

    // Now an assertion on what the agent did: the hand-written pass example has no trajectory, and
    // calibration says how to give it one.
    const scenarioPath = path.join(project.root, SCENARIO_FILE);
    writeFileSync(
      scenarioPath,
      readFileSync(scenarioPath, 'utf8').replace('assert:\n', 'assert:\n  - { type: reads-file, value: src/routes.ts, critical: true }\n'),
    );
    const missing = await runCliOn(project.root, ['calibrate']);
    expect(missing.code, show(missing)).toBe(1);
    expect(missing.stdout).toMatch(
      /pass example "scenarios\/review\/examples\/hand\.pass\.md" has no trajectory.*add `trajectory: <file>\.json` beside it.*`agent-evals examples add --cell <cell-id> --as pass`/,
    );
    writeFileSync(scenarioPath, readFileSync(scenarioPath, 'utf8').replace('    - examples/hand.pass.md   # written by hand\n', ''));
    const recorded = await runCliOn(project.root, ['calibrate', '--scenario', 'reads-first']);
    expect(recorded.code, show(recorded)).toBe(0);
    expect(recorded.stdout).toMatch(/^ok\s+reads-first/m);

    // eval calibrates first, then replays the run's cells: the recorded examples are accepted.
    const replay = await runCliOn(project.root, ['eval', '--replay']);
    expect(replay.code, show(replay)).toBe(0);
    expect(replay.stdout).toContain('calibration: 1 scenarios calibrate clean');
    const replayed = results(project.root).rows;
    expect(replayed.find((r) => r.variantId === 'reviewer/careful')!.status).toBe('pass');
    expect(replayed.find((r) => r.variantId === 'reviewer/hasty')!.status).toBe('fail');
  });
});

// ---------------------------------------------------------------------------------------------------
// Error cases, on run folders written as eval writes them.

const RUN_ID = '20261201-120000-abcd';
const CHAT_SCENARIO = `# a chat scenario
id: plain-chat
title: Passwords
request: How do I store passwords?
assert:
  - type: mentions
    value: bcrypt
examples:
  pass: [examples/plain-chat.hand.md]
  fail: ["Store them as they are."]
`;
const AGENTIC_SCENARIO = 'id: needs-agent\ntitle: Reads first\nrequest: Review it.\nassert:\n  - { type: reads-file, value: src/*.ts }\n';
const CSV = 'id,title,request,mentions,pass,fail\nsheet-row,Sheet,How do I store passwords?,bcrypt,Use bcrypt.,Plain text.\n';

function cellResult(over: Partial<CellResult> & Pick<CellResult, 'cellId' | 'scenarioId'>): CellResult {
  return CellResult.parse({
    agent: 'reviewer',
    variantId: 'reviewer/careful',
    variantHash: 'vh',
    scenarioHash: 'sh',
    assertionsHash: 'ah',
    model: 'openai:chat:test-model',
    repeat: 0,
    status: 'pass',
    output: 'Hash them with bcrypt.',
    assertions: [{ id: 'mentions-bcrypt', kind: 'mentions', pass: true, score: 1, weight: 1, critical: false }],
    score: 1,
    source: 'live',
    finishedAt: '2026-12-01T12:00:05.000Z',
    ...over,
  });
}

const CELLS = [
  cellResult({ cellId: 'c0ffee00000000000001', scenarioId: 'plain-chat' }),
  cellResult({ cellId: 'c0ffee00000000000002', scenarioId: 'sheet-row' }),
  cellResult({ cellId: 'c0ffee00000000000003', scenarioId: 'gone' }),
  cellResult({ cellId: 'dead0000000000000004', scenarioId: 'plain-chat', status: 'error', output: undefined, error: 'HTTP 500' }),
  cellResult({ cellId: 'beef0000000000000005', scenarioId: 'needs-agent' }),
];

function errorProject(): Project {
  const meta = RunMeta.parse({
    runId: RUN_ID,
    startedAt: '2026-12-01T12:00:00.000Z',
    finishedAt: '2026-12-01T12:01:00.000Z',
    git: { dirty: false },
    harnessVersion: '0.1.0',
    promptfooVersion: '0.121.20',
    config: {},
    configFile: 'evals/default.yaml',
    planHash: 'plan',
    plannedCells: CELLS.length,
    mode: 'live',
    fingerprints: { variants: {}, scenarios: {} },
  });
  return createProject({
    seedAgents: false,
    files: {
      ...AGENTS,
      'scenarios/chat/plain-chat.yaml': CHAT_SCENARIO,
      'scenarios/chat/examples/plain-chat.hand.md': 'Use bcrypt or Argon2id.\n',
      'scenarios/sheet.csv': CSV,
      'scenarios/needs-agent.yaml': AGENTIC_SCENARIO,
      [`reports/runs/${RUN_ID}/meta.json`]: `${JSON.stringify(meta, null, 2)}\n`,
      [`reports/runs/${RUN_ID}/results.jsonl`]: CELLS.map((c) => `${JSON.stringify(c)}\n`).join(''),
    },
  });
}

/** Every file under scenarios/ with its text: what an error must leave as it was. */
const snapshot = (root: string) =>
  Object.fromEntries(listFiles(path.join(root, 'scenarios')).map((f) => [f, readFileSync(path.join(root, 'scenarios', f), 'utf8')]));

describe('examples add: a chat cell, and input it refuses', () => {
  let project: Project;
  beforeAll(() => {
    project = errorProject();
  });
  afterAll(() => project[Symbol.dispose]());

  it('a chat cell (no trajectory) becomes an answer-only example; calibrate accepts it', async () => {
    using chat = errorProject();
    const r = await runCliOn(chat.root, ['examples', 'add', '--cell', 'c0ffee00000000000001', '--as', 'pass']);
    expect(r.code, show(r)).toBe(0);
    expect(r.stdout.split('\n').filter(Boolean)).toEqual([
      `wrote scenarios/chat/examples/plain-chat.pass.md (the answer of cell c0ffee00000000000001 of run ${RUN_ID}: reviewer/careful @ openai:chat:test-model, repeat 0, scored pass)`,
      'no trajectory: the cell ran as a chat model (an answer-only example)',
      'added examples.pass[1] to scenarios/chat/plain-chat.yaml:9',
      'check it: agent-evals calibrate --scenario plain-chat',
    ]);
    expect(readFileSync(path.join(chat.root, 'scenarios/chat/plain-chat.yaml'), 'utf8')).toBe(
      CHAT_SCENARIO.replace('pass: [examples/plain-chat.hand.md]', 'pass: [examples/plain-chat.hand.md, examples/plain-chat.pass.md]'),
    );
    expect(existsSync(path.join(chat.root, 'scenarios/chat/examples/plain-chat.pass.trajectory.json'))).toBe(false);
    const calibrated = await chat.cli(['calibrate', '--scenario', 'plain-chat']);
    expect(calibrated.code, show(calibrated)).toBe(0);
  });

  it.each([
    {
      name: 'an unknown run id',
      args: ['--run', '20260101-000000-ffff', '--cell', 'c0ffee00000000000001', '--as', 'pass'],
      error: /^error: no run "20260101-000000-ffff" in reports\/runs\//,
    },
    {
      name: 'an unknown cell id',
      args: ['--cell', '0123456789abcdef0123', '--as', 'pass'],
      error: new RegExp(
        `^error: --cell 0123456789abcdef0123: no such cell in reports/runs/${RUN_ID}/results\\.jsonl; expected the cellId \\(or its first 6\\+ characters\\) of one of its 5 cells$`,
      ),
    },
    {
      name: 'a cell id prefix that names two cells',
      args: ['--cell', 'c0ffee', '--as', 'pass'],
      error: /^error: --cell c0ffee: matches 3 cells in reports\/runs\/.*\/results\.jsonl; expected more characters of one cellId$/,
    },
    {
      name: 'a cell with no answer',
      args: ['--cell', 'dead0000000000000004', '--as', 'pass'],
      error:
        /^error: --cell dead0000000000000004: the cell is "error" \(HTTP 500\); expected a scored cell \(pass or fail\) with an answer$/,
    },
    {
      name: 'a chat cell (no trajectory) for a scenario that judges what the agent did',
      args: ['--cell', 'beef0000000000000005', '--as', 'pass'],
      error:
        /^error: --cell beef0000000000000005: the cell has no trajectory \(it ran as a chat model\), and scenario "needs-agent" judges what the agent did \(reads-file-src-ts\); expected a cell of an agent runtime$/,
    },
    {
      name: 'a CSV scenario file',
      args: ['--cell', 'c0ffee00000000000002', '--as', 'fail'],
      error:
        /^error: scenarios\/sheet\.csv:row 2: a CSV scenario file; expected a YAML one \(CSV has no trajectory column\): add the answer to its fail column by hand$/,
    },
    {
      name: 'a scenario no file defines any more',
      args: ['--cell', 'c0ffee00000000000003', '--as', 'pass'],
      error:
        /^error: --cell c0ffee00000000000003: its scenario "gone" is in no file under scenarios\/ any more; expected the scenario file the run was made with$/,
    },
    {
      name: 'a side that is not pass or fail',
      args: ['--cell', 'c0ffee00000000000001', '--as', 'maybe'],
      error: /^error: option '--as <side>' argument 'maybe' is invalid: Allowed choices are pass, fail\.$/,
    },
    {
      name: 'no --cell',
      args: ['--as', 'pass'],
      error: /^error: required option '--cell <cell-id>' not specified$/,
    },
  ])('$name: one line, exit 2, nothing written', async ({ args, error }) => {
    const before = snapshot(project.root);
    const r = await runCliOn(project.root, ['examples', 'add', ...args]);
    expect(r.code, show(r)).toBe(2);
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(r.stderr.trimEnd()).toMatch(error);
    expect(r.stdout).toBe('');
    expect(snapshot(project.root)).toEqual(before);
  });

  it('an example file that exists: one line naming it, exit 2, nothing written', async () => {
    using chat = errorProject();
    const first = await runCliOn(chat.root, ['examples', 'add', '--cell', 'c0ffee00000000000001', '--as', 'fail']);
    expect(first.code, show(first)).toBe(0);
    const before = snapshot(chat.root);
    const again = await runCliOn(chat.root, ['examples', 'add', '--cell', 'c0ffee00000000000001', '--as', 'fail']);
    expect(again.code, show(again)).toBe(2);
    expect(again.stderr.trimEnd()).toBe(
      'error: scenarios/chat/examples/plain-chat.fail.md: already exists; expected a new file (name the example with --label)',
    );
    expect(snapshot(chat.root)).toEqual(before);
  });

  it('a scenario file that was deleted after the run: nothing is written', async () => {
    using chat = errorProject();
    rmSync(path.join(chat.root, 'scenarios/chat/plain-chat.yaml'));
    const r = await runCliOn(chat.root, ['examples', 'add', '--cell', 'c0ffee00000000000001', '--as', 'pass']);
    expect(r.code, show(r)).toBe(2);
    expect(r.stderr.trimEnd()).toMatch(
      /^error: --cell c0ffee00000000000001: its scenario "plain-chat" is in no file under scenarios\/ any more/,
    );
    expect(existsSync(path.join(chat.root, 'scenarios/chat/examples/plain-chat.pass.md'))).toBe(false);
  });
});
