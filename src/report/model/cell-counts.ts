import type { CellVerdict } from '../../schema/result.ts';

/**
 * The cell counts of a run's header (summary.md, index.html). An affected-only run's `plannedCells` are the
 * cells it runs, while its results also hold the cells carried from the baseline: those are named apart,
 * out of the whole matrix, so the figures add up ("12/6 cells" did not).
 *
 * @example
 * describeCellCounts(results, 2) // '2 run + 8 carried of 10 cells'; with nothing carried: '6/6 cells'
 */
export function describeCellCounts(results: readonly CellVerdict[], plannedCells: number): string {
  const carried = results.filter((r) => r.source === 'baseline').length;
  const run = results.length - carried;
  return carried ? `${run} run + ${carried} carried of ${plannedCells + carried} cells` : `${run}/${plannedCells} cells`;
}
