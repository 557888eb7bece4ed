/**
 * A panel of graders end to end (issue 15): `grader:` as a list grades each rubric with every grader,
 * decides it by their majority, and the reports show how far the graders agreed.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOpenAI, type FakeOpenAIServer } from '../support/fake-openai-server.ts';
import { evalProject, fakeModel, FAST_ENV, modelOf, readResults, runIds, SEEDS } from '../support/eval-project.ts';

let server: FakeOpenAIServer;

const GOOD = 'Expand: add the new column. Dual-write, backfill in batches, switch reads, then contract: drop the old column.';
const BAD = 'Rename it in place during a quiet hour; backfill is not needed.';
const pass = (reason: string) => ({ pass: true, score: 1, reason });
const fail = (reason: string) => ({ pass: false, score: 0, reason });

beforeAll(async () => {
  server = await startFakeOpenAI({
    rules: [{ system: 'reliable, secure, and scalable server-side systems', reply: BAD, name: 'reliability' }],
    defaultReply: GOOD,
    // judge-a is right on both answers; judge-b passes everything; judge-c fails everything.
    graderRules: [
      { model: 'judge-a', output: 'Expand:', verdict: pass('a: expand, backfill, contract') },
      { model: 'judge-a', output: 'Rename it in place', verdict: fail('a: renames in place') },
      { model: 'judge-b', verdict: pass('b: looks fine') },
      { model: 'judge-c', verdict: fail('c: not convinced') },
    ],
  });
});
afterAll(() => server.close());

const panel = () => [fakeModel(server, 'judge-a'), fakeModel(server, 'judge-b'), fakeModel(server, 'judge-c')];

/** Two seeds (one answers well, one badly), one model, the rubric scenario, two repeats, the panel. */
const panelProject = () =>
  evalProject({
    fixtures: ['rubric'],
    config: { agents: [SEEDS.delegating, SEEDS.reliability], models: [fakeModel(server, 'model-under-test')], grader: panel(), repeats: 2 },
  });

describe('eval: a panel of three graders', () => {
  it('grades each rubric with every grader, decides by majority, and reports agreement per rubric and per grader', async () => {
    using project = panelProject();
    const run = await project.cli(['eval'], { env: FAST_ENV });
    expect(run.code, run.stdout + run.stderr).toBe(0);

    // 2 variants × 2 repeats = 4 cells, each graded by all three graders.
    expect(server.chatCalls).toHaveLength(4);
    expect(server.graderCalls.map(modelOf).sort()).toEqual([
      ...Array(4).fill('judge-a'),
      ...Array(4).fill('judge-b'),
      ...Array(4).fill('judge-c'),
    ]);

    const results = readResults(project.root);
    const rubricOf = (r: (typeof results)[number]) =>
      r.assertions.find((a) => a.id === 'expand-contract') as (typeof r.assertions)[number] & {
        votes?: Array<{ grader: string; pass?: boolean; reason?: string }>;
      };
    const good = results.filter((r) => r.variantId === SEEDS.delegating);
    const bad = results.filter((r) => r.variantId === SEEDS.reliability);
    // judge-a and judge-b pass the good answer (2 of 3); judge-a and judge-c fail the bad one.
    expect(good.map((r) => r.status)).toEqual(['pass', 'pass']);
    expect(bad.map((r) => r.status)).toEqual(['fail', 'fail']);
    expect(rubricOf(good[0]!)).toMatchObject({ pass: true, reason: '2 of 3 graders: pass. a: expand, backfill, contract' });
    expect(rubricOf(bad[0]!).votes?.map((v) => [v.grader, v.pass])).toEqual([
      ['openai:chat:judge-a', false],
      ['openai:chat:judge-b', true],
      ['openai:chat:judge-c', false],
    ]);

    const runDir = path.join(project.root, 'reports', 'runs', runIds(project.root).at(-1)!);
    const meta = JSON.parse(readFileSync(path.join(runDir, 'meta.json'), 'utf8')) as { grader?: string };
    expect(meta.grader).toBe('openai:chat:judge-a + openai:chat:judge-b + openai:chat:judge-c');

    // Every cell split (no grader agreed with both others on both answers): agreement 0 of 4 for the
    // rubric; judge-a voted with the majority 4 of 4 times, judge-b and judge-c 2 of 4.
    const md = readFileSync(path.join(project.root, 'reports', 'summary.md'), 'utf8');
    expect(md).toContain('### Judge agreement');
    expect(md).toContain('| migration-plan | expand-contract | 4 | 0.00 (0/4) | 4 | 0 |');
    expect(md).toContain('| openai:chat:judge-a | 4 | 1.00 (4/4) | 0 |');
    expect(md).toContain('| openai:chat:judge-b | 4 | 0.50 (2/4) | 0 |');
    expect(md).toContain('| openai:chat:judge-c | 4 | 0.50 (2/4) | 0 |');
    expect(md).toContain('Cells where the graders split (4):');

    const page = readFileSync(path.join(project.root, 'reports', 'index.html'), 'utf8');
    expect(page).toContain('<section id="judges"><h2>Judges</h2>');
    expect(page).toMatch(
      /<tr><td>migration-plan<\/td><td>expand-contract<\/td><td>4<\/td><td>0\.00 \(0\/4\)<\/td><td>4<\/td><td>0<\/td><\/tr>/,
    );
    expect(page).toMatch(/<tr><td>openai:chat:judge-a<\/td><td>4<\/td><td>1\.00 \(4\/4\)<\/td><td>0<\/td><\/tr>/);
    // Each split cell links to its answers in the drill-down.
    const links = [...page.matchAll(/<ul class="splits">([\s\S]*?)<\/ul>/g)][0]![1]!.match(/href="#(c-[^"]+)"/g)!;
    expect(links).toHaveLength(4);
    for (const l of links) expect(page).toContain(`id="${l.slice(7, -1)}"`);

    // Replay decides the same from the recorded grades, with no model or grader call.
    server.reset();
    const replay = await project.cli(['eval', '--replay'], { env: FAST_ENV });
    expect(replay.code, replay.stdout + replay.stderr).toBe(0);
    expect(server.graderCalls).toHaveLength(0);
    const replayed = readResults(project.root);
    // Cells finish in any order: compared cell by cell.
    const byCell = (rs: typeof results) => rs.map((r) => `${r.cellId} ${r.status}`).sort();
    expect(byCell(replayed)).toEqual(byCell(results));
    expect(replayed.every((r) => r.source === 'replay')).toBe(true);
  });

  it('--dry-run counts each grader of the panel', async () => {
    server.reset();
    using project = panelProject();
    const run = await project.cli(['eval', '--dry-run'], { env: FAST_ENV });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('model calls: 4 agent calls + 12 grader calls (rubric assertions, each graded by 3 graders)');
    expect(server.graderCalls).toHaveLength(0);
  });

  it('two graders with one label: exit 2 naming the field, nothing run', async () => {
    server.reset();
    using project = evalProject({
      fixtures: ['rubric'],
      config: {
        agents: [SEEDS.delegating],
        models: [fakeModel(server, 'model-under-test')],
        grader: [
          { ...fakeModel(server, 'judge-a'), label: 'judge' },
          { ...fakeModel(server, 'judge-b'), label: 'judge' },
        ],
      },
    });
    const run = await project.cli(['eval'], { env: FAST_ENV });
    expect(run.code).toBe(2);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toContain('grader[1].label');
    expect(run.stderr).toContain('"judge" is the label of an earlier grader too');
    expect(server.chatCalls).toHaveLength(0);
  });
});
