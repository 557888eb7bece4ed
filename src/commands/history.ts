import type { Context } from '../context.ts';
import { compactHistory } from '../io/history/history.ts';

/** Runs that keep every aggregate when `--keep` is not given: about three months of daily runs on main. */
const DEFAULT_KEEP_FULL = 100;

/**
 * `agent-evals history compact [--keep N]`: the newest N runs keep every aggregate (the report's
 * drill-down and the gate only ever look at recent runs); older runs keep their per-variant × model
 * totals, which is all the trends draw. Rewrites reports/history.jsonl once, atomically, under the
 * history lock; damaged lines are left as they are.
 *
 * @example
 * await historyCompactCommand(ctx, { keep: 30 }) // 0, "compacted 70 of 100 runs: 1.2 MB → 180 KB"
 */
export async function historyCompactCommand(ctx: Context, opts: { keep?: number }): Promise<number> {
  const keep = opts.keep ?? DEFAULT_KEEP_FULL;
  const r = await compactHistory(ctx.root, { keep });
  if (r.runs === 0) {
    ctx.out('reports/history.jsonl: no runs recorded yet, nothing to compact');
    return 0;
  }
  ctx.out(
    `reports/history.jsonl: ${r.runs} run${r.runs === 1 ? '' : 's'}, the newest ${Math.min(keep, r.runs)} in full; compacted ${r.compacted} to per-variant × model totals; ${size(r.bytesBefore)} → ${size(r.bytesAfter)}`,
  );
  if (r.damaged)
    ctx.err(`warning: ${r.damaged} damaged line${r.damaged === 1 ? '' : 's'} left as they are (agent-evals report names them)`);
  return 0;
}

function size(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}
