import { describe, expect, it } from 'vitest';
import { DataFileError } from '../../errors.ts';
import type { Baseline, ScenarioAggregate } from '../../schema/aggregate.ts';
import { parseBaseline, renderBaseline } from './baseline.ts';

const cell = (variantId: string, scenarioId: string): ScenarioAggregate => ({
  // Keys deliberately out of schema order.
  assertions: { zeta: { runs: 1, passes: 1 }, alpha: { runs: 1, passes: 0, critical: true } },
  outcomes: 'P',
  scoreSum: 1,
  notRun: 0,
  errors: 0,
  passes: 1,
  runs: 1,
  assertionsHash: 'ah',
  scenarioHash: 'sh',
  scenarioId,
  model: 'm1',
  agent: 'helper',
  variantHash: 'vh',
  variantId,
});
const baseline = (cells: ScenarioAggregate[]): Baseline => ({
  cells,
  git: { commit: 'abc' },
  time: '2026-01-01T00:00:00.000Z',
  runId: 'r1',
  version: 1,
});

describe('renderBaseline', () => {
  it('orders keys, cells and assertion ids the same way whatever the input order', () => {
    const a = renderBaseline(baseline([cell('helper/b', 's1'), cell('helper/a', 's2'), cell('helper/a', 's1')]));
    const b = renderBaseline(baseline([cell('helper/a', 's1'), cell('helper/b', 's1'), cell('helper/a', 's2')]));
    expect(a).toBe(b);
    const json = JSON.parse(a);
    expect(Object.keys(json)).toEqual(['version', 'runId', 'time', 'git', 'cells']);
    expect(Object.keys(json.cells[0]).slice(0, 3)).toEqual(['variantId', 'variantHash', 'agent']);
    expect(Object.keys(json.cells[0].assertions)).toEqual(['alpha', 'zeta']);
    expect(json.cells.map((c: ScenarioAggregate) => `${c.variantId}/${c.scenarioId}`)).toEqual([
      'helper/a/s1',
      'helper/a/s2',
      'helper/b/s1',
    ]);
    expect(parseBaseline(a, 'reports/baseline.json').cells).toHaveLength(3);
    expect(a.endsWith('}\n')).toBe(true);
  });
});

describe('parseBaseline', () => {
  const error = (text: string) => {
    try {
      parseBaseline(text, 'origin/main:reports/baseline.json');
    } catch (err) {
      expect(err).toBeInstanceOf(DataFileError);
      return (err as Error).message;
    }
    throw new Error('expected an error');
  };
  it('names the file and the field in one line', () => {
    expect(error('{')).toMatch(/^origin\/main:reports\/baseline\.json: broken JSON: .*agent-evals bless/);
    expect(error(JSON.stringify({ ...baseline([]), version: 2 }))).toMatch(/^origin\/main:reports\/baseline\.json: version: /);
    const bad = JSON.stringify(baseline([{ ...cell('helper/a', 's1'), outcomes: 'PX' }]));
    expect(error(bad)).toMatch(/^origin\/main:reports\/baseline\.json: cells\[0\]\.outcomes: /);
    for (const text of ['{', bad]) expect(error(text).split('\n')).toHaveLength(1);
  });
});
