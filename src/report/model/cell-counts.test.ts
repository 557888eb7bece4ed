import { describe, expect, it } from 'vitest';
import { syntheticResults, uniform } from '../../../test/support/ci-project.ts';
import { describeCellCounts } from './cell-counts.ts';

describe('describeCellCounts', () => {
  const live = syntheticResults(uniform('helper/alpha', 2, 'PF'));
  const carried = syntheticResults(uniform('helper/bravo', 3, 'PP')).map((r) => ({ ...r, source: 'baseline' as const }));

  it('names the cells run and carried apart, out of the whole matrix', () => {
    expect(describeCellCounts([...live, ...carried], 4)).toBe('4 run + 6 carried of 10 cells');
  });

  it('keeps the short form when nothing was carried, finished or not', () => {
    expect(describeCellCounts(live, 4)).toBe('4/4 cells');
    expect(describeCellCounts(live.slice(0, 1), 4)).toBe('1/4 cells');
  });
});
