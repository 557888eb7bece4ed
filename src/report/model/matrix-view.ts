import type { Interval, PairwiseComparison, RunSummary, VariantModelSummary } from '../../score/types.ts';

/**
 * The overview matrix shared by every renderer (HTML, Markdown, console): rows are variants, columns
 * are models, and per agent × model the best variant is marked where the data supports it.
 */

interface MatrixRow {
  agent: string;
  variantId: string;
  /** By model; absent where the variant did not run on that model. */
  cells: Record<string, VariantModelSummary | undefined>;
}

export interface Matrix {
  models: string[];
  rows: MatrixRow[];
  /** `variantId\0model` keys of the best variant per agent × model: one that beat every rival significantly, else none. */
  best: Set<string>;
}

export const bestKey = (variantId: string, model: string) => `${variantId}\u0000${model}`;

/**
 * @example
 * const m = buildMatrix(summary);
 * m.best.has(bestKey('reviewer-terse', 'gpt-4.1')) // true when it beat every other variant there (paired test, Holm)
 */
export function buildMatrix(summary: RunSummary): Matrix {
  const models = unique(summary.variants.map((v) => v.model));
  const rowsByKey = new Map<string, MatrixRow>();
  for (const v of summary.variants) {
    const key = `${v.agent}\u0000${v.variantId}`;
    let row = rowsByKey.get(key);
    if (!row) {
      row = { agent: v.agent, variantId: v.variantId, cells: {} };
      rowsByKey.set(key, row);
    }
    row.cells[v.model] = v;
  }
  const rows = [...rowsByKey.values()].sort((a, b) => a.agent.localeCompare(b.agent) || a.variantId.localeCompare(b.variantId));
  return { models, rows, best: bestVariants(summary.variants, summary.pairwise) };
}

/**
 * Best per agent × model: a variant is starred only when the run's paired comparisons say it is
 * `better` than every other scored variant of its agent on that model; otherwise nobody is (a tie).
 *
 * Why this rule: the highest point estimate starred one of several tied variants (three at 0%, or 1/14
 * over 1/15), which the data cannot support. The pairwise McNemar test pairs cells by (scenario,
 * repeat), so it is more sensitive than comparing unpaired Wilson intervals, and its verdicts are
 * Holm-adjusted across the run and shown in the same report: a star can never contradict the
 * "Comparisons" table beside it. A lone variant has no rival, so it is not "best" either.
 */
function bestVariants(variants: VariantModelSummary[], pairwise: PairwiseComparison[]): Set<string> {
  const groups = new Map<string, VariantModelSummary[]>();
  for (const v of variants) {
    if (v.passRate.rate === null) continue;
    const key = `${v.agent}\u0000${v.model}`;
    groups.set(key, [...(groups.get(key) ?? []), v]);
  }
  // `winner\0loser\0agent\0model` for every significant pairwise verdict.
  const beat = new Set<string>();
  for (const p of pairwise) {
    if (p.verdict === 'inconclusive') continue;
    const [winner, loser] = p.verdict === 'better' ? [p.b, p.a] : [p.a, p.b];
    beat.add([winner, loser, p.agent, p.model].join('\u0000'));
  }
  const best = new Set<string>();
  for (const group of groups.values()) {
    if (group.length < 2) continue;
    for (const v of group) {
      if (group.every((o) => o === v || beat.has([v.variantId, o.variantId, v.agent, v.model].join('\u0000'))))
        best.add(bestKey(v.variantId, v.model));
    }
  }
  return best;
}

function unique<T>(xs: T[]): T[] {
  return [...new Set(xs)];
}

/** `83%`, or `–` when nothing was scored. */
export function formatRate(rate: number | null): string {
  return rate === null ? '–' : `${Math.round(rate * 100)}%`;
}

/** `[70–91%]`, or an empty string without an interval. */
export function formatInterval(interval: Interval | null | undefined): string {
  return interval ? `[${Math.round(interval.low * 100)}–${Math.round(interval.high * 100)}%]` : '';
}

/** USD with enough digits to be useful for small sums. */
export function formatCost(usd: number): string {
  if (usd === 0) return '$0';
  return usd >= 1 ? `$${usd.toFixed(2)}` : `$${usd.toPrecision(2)}`;
}

/** `+12 pts` / `−5 pts`: a difference of rates, in percentage points. */
export function formatDiff(diff: number): string {
  const pts = Math.round(diff * 100);
  return `${pts > 0 ? '+' : pts < 0 ? '−' : '±'}${Math.abs(pts)} pts`;
}

/** `p=0.031`, or `p<0.001`. */
export function formatP(p: number): string {
  return p < 0.001 ? 'p<0.001' : `p=${p.toFixed(3)}`;
}

/** One line describing a pairwise verdict, e.g. `reviewer-terse vs reviewer on gpt-4.1: worse (−30 pts, Holm p=0.012)`. */
export function describePair(c: PairwiseComparison): string {
  const more =
    c.verdict === 'inconclusive'
      ? c.moreRepeats
        ? `; ~${c.moreRepeats} more repeats per scenario would settle it`
        : '; more repeats are unlikely to settle it'
      : '';
  return `${c.b} vs ${c.a} on ${c.model}: ${c.verdict} (${formatDiff(c.diff)} over ${c.pairs} pairs, Holm ${formatP(c.adjustedP)}${more})`;
}

/** Pairwise comparisons with the worst news first: worse, then better, then inconclusive. */
export function orderPairs(pairs: PairwiseComparison[]): PairwiseComparison[] {
  const rank = { worse: 0, better: 1, inconclusive: 2 } as const;
  return [...pairs].sort((a, b) => rank[a.verdict] - rank[b.verdict] || a.adjustedP - b.adjustedP);
}

/** Matrix cell text for plain-text outputs: `83% [70–91%] $0.012`, with `★` on the best variant. */
export function cellText(v: VariantModelSummary | undefined, isBest: boolean): string {
  if (!v) return '';
  if (v.passRate.rate === null) return v.counts.errors ? `errors ${v.counts.errors}/${v.counts.total}` : 'not run';
  const errs = v.counts.errors ? ` err ${v.counts.errors}` : '';
  return `${isBest ? '★ ' : ''}${formatRate(v.passRate.rate)} ${formatInterval(v.passRate.interval)}${errs} ${formatCost(v.cost)}`;
}
