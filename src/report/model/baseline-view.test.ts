import { describe, expect, it } from 'vitest';
import { cellAnchor, promptDiffAnchor, scenarioAnchor } from '../html/anchors.ts';
import { deltaKey, formatKN, hasBaselineCounts, movedScenarios, scenarioDeltas } from './baseline-view.ts';
import { syntheticAggregate } from '../../../test/support/report-synthetic.ts';

describe('scenarioDeltas', () => {
  const base = [
    syntheticAggregate({ scenarioId: 's1', runs: 3, passes: 3 }),
    syntheticAggregate({ scenarioId: 's2', runs: 3, passes: 1 }),
    syntheticAggregate({ scenarioId: 's3', runs: 3, passes: 3 }),
  ];
  const now = [
    syntheticAggregate({
      scenarioId: 's1',
      runs: 3,
      passes: 0,
      assertions: { b: { runs: 3, passes: 0 }, a: { runs: 3, passes: 2 }, ok: { runs: 3, passes: 3 } },
    }),
    syntheticAggregate({ scenarioId: 's2', runs: 3, passes: 3 }),
    syntheticAggregate({ scenarioId: 's3', runs: 3, passes: 2 }),
    syntheticAggregate({ scenarioId: 's4', runs: 3, passes: 3 }),
  ];

  it('pairs each current scenario with the baseline: k/n both sides, the change, the failing assertions', () => {
    const d = scenarioDeltas(now, base);
    const s1 = d.get(deltaKey('reviewer', 'm1', 's1'))!;
    expect(formatKN(s1)).toBe('3/3 → 0/3');
    expect(s1.delta).toBe(-1);
    expect(s1.failing).toEqual(['a', 'b']);
    expect(formatKN(d.get(deltaKey('reviewer', 'm1', 's4'))!)).toBe('new → 3/3');
    expect(d.get(deltaKey('reviewer', 'm1', 's4'))!.delta).toBeNull();
  });

  it('lists the scenarios that moved in one direction, the largest move first', () => {
    const d = scenarioDeltas(now, base);
    expect(movedScenarios(d, 'reviewer', 'm1', -1).map((x) => x.scenarioId)).toEqual(['s1', 's3']);
    expect(movedScenarios(d, 'reviewer', 'm1', 1).map((x) => x.scenarioId)).toEqual(['s2']);
    expect(hasBaselineCounts(d, 'reviewer', 'm1')).toBe(true);
    expect(hasBaselineCounts(scenarioDeltas(now), 'reviewer', 'm1')).toBe(false);
  });
});

describe('anchors', () => {
  it('are URL-safe and keep apart ids whose slugs collide', () => {
    const ids = [
      scenarioAnchor('a b'),
      scenarioAnchor('a_b'),
      scenarioAnchor('a/b'),
      cellAnchor('s', 'v', 'm'),
      cellAnchor('s', 'v', 'm2'),
      promptDiffAnchor('<x>'),
    ];
    for (const id of ids) expect(id).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(new Set(ids).size).toBe(ids.length);
    expect(scenarioAnchor('a b')).toBe(scenarioAnchor('a b'));
  });
});
