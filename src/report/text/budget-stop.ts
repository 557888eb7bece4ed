/**
 * The one sentence every report says of a run its budget stopped (issue 28): console, summary.md, index.html,
 * junit.xml and the pull-request comment. Pure.
 */
import type { RunMeta } from '../../schema/run-meta.ts';

/**
 * Undefined unless the run was stopped by its budget. `ran`: the cells with a result.
 * @example budgetStopText(meta, 6) // 'stopped: budget — 6 of 8 cells ran (spent 900 tokens, $0.0009); no verdict: …'
 */
export function budgetStopText(meta: Pick<RunMeta, 'runId' | 'stopped' | 'spent' | 'plannedCells'>, ran: number): string | undefined {
  if (meta.stopped !== 'budget') return undefined;
  const spent = meta.spent ? ` (spent ${meta.spent.tokens.toLocaleString('en-US')} tokens, $${meta.spent.usd.toFixed(4)})` : '';
  return `stopped: budget — ${ran} of ${meta.plannedCells} cells ran${spent}; no verdict: the run is unfinished, \`agent-evals eval --resume ${meta.runId} --budget-usd <more>\` finishes it`;
}
