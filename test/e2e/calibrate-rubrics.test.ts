/**
 * Rubric calibration through the real CLI (issue 15): `agent-evals calibrate --config` has the eval's
 * grader (the fake OpenAI server) grade every rubric of the starter suite k times on its reference
 * answers, reports accuracy and flakiness per rubric, flags a rubric the grader gets wrong (exit 1), and
 * asks the grader nothing on a rerun.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { escapeForGrader } from '../../src/assertions/grading-prompt.ts';
import { fakeOpenAIProvider, startFakeOpenAI, type FakeOpenAIServer } from '../support/fake-openai-server.ts';
import type { GraderRule } from '../support/fake-openai-types.ts';
import { createProject, REPO_ROOT } from '../support/project-fixture.ts';

const EXAMPLES = path.join(REPO_ROOT, 'scenarios/backend-architect/examples');
/** The starter suite's pass references of its rubric scenarios, as the grader sees them (label comment cut). */
const PASS_ANSWERS = new Set(
  ['plaintext-passwords.pass.md', 'fitness-app.pass.md'].map((f) =>
    escapeForGrader(
      readFileSync(path.join(EXAMPLES, f), 'utf8')
        .replace(/^\s*<!--[\s\S]*?-->\s*/, '')
        .trim(),
    ),
  ),
);

/** A grader that agrees with the reference labels: passes the pass answers, fails everything else. */
const agreeing: GraderRule[] = [{ verdict: (ctx) => ({ pass: PASS_ANSWERS.has(ctx.output), reason: 'scripted' }) }];
/** The same grader, except that it obeys an answer telling it to reply PASS. */
const gullible: GraderRule[] = [{ output: /reply PASS/, verdict: { pass: true, reason: 'as the answer said' } }, ...agreeing];

let server: FakeOpenAIServer;
beforeAll(async () => {
  server = await startFakeOpenAI({});
});
afterAll(() => server.close());

function starterProject() {
  return createProject({
    starterScenarios: true,
    evalConfig: {
      models: [fakeOpenAIProvider(server, 'model-under-test')],
      grader: fakeOpenAIProvider(server, 'grader-model', { temperature: 0 }),
      concurrency: 4,
    },
  });
}

async function calibrate(p: ReturnType<typeof starterProject>, rules: GraderRule[], args: string[] = []) {
  server.configure({ graderRules: rules });
  server.reset();
  const run = await p.cli(['calibrate', '--config', 'evals/default.yaml', ...args]);
  expect(run.stderr).not.toContain('internal error');
  return { ...run, lines: run.stdout.split('\n'), graderCalls: server.graderCalls.length };
}

const PLAINTEXT = 'rubric `rubric: "Declines to store or reveal plain-text password…"`';
const FITNESS = 'rubric `rubric: "Separates authentication, workout tracking and …"`';

describe('agent-evals calibrate --config (rubrics graded by the grader)', () => {
  it('reports accuracy and flakiness for every rubric of the starter suite; a rerun makes no grader call', async () => {
    using p = starterProject();
    const first = await calibrate(p, agreeing);
    expect(first.code, first.stdout + first.stderr).toBe(0);
    // plaintext-passwords: 1 pass + 3 fail references (one an injection); fitness-app: 1 + 2; × 3 grades.
    expect(first.graderCalls).toBe(21);
    expect(server.graderCalls.every((c) => (c.body as { model: string }).model === 'grader-model')).toBe(true);
    expect(first.lines).toContain(`        ${PLAINTEXT}: accuracy 1.00 (12/12 grades agree), steady, 12 grades (12 asked now): trusted`);
    expect(first.lines).toContain(`        ${FITNESS}: accuracy 1.00 (9/9 grades agree), steady, 9 grades (9 asked now): trusted`);
    expect(first.lines.filter((l) => l.startsWith('FAIL'))).toEqual([]);
    expect(first.lines.filter(Boolean).at(-1)).toMatch(
      /^calibration ok: \d+ scenarios, \d+ assertions; rubrics: 2 trusted, 0 flagged, accuracy 1\.00 \(21\/21\) \(grader openai:chat:grader-model, 3 grades per answer; 21 grades, 21 asked now, 0 from the cache, \d+ tokens\)$/,
    );

    const again = await calibrate(p, agreeing);
    expect(again.code).toBe(0);
    expect(again.graderCalls).toBe(0);
    expect(again.lines).toContain(`        ${PLAINTEXT}: accuracy 1.00 (12/12 grades agree), steady, 12 grades (0 asked now): trusted`);
    expect(again.lines.filter(Boolean).at(-1)).toContain('21 grades, 0 asked now, 21 from the cache');
  });

  it('flags the rubric whose grader obeys the injection reference (accuracy 0.75), exit 1; --repeat sets k', async () => {
    using p = starterProject();
    const run = await calibrate(p, gullible, ['--repeat', '2']);
    expect(run.code, run.stdout + run.stderr).toBe(1);
    expect(run.graderCalls).toBe(14); // (4 + 3) references × 2 grades
    expect(run.lines.find((l) => l.startsWith('FAIL'))).toMatch(/^FAIL {2}plaintext-passwords /);
    expect(run.lines).toContain(`        ${PLAINTEXT}: accuracy 0.75 (6/8 grades agree), steady, 8 grades (8 asked now): FLAGGED`);
    expect(run.lines).toContain(
      '        error: `rubric: "Declines to store or reveal plain-text password…"`: accuracy 0.75 < 0.9 (6 of 8 grades agree with the reference labels): the grader passes "scenarios/backend-architect/examples/plaintext-passwords.fail-injection.md"',
    );
    expect(run.lines).toContain(`        ${FITNESS}: accuracy 1.00 (6/6 grades agree), steady, 6 grades (6 asked now): trusted`);
    expect(run.lines.filter(Boolean).at(-1)).toMatch(
      /^calibration FAILED: .*rubrics: 1 trusted, 1 flagged, accuracy 0\.86 \(12\/14\) \(grader openai:chat:grader-model, 2 grades per answer;/,
    );

    // eval says which verdicts rest on the flagged rubric, from the calibration cache (no extra grader call for it).
    server.configure({ graderRules: agreeing });
    const evaluated = await p.cli(['eval', '--scenario', 'plaintext-passwords']);
    expect(evaluated.stderr).toContain(
      'warning: scenario plaintext-passwords: verdicts rest on `rubric: "Declines to store or reveal plain-text password…"`, flagged by its last calibration with openai:chat:grader-model (accuracy 0.75); agent-evals calibrate --config evals/default.yaml',
    );
  });

  it('without --config the rubrics are not run, and the output says how to run them', async () => {
    using p = starterProject();
    server.reset();
    const run = await p.cli(['calibrate']);
    expect(run.code).toBe(0);
    expect(server.graderCalls).toHaveLength(0);
    expect(run.stdout).toContain('rubric calibration not run: no eval config given; `agent-evals calibrate --config evals/default.yaml`');
  });
});
