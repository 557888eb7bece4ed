/**
 * `agent-evals bless` and `agent-evals gate` end to end on synthetic run folders: the real CLI run
 * in-process (test/support/run-cli.ts), verdicts on stdout, reports on disk, exit codes.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createProject } from '../support/project-fixture.ts';
import { runCliInProcess } from '../support/run-cli.ts';
import { git, readJsonl, uniform, writeRun, type SyntheticScenario } from '../support/ci-project.ts';

const V = 'helper/alpha';
const EDITED = { variantHash: 'vh-edited' };

function project(thresholds: Record<string, unknown> = {}) {
  const p = createProject({ seedAgents: false, evalConfig: { models: ['openai:chat:m1'], thresholds } });
  return {
    root: p.root,
    write: p.write,
    /** `agent-evals --root <root> ...args`, in-process: no command here calls a model. */
    cli: (args: string[]) => runCliInProcess(['--root', p.root, ...args], { cwd: p.root }),
    [Symbol.dispose]: () => p[Symbol.dispose](),
  };
}

/**
 * A baseline run blessed, then a current run gated; returns the gate's CLI result. `carried` variants'
 * cells are written as an affected-only run writes them (`source: 'baseline'`, not planned).
 */
async function gateAgainst(
  base: SyntheticScenario[],
  current: SyntheticScenario[],
  opts: { thresholds?: Record<string, unknown>; plannedCells?: number; carried?: string[] } = {},
) {
  using p = project(opts.thresholds);
  writeRun(p.root, '20260101-000000-base', base);
  const bless = await p.cli(['bless', '20260101-000000-base']);
  expect(bless.code, bless.stderr).toBe(0);
  const carried = new Set(opts.carried ?? []);
  const measured = current.filter((s) => !carried.has(s.variantId)).reduce((n, s) => n + s.letters.length, 0);
  const dir = writeRun(p.root, '20260102-000000-curr', current, { plannedCells: opts.plannedCells ?? measured });
  if (carried.size) {
    const file = path.join(dir, 'results.jsonl');
    const lines = readJsonl<{ variantId: string; source?: string }>(file).map((r) =>
      carried.has(r.variantId) ? { ...r, source: 'baseline' } : r,
    );
    writeFileSync(file, lines.map((r) => `${JSON.stringify(r)}\n`).join(''));
  }
  const result = await p.cli(['gate']);
  const summary = readFileSync(path.join(p.root, 'reports', 'summary.md'), 'utf8');
  const html = readFileSync(path.join(p.root, 'reports', 'index.html'), 'utf8');
  return { ...result, summary, html };
}

describe('agent-evals gate on synthetic runs', () => {
  it('regressed: a significant drop exits 1, regressions first, each with its interval', async () => {
    const r = await gateAgainst(
      [...uniform(V, 5, 'PPPP'), ...uniform('helper/bravo', 5, 'PPPP')],
      [...uniform(V, 5, 'FFFP', EDITED), ...uniform('helper/bravo', 5, 'PPPP', EDITED)],
    );
    expect(r.code, r.stderr).toBe(1);
    const verdicts = r.stdout.split('\n').filter((l) => /^ {2}(regressed|improved|unchanged|inconclusive) /.test(l));
    expect(verdicts[0]).toMatch(/^ {2}regressed +helper\/alpha @ m1: 25% .*vs baseline 100% .*\[−\d+ to −\d+ pts\].*mcnemar-exact/);
    expect(r.stdout).toMatch(/gate: regression \(exit 1\): 1 variant × model regressed/);
    expect(r.summary).toMatch(/Gate: regression \(exit 1\)/);
    expect(r.summary.indexOf('**regressed** helper/alpha')).toBeGreaterThan(0);
    expect(r.html).toContain('id="gate"');
  });

  it('report --format pr-comment: the same verdicts as one Markdown comment on stdout, marked for updating, names escaped', async () => {
    using p = project();
    const hostile = 'helper/a|<b>*x*';
    const bravo = 'helper/bravo';
    writeRun(p.root, '20260101-000000-base', [...uniform(V, 5, 'PPPP'), ...uniform(hostile, 5, 'PPPP'), ...uniform(bravo, 5, 'PPPP')]);
    expect((await p.cli(['bless', '20260101-000000-base'])).code).toBe(0);
    writeRun(p.root, '20260102-000000-curr', [
      ...uniform(V, 5, 'FFFP', EDITED),
      ...uniform(hostile, 5, 'FFFP', EDITED),
      ...uniform(bravo, 5, 'PPPP', EDITED),
    ]);
    const r = await p.cli(['report', '--format', 'pr-comment', '--report-url', 'https://github.com/o/r/actions/runs/7']);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe('<!-- agent-evals:pr-comment -->');
    expect(lines[1]).toBe('### ❌ agent-evals: regression or missed threshold');
    const row = (name: string) =>
      new RegExp(`^\\| regressed \\| ${name} \\| m1 \\| 100% → 25% \\| −75 pts \\[−\\d+ pts, −\\d+ pts\\] \\| < 0\\.001 \\|$`);
    expect(lines.filter((l) => l.startsWith('| regressed'))).toEqual([
      expect.stringMatching(row('helper\\/alpha')),
      expect.stringMatching(row('helper\\/a\\\\\\|&lt;b&gt;\\\\\\*x\\\\\\*')),
    ]);
    expect(r.stdout).toContain('1 other variant × model unchanged or new.');
    expect(r.stdout).toContain('Provider errors: 0 of 60 planned cells (0%, budget 10%).');
    expect(lines.at(-1)).toBe(
      'run `20260102-000000-curr` · baseline reports/baseline.json (run 20260101-000000-base) · [full report](https://github.com/o/r/actions/runs/7)',
    );
    expect(r.stdout).not.toContain('<b>');
    // It writes nothing.
    expect(readdirSync(path.join(p.root, 'reports')).filter((f) => /\.(html|md|xml)$/.test(f))).toEqual([]);
    const unknown = await p.cli(['report', '--format', 'comment']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/^error: --format comment: unknown format; expected files \(the default\) or pr-comment$/m);
  });

  it('improved: a significant rise exits 0', async () => {
    const r = await gateAgainst(uniform(V, 5, 'FFFP'), uniform(V, 5, 'PPPP', EDITED));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^ {2}improved +helper\/alpha @ m1: 100%/m);
    expect(r.stdout).toMatch(/gate: passed \(exit 0\): no regression/);
  });

  it('noise only: a small drop after an edit is inconclusive with how many more repeats; exit 0', async () => {
    const r = await gateAgainst(uniform(V, 5, 'PPPP'), [
      { variantId: V, scenarioId: 's1', letters: 'PPFP', ...EDITED },
      ...uniform(V, 5, 'PPPP', EDITED).slice(1),
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^ {2}inconclusive +helper\/alpha @ m1: .*\n.*about \d+ more repeats? per scenario would settle it/m);
  });

  it('below an absolute threshold: exit 1 even with no change against the baseline, labelled as a miss, not a regression', async () => {
    const letters = 'PPPF';
    const r = await gateAgainst(uniform(V, 5, letters), uniform(V, 5, letters), { thresholds: { passRate: 0.9 } });
    expect(r.code, r.stderr).toBe(1);
    expect(r.stdout).toMatch(/gate: below threshold \(exit 1\): 1 variant × model below threshold: helper\/alpha @ m1 passRate 75% < 90%/);
    expect(r.stdout).toMatch(/^ {2}below-threshold +helper\/alpha @ m1/m);
    expect(r.stdout).toMatch(/below threshold: passRate 75% < 90% \(15\/20\)/);
    expect(r.stdout).not.toMatch(/regress/);
    expect(r.summary).toMatch(/Gate: below threshold \(exit 1\)/);
    expect(r.summary).not.toMatch(/regress/);
  });

  it('a critical assertion broken once with criticalMustPass: exit 1, the assertion named', async () => {
    const current = uniform(V, 5, 'PPPP');
    current[2] = { ...current[2]!, criticalFailures: [1] };
    const r = await gateAgainst(uniform(V, 5, 'PPPP'), current, { thresholds: { criticalMustPass: true } });
    expect(r.code, r.stderr).toBe(1);
    expect(r.stdout).toMatch(/below threshold: criticalMustPass s3 \/ no-secrets passed 3 of 4 times/);
  });

  it('--changed-since: a 7-of-10 drop stays regressed beside four variants carried from the baseline (no new evidence, not tested)', async () => {
    const others = ['helper/bravo', 'helper/charlie', 'helper/delta', 'helper/echo'];
    const all = 'PPPPPPPPPP';
    const r = await gateAgainst(
      [...uniform(V, 1, all), ...others.flatMap((v) => uniform(v, 1, all))],
      [...uniform(V, 1, 'FFFFFFFPPP', EDITED), ...others.flatMap((v) => uniform(v, 1, all))],
      { carried: others },
    );
    expect(r.code, r.stderr).toBe(1);
    expect(r.stdout).toMatch(/^ {2}regressed +helper\/alpha @ m1: 30% .*discrete Holm p=0\.016/m);
    expect(r.stdout).toMatch(/^ {2}unchanged +4 variant × model \(4 carried from the baseline, not tested\)/m);
    expect(r.summary).toContain('- 4 unchanged (4 carried from the baseline, not tested)');
  });

  it('issue 24: 6/6 → 0/6 beside two unchanged variants is regressed (p = 1/32), thresholds or not, in every report', async () => {
    // Exact McNemar p for 6 discordant pairs all one way: 2·½⁶ = 0.03125. The two bystanders have no
    // discordant pair (p = 1 whatever happens) and do not dilute it; plain Holm made it 3 × 0.03125 = 0.094.
    using p = project({ passRate: 0, criticalMustPass: false });
    const auditor = 'security/auditor';
    const bystanders = ['review/a', 'review/b'];
    writeRun(p.root, '20260101-000000-base', [...uniform(auditor, 1, 'PPPPPP'), ...bystanders.flatMap((v) => uniform(v, 1, 'PPPPPP'))]);
    expect((await p.cli(['bless', '20260101-000000-base'])).code).toBe(0);
    writeRun(p.root, '20260102-000000-curr', [
      ...uniform(auditor, 1, 'FFFFFF', EDITED),
      ...bystanders.flatMap((v) => uniform(v, 1, 'PPPPPP')),
    ]);
    const r = await p.cli(['gate']);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stdout).toMatch(/gate: regression \(exit 1\): 1 variant × model regressed$/m);
    expect(r.stdout).toMatch(/^ {2}regressed +security\/auditor @ m1: 0% .*vs baseline 100% .*mcnemar-exact discrete Holm p=0\.031 /m);
    expect(r.stdout).toMatch(/^ {2}unchanged +2 variant × model$/m);
    const summary = readFileSync(path.join(p.root, 'reports', 'summary.md'), 'utf8');
    expect(summary).toMatch(/❌ Gate: regression \(exit 1\)/);
    const html = readFileSync(path.join(p.root, 'reports', 'index.html'), 'utf8');
    expect(html).toContain('p-values are adjusted by discrete Holm');
    const comment = await p.cli(['report', '--format', 'pr-comment']);
    expect(comment.code, comment.stderr).toBe(0);
    expect(comment.stdout).toContain('### ❌ agent-evals: regression or missed threshold');
    expect(comment.stdout).not.toContain('no regression');
    expect(comment.stdout).toMatch(
      /^\| regressed \| security\/auditor \| m1 \| 100% → 0% \| −100 pts \[−\d+ pts, −\d+ pts\] \| 0\.031 \|$/m,
    );
  });

  it('fingerprint changed: the scenario is listed as not gated, never compared; exit 0', async () => {
    const r = await gateAgainst(uniform(V, 2, 'PPPP'), uniform(V, 2, 'FFFF', { ...EDITED, scenarioHash: 'sh-rewritten' }));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/not-comparable +helper\/alpha @ m1/);
    expect(r.stdout).toMatch(/not gated: helper\/alpha @ m1 \/ s1 \(scenario-changed\)/);
    expect(r.summary).toMatch(/not-comparable/);
  });

  it('provider errors over the error budget: exit 3, a gate that could not measure is not green', async () => {
    const r = await gateAgainst(uniform(V, 5, 'PPPP'), uniform(V, 5, 'PPEE'));
    expect(r.code, r.stderr).toBe(3);
    expect(r.stdout).toMatch(/gate: could not measure \(exit 3\): provider errors 50% of 20 planned cells exceed the budget of 10%/);
  });

  it('nothing planned (affected-only, nothing changed): exit 0 with "nothing to evaluate"', async () => {
    const r = await gateAgainst(uniform(V, 2, 'P'), uniform(V, 2, 'P'), { carried: [V] });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/gate: passed \(exit 0\): nothing to evaluate/);
  });

  it('no baseline yet: thresholds only, every variant × model is new, with a warning', async () => {
    using p = project({ passRate: 0.5 });
    writeRun(p.root, '20260102-000000-curr', uniform(V, 3, 'PP'));
    const r = await p.cli(['gate', '--run', '20260102-000000-curr']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/warning: no baseline at reports\/baseline\.json: gating on thresholds only/);
    expect(r.stdout).toMatch(/^ {2}new +helper\/alpha @ m1/m);
  });

  it('input errors exit 2 with one line: a damaged baseline (file and field), an unknown run', async () => {
    using p = project();
    writeRun(p.root, '20260102-000000-curr', uniform(V, 1, 'P'));
    p.write('reports/baseline.json', JSON.stringify({ version: 1, runId: 'x', time: 't', git: {}, cells: [{ variantId: 3 }] }));
    const damaged = await p.cli(['gate']);
    expect(damaged.code).toBe(2);
    expect(damaged.stderr.trim().split('\n')).toHaveLength(1);
    expect(damaged.stderr).toMatch(/^error: reports\/baseline\.json: cells\[0\]\.variantId: .*bless/);

    const unknown = await p.cli(['gate', '--run', 'no-such-run']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/^error: no run "no-such-run" in reports\/runs\//);
  });
});

describe('agent-evals bless', () => {
  it('writes a stable, human-diffable baseline: sorted cells, fixed key order, re-blessing changes nothing', async () => {
    using p = project();
    writeRun(p.root, '20260101-000000-base', [...uniform('helper/bravo', 2, 'PF'), ...uniform(V, 2, 'PP')]);
    const first = await p.cli(['bless']);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toMatch(
      /blessed run 20260101-000000-base \(commit 0123456789ab\): 4 variant × model × scenario aggregates from 8 scored cells/,
    );
    const file = path.join(p.root, 'reports', 'baseline.json');
    const text = readFileSync(file, 'utf8');
    const json = JSON.parse(text);
    expect(Object.keys(json)).toEqual(['version', 'runId', 'time', 'git', 'cells']);
    expect(json).toMatchObject({ version: 1, runId: '20260101-000000-base', git: { commit: '0123456789abcdef0123456789abcdef01234567' } });
    expect(json.cells.map((c: { variantId: string; scenarioId: string }) => `${c.variantId}/${c.scenarioId}`)).toEqual([
      'helper/alpha/s1',
      'helper/alpha/s2',
      'helper/bravo/s1',
      'helper/bravo/s2',
    ]);
    expect(json.cells[2]).toMatchObject({
      runs: 2,
      passes: 1,
      outcomes: 'PF',
      assertions: { 'mentions-topic': { runs: 2, passes: 1 }, 'no-secrets': { runs: 2, passes: 2, critical: true } },
    });
    expect(Object.keys(json.cells[0]).slice(0, 4)).toEqual(['variantId', 'variantHash', 'agent', 'model']);
    expect(text.split('\n').length).toBeGreaterThan(40); // indented: a diff shows which scenario moved

    writeFileSync(file, 'stale');
    expect((await p.cli(['bless', '20260101-000000-base'])).code).toBe(0);
    expect(readFileSync(file, 'utf8')).toBe(text);
  });

  it('refuses a shard, an unfinished run and a run that scored nothing (exit 2)', async () => {
    using p = project();
    writeRun(p.root, '20260101-000000-shrd', uniform(V, 1, 'P'), { shard: { index: 1, count: 2 } });
    writeRun(p.root, '20260101-000000-half', uniform(V, 1, 'P'), { plannedCells: 4 });
    writeRun(p.root, '20260101-000000-errs', uniform(V, 1, 'EE'));
    const shard = await p.cli(['bless', '20260101-000000-shrd']);
    expect(shard.code).toBe(2);
    expect(shard.stderr).toMatch(/shard 1\/2: merge the shards first/);
    expect((await p.cli(['bless', '20260101-000000-half'])).stderr).toMatch(/unfinished \(1 of 4 cells\).*--resume 20260101-000000-half/);
    expect((await p.cli(['bless', '20260101-000000-errs'])).stderr).toMatch(/scored no cell/);
  });
});

describe('--baseline <git-ref>', () => {
  it('reads reports/baseline.json as it was at the ref, without a checkout, from a project in a subfolder', async () => {
    using p = project();
    // The repository is the fixture folder; the project is its subfolder evals-project/.
    const repo = p.root;
    const sub = subProject(p, 'evals-project');
    const proj = sub.dir;
    writeRun(proj, '20260101-000000-good', uniform(V, 5, 'PPPP'));
    expect((await sub.cli(['bless', '20260101-000000-good'])).code).toBe(0);
    git(repo, 'init', '-q');
    git(repo, 'add', 'evals-project/reports/baseline.json', 'evals-project/evals/default.yaml');
    git(repo, 'commit', '-q', '-m', 'baseline: all pass');
    git(repo, 'tag', 'blessed');

    // The working tree's baseline now says everything failed; the ref still says everything passed.
    writeRun(proj, '20260101-000001-bad', uniform(V, 5, 'FFFF'));
    expect((await sub.cli(['bless', '20260101-000001-bad'])).code).toBe(0);
    writeRun(proj, '20260102-000000-curr', uniform(V, 5, 'FFFP', EDITED));

    const atRef = await sub.cli(['gate', '--run', '20260102-000000-curr', '--baseline', 'blessed']);
    expect(atRef.code, atRef.stderr).toBe(1);
    expect(atRef.stdout).toMatch(/baseline: blessed:reports\/baseline\.json \(run 20260101-000000-good\)/);
    expect(atRef.stdout).toMatch(/regressed +helper\/alpha/);
    // The report reads the same baseline as the gate: the ref's all-pass run, not the working tree's.
    const summary = readFileSync(path.join(proj, 'reports', 'summary.md'), 'utf8');
    expect(summary).toMatch(/4\/4 → 1\/4/);
    expect(summary).not.toMatch(/0\/4 → 1\/4/);
    const worktree = await sub.cli(['gate', '--run', '20260102-000000-curr']);
    expect(worktree.code, worktree.stderr).toBe(0);
    expect(worktree.stdout).toMatch(/baseline: reports\/baseline\.json \(run 20260101-000001-bad\)/);

    const unknown = await sub.cli(['gate', '--baseline', 'no-such-branch']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/^error: --baseline no-such-branch: not a commit in this repository/);

    git(repo, 'commit', '-q', '--allow-empty', '-m', 'empty');
    git(repo, 'rm', '-q', '--cached', 'evals-project/reports/baseline.json');
    git(repo, 'commit', '-q', '-m', 'drop the baseline');
    const absent = await sub.cli(['gate', '--run', '20260102-000000-curr', '--baseline', 'HEAD']);
    expect(absent.code, absent.stderr).toBe(0);
    expect(absent.stderr).toMatch(/no baseline at HEAD:reports\/baseline\.json: gating on thresholds only/);
  });
});

/** The fixture's CLI pointed at a subfolder project (a later `--root` wins over the fixture's). */
function subProject(p: ReturnType<typeof project>, rel: string) {
  const dir = path.join(p.root, rel);
  p.write(`${rel}/evals/default.yaml`, { models: ['openai:chat:m1'] });
  return { dir, cli: (args: string[]) => p.cli(['--root', dir, ...args]) };
}
