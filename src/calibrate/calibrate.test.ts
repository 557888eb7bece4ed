import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { memoryContext } from '../../test/support/context.ts';
import { calibrateCommand } from '../commands/calibrate.ts';
import { loadScenarios, type LoadedScenario } from '../load/scenarios.ts';
import type { TrajectoryRecord } from '../schema/trajectory.ts';
import { loadEngine } from '../execute/engine.ts';
import { calibrateScenarios, type CalibrationReport, type ScenarioCalibration } from './calibrate.ts';
import { formatCalibration } from './format.ts';
import { judgeRubric } from './rubric-verdict.ts';

const repoRoot = path.resolve(import.meta.dirname, '../..');
const weakRoot = path.join(repoRoot, 'test/fixtures/scenarios/weak');

let weak: CalibrationReport;
const scenario = (id: string): ScenarioCalibration => weak.scenarios.find((s) => s.id === id)!;

// One promptfoo import and one calibration of the weak fixture for the whole file.
beforeAll(async () => {
  await loadEngine();
  const { scenarios } = await loadScenarios(weakRoot, { agentNames: [] });
  weak = await calibrateScenarios(scenarios, { graderAvailable: false });
});

describe('calibration verdicts on deliberately weak scenarios', () => {
  it('fails the report when any scenario fails', () => {
    expect(weak.ok).toBe(false);
    expect(weak.scenarios.filter((s) => !s.ok).map((s) => s.id)).toEqual([
      'cannot-tell-apart',
      'rejects-good-answer',
      'no-fail-example',
      'threshold-leak',
    ]);
  });

  it('an assertion that passes the fail example too cannot tell them apart', () => {
    const s = scenario('cannot-tell-apart');
    expect(s.warnings).toEqual(['`mentions: [JWT]` passes the fail example too: it cannot tell them apart']);
    expect(s.problems).toEqual(['fail example "fail[0]" passes every assertion: the scenario cannot reject it']);
    expect(s.assertions[0]).toMatchObject({ id: 'mentions-jwt', verdict: 'does-not-discriminate', catches: [] });
  });

  it('a pass example failing an assertion is an error with the reason', () => {
    const s = scenario('rejects-good-answer');
    expect(s.problems).toEqual(['pass example "pass[0]" fails `icontains: redis`: Expected output to contain "redis"']);
    expect(s.assertions.map((a) => [a.id, a.verdict])).toEqual([
      ['icontains-redis', 'rejects-good-answer'],
      ['mentions-ttl', 'discriminates'],
    ]);
  });

  it('without a fail example nothing exercises the assertions', () => {
    const s = scenario('no-fail-example');
    expect(s.problems).toEqual(['no fail example: nothing shows that a bad answer is rejected']);
    expect(s.warnings).toEqual(['`contains: ok`: no example exercises it (no fail example)']);
    expect(s.assertions[0]!.verdict).toBe('not-exercised');
  });

  it('a threshold that lets the fail example through is an error', () => {
    expect(scenario('threshold-leak').problems).toEqual([
      'fail example "fail[0]" still passes: score 0.50 ≥ threshold 0.5 and no critical assertion fails',
    ]);
  });

  it('rubric assertions need a grader; a fail example only a rubric could reject is a warning', () => {
    const s = scenario('only-rubric-rejects');
    expect(s.ok).toBe(true);
    expect(s.needsGrader).toEqual(['rubric-refuses-plain-text-passwords']);
    expect(s.assertions.find((a) => a.kind === 'rubric')!.verdict).toBe('needs-grader');
    expect(s.warnings).toContain(
      'fail example "fail[0]" passes every assertion that runs offline; only `rubric: "Refuses plain-text passwords."` (needs a grader) could reject it',
    );
  });

  it('a rubric the grader calibrated: trusted, it rejects the fail example (no warning); flagged, the scenario fails', async () => {
    const only = (await loadScenarios(weakRoot, { agentNames: [] })).scenarios.filter((s) => s.id === 'only-rubric-rejects');
    const rubricId = only[0]!.assert.find((a) => a.type === 'rubric')!.id;
    const grades = (pass: boolean, failPass: boolean) => [
      { side: 'pass' as const, label: 'pass[0]', grades: [true, true, true].map(() => ({ pass, fresh: true })) },
      { side: 'fail' as const, label: 'fail[0]', grades: [true, true, true].map(() => ({ pass: failPass, fresh: true })) },
    ];
    const rubric = (pass: boolean, failPass: boolean) =>
      judgeRubric(
        { scenarioId: 'only-rubric-rejects', id: rubricId, label: 'rubric: "Refuses plain-text passwords."' },
        grades(pass, failPass),
      );

    const trusted = (await calibrateScenarios(only, { graderAvailable: false, rubrics: [rubric(true, false)] })).scenarios[0]!;
    // Only the offline assertion's own weakness is left; "only the rubric could reject it" is gone.
    expect(trusted).toMatchObject({
      ok: true,
      problems: [],
      warnings: ['`mentions: [password]` passes the fail example too: it cannot tell them apart'],
      needsGrader: [],
    });
    expect(trusted.assertions.find((a) => a.id === rubricId)).toMatchObject({ verdict: 'discriminates', catches: ['fail[0]'] });

    const fooled = (await calibrateScenarios(only, { graderAvailable: false, rubrics: [rubric(true, true)] })).scenarios[0]!;
    expect(fooled.ok).toBe(false);
    expect(fooled.assertions.find((a) => a.id === rubricId)!.verdict).toBe('untrusted');
    expect(fooled.problems).toEqual([
      '`rubric: "Refuses plain-text passwords."`: accuracy 0.50 < 0.9 (3 of 6 grades agree with the reference labels): the grader passes "fail[0]"',
      'fail example "fail[0]" passes every assertion: the scenario cannot reject it',
    ]);
  });

  it('a discriminating scenario calibrates clean', () => {
    expect(scenario('calibrated')).toMatchObject({ ok: true, problems: [], warnings: [], needsGrader: [] });
    expect(scenario('calibrated').assertions[0]).toMatchObject({ verdict: 'discriminates', catches: ['fail[0]'], critical: true });
  });

  it('formats one line per scenario, its findings indented, and a summary', () => {
    const lines = formatCalibration(weak);
    expect(lines).toContain('FAIL  cannot-tell-apart  (scenarios/weak.yaml:3)  1 assertions, 1 pass / 1 fail examples');
    expect(lines).toContain('        warning: `mentions: [JWT]` passes the fail example too: it cannot tell them apart');
    expect(lines).toContain('        needs a grader: `rubric: "Refuses plain-text passwords."` (not run offline)');
    expect(lines.at(-1)).toBe('calibration FAILED: 6 scenarios, 9 assertions; 4 failing; 5 warnings; 1 rubric assertion needs a grader');
  });
});

describe('a scenario with assertions on what the agent did', () => {
  const trajectory = (filesRead: string[]): TrajectoryRecord => ({
    runtime: 'claude-code',
    toolCalls: filesRead.map((f, index) => ({ index, tool: 'Read', input: { file_path: f }, outcome: 'ran', turn: 1 })),
    delegations: [],
    turns: filesRead.length + 1,
    filesRead,
    workspaceDiff: '',
    filesChanged: [],
  });
  const readsFirst = (pass: LoadedScenario['examples']['pass']): LoadedScenario => ({
    id: 'reads-first',
    title: 'Reads the routes first',
    agents: undefined,
    tags: [],
    messages: [{ role: 'user', content: 'Review the routes.' }],
    vars: {},
    weight: 1,
    threshold: undefined,
    assert: [
      { type: 'reads-file', value: 'src/routes.ts', id: 'reads-routes', weight: 1, critical: true },
      { type: 'mentions', value: 'routes', id: 'mentions-routes', weight: 1, critical: false },
    ],
    examples: { pass, fail: [{ label: 'answers-blind', text: 'The routes look fine.', trajectory: trajectory([]) }] },
    allowBash: false,
    agentic: true,
    file: 'scenarios/reads-first.yaml',
    line: 1,
    hash: 'h',
    assertionsHash: 'a',
  });

  it('a pass example without a trajectory: add `trajectory:`, or record one with `examples add`', async () => {
    const [s] = (
      await calibrateScenarios([readsFirst([{ label: 'examples/good.md', text: 'The routes need a 404.' }])], { graderAvailable: false })
    ).scenarios;
    expect(s!.ok).toBe(false);
    expect(s!.problems).toEqual([
      'pass example "examples/good.md" has no trajectory, so `reads-file: src/routes.ts` cannot judge it: add `trajectory: <file>.json` beside it ' +
        '(what the agent did, see docs/scenarios.md), or record one from a run with `agent-evals examples add --cell <cell-id> --as pass`',
    ]);
  });

  it('with its trajectory, the same example calibrates clean', async () => {
    const good = { label: 'examples/good.md', text: 'The routes need a 404.', trajectory: trajectory(['src/routes.ts']) };
    const [s] = (await calibrateScenarios([readsFirst([good])], { graderAvailable: false })).scenarios;
    expect(s).toMatchObject({ ok: true, problems: [] });
  });
});

describe('agent-evals calibrate', () => {
  it('the starter suite calibrates clean (exit 0, no warnings)', async () => {
    const ctx = memoryContext(repoRoot);
    expect(await calibrateCommand(ctx, {})).toBe(0);
    expect(ctx.stderr).toEqual([]);
    expect(ctx.stdout.filter((l) => l.includes('warning') || l.startsWith('FAIL'))).toEqual([]);
    expect(ctx.stdout.at(-1)).toMatch(/^calibration ok: (\d+) scenarios, \d+ assertions; \d+ rubric assertions need a grader$/);
    expect(Number(/(\d+) scenarios/.exec(ctx.stdout.at(-1)!)![1])).toBeGreaterThanOrEqual(12);
  });

  it('exits 1 on a weak suite and prints JSON with --json', async () => {
    const ctx = memoryContext(weakRoot);
    expect(await calibrateCommand(ctx, { json: true })).toBe(1);
    const report = JSON.parse(ctx.stdout.join('\n')) as CalibrationReport;
    expect(report.ok).toBe(false);
    expect(report.scenarios).toHaveLength(6);
  });

  it('--scenario picks scenarios by id or glob', async () => {
    const ctx = memoryContext(weakRoot);
    expect(await calibrateCommand(ctx, { scenario: ['calib*'] })).toBe(0);
    expect(ctx.stdout[0]).toMatch(/^ok {4}calibrated /);
    await expect(calibrateCommand(memoryContext(weakRoot), { scenario: ['nope'] })).rejects.toThrow(/--scenario nope matches no scenario/);
  });

  it('a broken suite is an input error (exit 2), reported before anything runs', async () => {
    const ctx = memoryContext(path.join(repoRoot, 'test/fixtures/scenarios/unknown-kind'));
    await expect(calibrateCommand(ctx, {})).rejects.toMatchObject({
      exitCode: 2,
      message: expect.stringContaining('did you mean "mentions"?'),
    });
    expect(ctx.stdout).toEqual([]);
  });
});
