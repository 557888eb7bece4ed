/**
 * Latency percentiles per variant × model (issue 28): p50 and p95 of the cells' recorded `latencyMs`,
 * and, for agent runtimes, of the latency per model turn. Pure: the figures come from results.jsonl,
 * never from a clock here.
 *
 * Only answers that came from the model now count (`source` live, or absent in older results): a replayed,
 * cached or carried answer took no model time here, and its latency would say the model is instant.
 *
 * Definition (nearest rank): the q-th percentile of n values is the value at 1-based rank ⌈q·n⌉ of
 * the values sorted ascending (rank 1 when q·n < 1). It is always an observed latency, needs no
 * interpolation, and is what most latency dashboards call p95. Only scored cells (pass or fail)
 * count: an error's latency is mostly a timeout and would say nothing about the agent's speed.
 * An agent cell's per-turn latency is its latency divided by its model turns (cells with no turn
 * recorded are left out of the per-turn figures).
 */
import type { LatencyFigures } from '../schema/aggregate.ts';
import { type CellStatus, isScored } from '../schema/result.ts';

/** What latency needs of a cell (a `CellResult` has it). */
interface LatencyCell {
  agent: string;
  variantId: string;
  model: string;
  status: CellStatus;
  latencyMs?: number;
  trajectory?: { turns: number };
  /** Model turns of an agent cell whose trajectory is not kept (a folded cell, `fold-results.ts`). */
  turns?: number;
  source?: 'live' | 'replay' | 'cache' | 'baseline';
}

/** p50 / p95 of one variant × model; `turn` only for agent cells that recorded turns (the history line's shape). */
export type LatencyStat = LatencyFigures;

/**
 * The nearest-rank q-quantile (0 < q ≤ 1) of `values`; `null` when there is none.
 * @example nearestRank([15, 20, 35, 40, 50], 0.95) // 50 (rank ⌈4.75⌉ = 5)
 * @example nearestRank([15, 20, 35, 40, 50], 0.5) // 35 (rank ⌈2.5⌉ = 3)
 */
export function nearestRank(values: readonly number[], q: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(q * sorted.length - 1e-9)));
  return sorted[rank - 1]!;
}

const SEP = '\u0000';
const byKey = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * p50 and p95 per agent × variant × model, sorted by those keys; groups with no scored cell that
 * recorded a latency are left out.
 * @example latencyStats(results)[0] // { agent: 'helper', variantId: 'helper/v1', model: 'm', n: 20, p50: 812, p95: 1904 }
 */
export function latencyStats(cells: Iterable<LatencyCell>): LatencyStat[] {
  const groups = new Map<string, { cell: LatencyCell; latencies: number[]; perTurn: number[] }>();
  for (const c of cells) {
    if (!isScored(c.status) || c.latencyMs === undefined || (c.source !== undefined && c.source !== 'live')) continue;
    const key = [c.agent, c.variantId, c.model].join(SEP);
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { cell: c, latencies: [], perTurn: [] }));
    g.latencies.push(c.latencyMs);
    const turns = c.trajectory?.turns ?? c.turns ?? 0;
    if (turns > 0) g.perTurn.push(c.latencyMs / turns);
  }
  return [...groups.keys()].sort(byKey).map((key) => {
    const { cell, latencies, perTurn } = groups.get(key)!;
    return {
      agent: cell.agent,
      variantId: cell.variantId,
      model: cell.model,
      n: latencies.length,
      p50: nearestRank(latencies, 0.5)!,
      p95: nearestRank(latencies, 0.95)!,
      ...(perTurn.length > 0 ? { turn: { n: perTurn.length, p50: nearestRank(perTurn, 0.5)!, p95: nearestRank(perTurn, 0.95)! } } : {}),
    };
  });
}

/** A variant × model whose p95 is above `thresholds.p95LatencyMs`. */
export interface LatencyMiss {
  agent: string;
  variantId: string;
  model: string;
  p95: number;
  bar: number;
  n: number;
}

/**
 * Every variant × model over the p95 bar (strictly above it). No bar, no miss.
 * @example latencyMisses(stats, 1000).map((m) => m.variantId) // ['helper/slow']
 */
export function latencyMisses(stats: readonly LatencyStat[], bar: number | undefined): LatencyMiss[] {
  if (bar === undefined) return [];
  return stats.filter((s) => s.p95 > bar).map((s) => ({ agent: s.agent, variantId: s.variantId, model: s.model, p95: s.p95, bar, n: s.n }));
}

/** `p95LatencyMs 1840 ms > 1500 ms (20 cells)`: a miss in the config's own words. */
export function describeLatencyMiss(m: LatencyMiss): string {
  return `p95LatencyMs ${Math.round(m.p95)} ms > ${m.bar} ms (${m.n} cell${m.n === 1 ? '' : 's'})`;
}
