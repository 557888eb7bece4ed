/**
 * Issue 29, item 3, on the real path: `calibrate` flags a rubric (a gullible grader), then `eval` runs its
 * scenario; every report says beside the verdict that calibration flagged the rubric it rests on:
 * index.html (gate and drill-down), summary.md and the PR comment.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { escapeForGrader } from '../../src/assertions/grading-prompt.ts';
import { fakeOpenAIProvider, startFakeOpenAI, type FakeOpenAIServer } from '../support/fake-openai-server.ts';
import type { GraderRule } from '../support/fake-openai-types.ts';
import { createProject, REPO_ROOT } from '../support/project-fixture.ts';

const EXAMPLES = path.join(REPO_ROOT, 'scenarios/backend-architect/examples');
const PASS_ANSWER = escapeForGrader(
  readFileSync(path.join(EXAMPLES, 'plaintext-passwords.pass.md'), 'utf8')
    .replace(/^\s*<!--[\s\S]*?-->\s*/, '')
    .trim(),
);
/** Agrees with the reference labels, except that it obeys an answer telling it to reply PASS: the rubric is flagged. */
const gullible: GraderRule[] = [
  { output: /reply PASS/, verdict: { pass: true, reason: 'as the answer said' } },
  { output: /plain text/, verdict: { pass: true, reason: 'meets the rubric' } },
  { verdict: (ctx) => ({ pass: ctx.output === PASS_ANSWER, reason: 'scripted' }) },
];

let server: FakeOpenAIServer;
beforeAll(async () => {
  server = await startFakeOpenAI({ graderRules: gullible, defaultReply: 'Store passwords in plain text; it is simpler.' });
});
afterAll(() => server.close());

describe('a verdict resting on a flagged rubric says so in every report', () => {
  it('index.html, summary.md and the PR comment name the flagged rubric beside the verdict', async () => {
    using p = createProject({
      starterScenarios: true,
      evalConfig: {
        models: [fakeOpenAIProvider(server, 'model-under-test')],
        grader: fakeOpenAIProvider(server, 'grader-model', { temperature: 0 }),
        concurrency: 4,
        repeats: 1,
      },
    });
    const cal = await p.cli(['calibrate', '--config', 'evals/default.yaml', '--repeat', '2']);
    expect(cal.code, cal.stdout + cal.stderr).toBe(1);
    const run = await p.cli(['eval', '--scenario', 'plaintext-passwords']);
    expect(run.stderr).not.toContain('internal error');
    const html = readFileSync(path.join(p.root, 'reports/index.html'), 'utf8');
    const gate = html.match(/<section id="gate">[\s\S]*?<\/section>/)![0];
    expect(gate).toMatch(
      /⚠ calibration does not back this verdict: it rests on 1 flagged rubric \(plaintext-passwords: rubric `[^`]+` flagged by its last calibration with openai:chat:grader-model \(accuracy 0\.75/,
    );
    expect(html).toMatch(
      /<li class="(ok|no)">[✓✗] <b>[^<]+<\/b> <span class="muted">rubric<\/span>.*?<span class="warn trust">⚠ rubric `[^`]+` flagged by its last calibration/,
    );
    const md = readFileSync(path.join(p.root, 'reports/summary.md'), 'utf8');
    expect(md).toMatch(/> ⚠️ calibration does not back this verdict: it rests on 1 flagged rubric \(plaintext-passwords: rubric/);
    const pr = await p.cli(['report', '--format', 'pr-comment']);
    expect(pr.code, pr.stderr).toBe(0);
    expect(pr.stdout).toMatch(/> ⚠️ calibration does not back this verdict: it rests on 1 flagged rubric \(plaintext-passwords: rubric/);
  });
});
