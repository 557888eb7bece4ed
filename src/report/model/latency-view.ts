/**
 * Latency in the reports (issue 28): p50 and p95 per variant × model (nearest rank, `score/latency.ts`),
 * per model turn for agent runtimes, beside the baseline run's figures (kept in its history line). Pure.
 */
import type { HistoryEntry, LatencyFigures } from '../../schema/aggregate.ts';
import type { CellVerdict } from '../../schema/result.ts';
import { type LatencyStat, latencyStats } from '../../score/latency.ts';

/** The baseline run's latency figures, from its history line; undefined when it has none. */
export function baselineLatencyOf(
  history: readonly HistoryEntry[] | undefined,
  baselineRunId: string | undefined,
): LatencyFigures[] | undefined {
  if (!baselineRunId) return undefined;
  return history?.find((e) => e.runId === baselineRunId)?.latency;
}

/** The run's own latency: a cell carried from the baseline (`--changed-since`) keeps the baseline run's. */
export function measuredLatency(results: readonly CellVerdict[]): LatencyStat[] {
  return latencyStats(results.filter((r) => r.source !== 'baseline'));
}

/** One row of the latency table: the run's figures and, when the baseline run has them, the baseline's. */
interface LatencyRow {
  s: LatencyStat;
  base?: LatencyFigures;
}

export function latencyRows(current: readonly LatencyStat[], baseline: readonly LatencyFigures[] | undefined): LatencyRow[] {
  return current.map((s) => {
    const base = baseline?.find((b) => b.agent === s.agent && b.variantId === s.variantId && b.model === s.model);
    return base ? { s, base } : { s };
  });
}
