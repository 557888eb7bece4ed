import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadAgents } from '../load/discover-agents.ts';
import { loadScenarios, type LoadedScenario } from '../load/scenarios.ts';
import { scenarioAppliesTo } from './matrix.ts';
import type { Baseline, ScenarioAggregate } from '../schema/aggregate.ts';
import { EvalConfig } from '../schema/eval-config.ts';
import { aggregateRun } from '../score/aggregate-results.ts';
import { selectAffected } from './affected.ts';
import { expandMatrix, type Cell } from './matrix.ts';

let root: string;
let cells: Cell<LoadedScenario>[];

const agent = (name: string) =>
  `---\nname: helper\ndescription: Answers refund questions. Use it for refunds.\n---\n\nYou are the ${name} assistant.\n`;
const scenario = (id: string) => `id: ${id}
title: ${id}
request: How long do refunds take?
assert:
  - type: icontains
    id: says-refund
    value: refund
  - type: icontains
    id: says-days
    critical: true
    value: days
examples:
  pass: [{ label: good, text: Refunds take 5 days. }]
  fail: [{ label: bad, text: No idea. }]
`;

beforeAll(async () => {
  root = mkdtempSync(path.join(tmpdir(), 'affected-'));
  const write = (rel: string, text: string) => {
    mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    writeFileSync(path.join(root, rel), text);
  };
  write('agents/helper/a.md', agent('a'));
  write('agents/helper/b.md', agent('b'));
  write('scenarios/q1.yaml', scenario('q1'));
  write('scenarios/q2.yaml', scenario('q2'));
  const { variants } = await loadAgents(root);
  const { scenarios } = await loadScenarios(root, { agentNames: ['helper'] });
  const config = EvalConfig.parse({ models: ['m1'], repeats: 3 });
  cells = expandMatrix({ variants, scenarios, config, applies: (s, v) => scenarioAppliesTo(s, v.name, v.id) }).cells;
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A baseline that measured exactly the current files: every cell passed, unless overridden. */
function baselineOf(over: (a: ScenarioAggregate) => Partial<ScenarioAggregate> = () => ({})): Baseline {
  const seen = new Map<string, ScenarioAggregate>();
  for (const c of cells) {
    const key = `${c.variant.id}/${c.scenario.id}`;
    if (seen.has(key)) continue;
    const a: ScenarioAggregate = {
      variantId: c.variant.id,
      variantHash: c.variant.contentHash,
      agent: c.variant.name,
      model: c.model.label,
      scenarioId: c.scenario.id,
      scenarioHash: c.scenario.hash,
      assertionsHash: c.scenario.assertionsHash,
      runs: 3,
      passes: 3,
      errors: 0,
      notRun: 0,
      scoreSum: 3,
      outcomes: 'PPP',
      assertions: { 'says-days': { runs: 3, passes: 3, critical: true }, 'says-refund': { runs: 3, passes: 3 } },
    };
    seen.set(key, { ...a, ...over(a) });
  }
  return { version: 1, runId: 'base-run', time: '2026-01-01T00:00:00.000Z', git: {}, cells: [...seen.values()] };
}

/** `null`: no baseline at all. */
const select = (changed: string[], baseline: Baseline | null = baselineOf()) =>
  selectAffected({ cells, changed: new Set(changed), configFile: 'evals/default.yaml', baseline: baseline ?? undefined });
const ids = (list: Array<{ variant: { id: string }; scenario: { id: string } }>) =>
  [...new Set(list.map((c) => `${c.variant.id}/${c.scenario.id}`))].sort();

describe('selectAffected', () => {
  it('runs the changed variant on every scenario and carries the rest', () => {
    const sel = select(['agents/helper/b.md', 'README.md']);
    expect(cells).toHaveLength(12);
    expect(ids(sel.live)).toEqual(['helper/b/q1', 'helper/b/q2']);
    expect(sel.live).toHaveLength(6);
    expect(sel.carried).toHaveLength(6);
    expect(sel.carried.every((r) => r.source === 'baseline' && r.variantId === 'helper/a' && r.status === 'pass')).toBe(true);
    expect(sel).toMatchObject({ changedVariants: ['helper/b'], changedScenarios: [], configChanged: false, unbacked: 0 });
  });

  it('runs a changed scenario for every variant; a changed eval config or no baseline runs everything', () => {
    expect(ids(select(['scenarios/q2.yaml']).live)).toEqual(['helper/a/q2', 'helper/b/q2']);
    expect(select(['evals/default.yaml']).live).toHaveLength(12);
    expect(select([], null).live).toHaveLength(12);
    expect(select([]).live).toHaveLength(0);
  });

  it('runs what the baseline cannot vouch for: other hashes, or no pass/fail for that repeat', () => {
    const stale = select(
      [],
      baselineOf((a) => (a.variantId === 'helper/a' && a.scenarioId === 'q1' ? { variantHash: 'older' } : {})),
    );
    expect(ids(stale.live)).toEqual(['helper/a/q1']);
    expect(stale.unbacked).toBe(3);
    const errored = select(
      [],
      baselineOf((a) => (a.scenarioId === 'q2' ? { outcomes: 'PEP', runs: 2, passes: 2, errors: 1, scoreSum: 2 } : {})),
    );
    expect(errored.live.map((c) => `${c.variant.id}/${c.scenario.id}#${c.repeat}`).sort()).toEqual(['helper/a/q2#1', 'helper/b/q2#1']);
  });

  it('carried cells aggregate back to exactly the baseline counts, even where an assertion varied across repeats', () => {
    const varied = (_a: ScenarioAggregate): Partial<ScenarioAggregate> => ({
      outcomes: 'FPF',
      passes: 1,
      scoreSum: 1.5,
      assertions: { 'says-days': { runs: 3, passes: 2, critical: true }, 'says-refund': { runs: 2, passes: 1 } },
    });
    const baseline = baselineOf(varied);
    const sel = select(['agents/helper/b.md'], baseline);
    // `carried` says where the counts came from (every cell here); the counts themselves are the baseline's.
    const back = aggregateRun(sel.carried).map(({ carried, ...counts }) => {
      expect(carried).toBe(counts.runs + counts.errors + counts.notRun);
      return counts;
    });
    expect(back).toEqual(baseline.cells.filter((c) => c.variantId === 'helper/a'));
    const q1 = sel.carried.filter((r) => r.scenarioId === 'q1').sort((x, y) => x.repeat - y.repeat);
    expect(q1.map((r) => r.status)).toEqual(['fail', 'pass', 'fail']);
    // The passing repeat is credited with the passes first; the last one carries the ungraded run.
    expect(q1[1]!.assertions.every((a) => a.pass)).toBe(true);
    expect(q1[2]!.assertions.find((a) => a.id === 'says-refund')).toMatchObject({ pass: false, gradingError: true });
  });
});
