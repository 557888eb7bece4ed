/**
 * Rubric grading end to end (issue 4): `rubric` assertions are judged by the eval's grader model, which
 * is never the model under test, and a failing verdict fails the rubric assertion (and the cell).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GRADER_SYSTEM } from '../../src/assertions/grading-prompt.ts';
import { startFakeOpenAI, type FakeOpenAIServer } from '../support/fake-openai-server.ts';
import { evalProject, fakeModel, FAST_ENV, modelOf, readResults, runIds, SEEDS } from '../support/eval-project.ts';

let server: FakeOpenAIServer;

const GOOD = 'Expand: add the new column. Dual-write, backfill in batches, switch reads, then contract: drop the old column.';
const BAD = 'Rename it in place during a quiet hour; backfill is not needed.';

beforeAll(async () => {
  server = await startFakeOpenAI({
    // The reliability seed answers badly, the delegating one well (told apart by their prompts).
    rules: [{ system: 'reliable, secure, and scalable server-side systems', reply: BAD, name: 'reliability' }],
    defaultReply: GOOD,
    graderRules: [
      { output: 'Expand:', verdict: { pass: true, score: 1, reason: 'expand, backfill, contract: in order' } },
      { output: 'Rename it in place', verdict: { pass: false, score: 0, reason: 'renames in place: no expand-and-contract' } },
    ],
  });
});
afterAll(() => server.close());

describe('eval: rubric assertions', () => {
  it('are graded by the grader model, not the model under test; a failing verdict fails the assertion', async () => {
    using project = evalProject({
      fixtures: ['rubric'],
      config: {
        agents: [SEEDS.delegating, SEEDS.reliability],
        models: [fakeModel(server, 'model-under-test')],
        grader: fakeModel(server, 'grader-model', { temperature: 0 }),
        repeats: 2,
      },
    });
    const run = await project.cli(['eval'], { env: FAST_ENV });
    expect(run.stderr).not.toContain('internal error');
    expect(run.code, run.stdout + run.stderr).toBe(0);

    // 2 variants × 1 model × 1 scenario × 2 repeats: 4 agent calls and 4 grader calls (each repeat is
    // graded on its own, even when two repeats gave the same answer: no verdict comes from the cache).
    expect(server.chatCalls).toHaveLength(4);
    expect(server.chatCalls.every((c) => modelOf(c) === 'model-under-test')).toBe(true);
    expect(server.graderCalls).toHaveLength(4);
    expect(server.graderCalls.every((c) => modelOf(c) === 'grader-model')).toBe(true);
    expect(server.graderCalls.every((c) => (c.body as { temperature?: number }).temperature === 0)).toBe(true);
    // The grader saw the rubric and the agent's answer.
    const graderText = JSON.stringify(server.graderCalls.map((c) => c.body));
    expect(graderText).toContain('expand-and-contract sequence with a backfill');
    expect(graderText).toContain('Rename it in place');
    // …fenced as data by the harness's grading prompt (src/assertions/grading-prompt.ts), not promptfoo's default.
    for (const c of server.graderCalls) {
      const [system, user] = (c.body as { messages: Array<{ content: string }> }).messages;
      expect(system!.content).toBe(GRADER_SYSTEM);
      expect(user!.content).toMatch(
        /^<Rubric>\n[\s\S]+\n<\/Rubric>\n<Output>\n(Expand:|Rename it in place)[\s\S]+\n<\/Output>\nGrade the output above/,
      );
    }

    const results = readResults(project.root);
    expect(results).toHaveLength(4);
    const rubricOf = (r: (typeof results)[number]) => r.assertions.find((a) => a.id === 'expand-contract')!;

    const good = results.filter((r) => r.variantId === SEEDS.delegating);
    expect(good.map((r) => r.status)).toEqual(['pass', 'pass']);
    expect(good.every((r) => rubricOf(r).pass && rubricOf(r).score === 1 && rubricOf(r).kind === 'rubric')).toBe(true);

    const bad = results.filter((r) => r.variantId === SEEDS.reliability);
    expect(bad.map((r) => r.status)).toEqual(['fail', 'fail']);
    for (const r of bad) {
      expect(rubricOf(r)).toMatchObject({ pass: false, score: 0 });
      expect(rubricOf(r).reason).toContain('renames in place');
      // The grader's "no" is the agent's failure, not a grading error.
      expect(rubricOf(r).gradingError).toBeUndefined();
      // The offline assertion passed on the same answer: only the rubric failed it.
      expect(r.assertions.find((a) => a.id === 'mentions-backfill')!.pass).toBe(true);
    }

    const meta = JSON.parse(readFileSync(path.join(project.root, 'reports', 'runs', runIds(project.root)[0]!, 'meta.json'), 'utf8')) as {
      grader?: string;
    };
    expect(meta.grader).toBe('openai:chat:grader-model');
  });

  it('with no grader configured, are reported as not graded: no grader call, no error cells, the other assertions judge', async () => {
    server.reset();
    using project = evalProject({
      fixtures: ['rubric'],
      config: { agents: [SEEDS.delegating, SEEDS.reliability], models: [fakeModel(server, 'model-under-test')], repeats: 1 },
    });
    const run = await project.cli(['eval'], { env: FAST_ENV });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.stderr).toMatch(/rubric assertions in 2 cells are not graded: no `grader:` in the eval config/);
    expect(server.graderCalls).toHaveLength(0);
    const results = readResults(project.root);
    expect(results.map((r) => r.status)).toEqual(['pass', 'pass']);
    for (const r of results) expect(r.assertions.map((a) => a.id)).not.toContain('expand-contract');
    const meta = JSON.parse(readFileSync(path.join(project.root, 'reports', 'runs', runIds(project.root)[0]!, 'meta.json'), 'utf8')) as {
      grader?: string;
    };
    expect(meta.grader).toBeUndefined();
  });
});
