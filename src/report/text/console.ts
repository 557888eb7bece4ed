import type { RunSummary } from '../../score/types.ts';
import { bestKey, buildMatrix, cellText, describePair, orderPairs } from '../model/matrix-view.ts';
import { cacheNote } from '../model/run-mode.ts';
import { formatTable } from './table.ts';
import { showControls } from './escape.ts';

/**
 * The overview matrix as a text table for the terminal: variants down, models across, `★` on the
 * best variant per model, how many answers promptfoo's cache served, then the pairwise verdicts that
 * are not inconclusive.
 *
 * @example
 * ctx.out(renderConsoleMatrix(summary));
 */
export function renderConsoleMatrix(summary: RunSummary): string {
  const m = buildMatrix(summary);
  if (!m.rows.length) return `run ${summary.runId}: no cells`;
  const multiAgent = new Set(m.rows.map((r) => r.agent)).size > 1;
  const rows = m.rows.map((r) => [
    // The agent's name in front tells agents apart, unless the id already starts with it (`auditor`, `auditor/strict`).
    multiAgent && r.variantId !== r.agent && !r.variantId.startsWith(`${r.agent}/`) ? `${r.agent}/${r.variantId}` : r.variantId,
    ...m.models.map((model) => cellText(r.cells[model], m.best.has(bestKey(r.variantId, model)))),
  ]);
  const lines = [formatTable(['variant', ...m.models], rows, 40)];
  const cached = cacheNote(summary.sources);
  if (cached) lines.push(cached);
  const decided = orderPairs(summary.pairwise).filter((p) => p.verdict !== 'inconclusive');
  if (decided.length) lines.push('', ...decided.map((p) => `  ${describePair(p)}`));
  const open = summary.pairwise.length - decided.length;
  if (open) lines.push(`  ${open} comparison${open === 1 ? '' : 's'} inconclusive (see summary.md)`);
  return showControls(lines.join('\n'));
}
