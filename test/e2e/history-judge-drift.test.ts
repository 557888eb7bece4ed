/**
 * Judge drift in history (issue 15, item 3): a run's history line carries what the last rubric
 * calibration said of its grader and rubrics (from the cache: no grader call for it), and carries
 * nothing when no rubric was calibrated.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { escapeForGrader } from '../../src/assertions/grading-prompt.ts';
import { historyFile, readHistory } from '../../src/io/history/history.ts';
import { fakeOpenAIProvider, startFakeOpenAI, type FakeOpenAIServer } from '../support/fake-openai-server.ts';
import type { GraderRule } from '../support/fake-openai-types.ts';
import { createProject, REPO_ROOT } from '../support/project-fixture.ts';

const EXAMPLES = path.join(REPO_ROOT, 'scenarios/backend-architect/examples');
const PASS_ANSWER = escapeForGrader(
  readFileSync(path.join(EXAMPLES, 'plaintext-passwords.pass.md'), 'utf8')
    .replace(/^\s*<!--[\s\S]*?-->\s*/, '')
    .trim(),
);
/** Agrees with the reference labels, except that it obeys an answer telling it to reply PASS (accuracy 0.75 on plaintext-passwords). */
const gullible: GraderRule[] = [
  { output: /reply PASS/, verdict: { pass: true, reason: 'as the answer said' } },
  { verdict: (ctx) => ({ pass: ctx.output === PASS_ANSWER, reason: 'scripted' }) },
];

let server: FakeOpenAIServer;
beforeAll(async () => {
  server = await startFakeOpenAI({ graderRules: gullible, defaultReply: 'Store only a salted hash (argon2id); never the password.' });
});
afterAll(() => server.close());

const project = () =>
  createProject({
    starterScenarios: true,
    evalConfig: {
      models: [fakeOpenAIProvider(server, 'model-under-test')],
      grader: fakeOpenAIProvider(server, 'grader-model', { temperature: 0 }),
      concurrency: 4,
      repeats: 1,
    },
  });
const lastEntry = async (root: string) => (await readHistory(root)).entries.at(-1)!;

describe('rubric calibration in the history line', () => {
  it('records the last calibration of the run’s rubrics with its grader: accuracy, flagged, rubrics', async () => {
    using p = project();
    const cal = await p.cli(['calibrate', '--config', 'evals/default.yaml', '--repeat', '2']);
    expect(cal.code, cal.stdout + cal.stderr).toBe(1);
    const run = await p.cli(['eval', '--scenario', 'plaintext-passwords']);
    expect(run.stderr).not.toContain('internal error');
    expect((await lastEntry(p.root)).rubricCalibration).toEqual({
      grader: 'openai:chat:grader-model',
      accuracy: 0.75,
      flagged: 1,
      rubrics: 1,
    });
    expect(readFileSync(historyFile(p.root), 'utf8')).toContain(
      '"rubricCalibration":{"grader":"openai:chat:grader-model","accuracy":0.75,"flagged":1,"rubrics":1}',
    );
  });

  it('records nothing when no rubric of the run was calibrated', async () => {
    using p = project();
    const run = await p.cli(['eval', '--scenario', 'plaintext-passwords']);
    expect(run.stderr).not.toContain('internal error');
    const entry = await lastEntry(p.root);
    expect(entry.cells.length).toBeGreaterThan(0);
    expect(entry.rubricCalibration).toBeUndefined();
  });
});
