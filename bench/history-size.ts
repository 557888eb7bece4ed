/**
 * `npm run bench`, history size (issue 14, item 2): bytes a run adds to reports/history.jsonl, per
 * aggregate (variant × model × scenario), in the format-1 lines written before and the compact lines
 * written now, for the starter suite's shape and the bench's; what a compacted run costs; and the file
 * after a year of daily runs on main with `history compact --keep 100`. Pure computation on synthetic
 * runs shaped like real ones (real sha256 fingerprints, 3–5 assertions per scenario): no disk, no model.
 */
import { createHash } from 'node:crypto';
import { historyLine } from '../src/io/history/history.ts';
import type { HistoryEntry } from '../src/schema/aggregate.ts';
import { totalsOnly } from '../src/io/history/history-codec.ts';
import { BENCH_SHAPE, shapedEntry, STARTER_SHAPE, type SuiteShape } from '../test/support/history-shape.ts';
import type { Measure } from './measure.ts';

const bytes = (line: string) => Buffer.byteLength(line) + 1;

/** Bytes per aggregate of one run of `shape`: format 1 (before) and format 2 (now). */
export function historyBytesPerAggregate(shape: SuiteShape): { aggregates: number; before: number; after: number; compacted: number } {
  const entry = shapedEntry(shape);
  const n = entry.cells.length;
  return {
    aggregates: n,
    before: bytes(JSON.stringify(entry)) / n,
    after: bytes(historyLine(entry)) / n,
    compacted: bytes(historyLine(totalsOnly(entry))),
  };
}

/** The history file after `runs` runs of `shape`, the newest `keep` in full. */
export function historyBytesAfter(shape: SuiteShape, runs: number, keep: number): number {
  const full = bytes(historyLine(shapedEntry(shape)));
  const reduced = bytes(historyLine(totalsOnly(shapedEntry(shape))));
  return Math.min(runs, keep) * full + Math.max(0, runs - keep) * reduced;
}

export function historySizeBench(): Measure[] {
  const out: Measure[] = [];
  for (const [label, shape] of [
    ['starter', STARTER_SHAPE],
    ['bench', BENCH_SHAPE],
  ] as const) {
    const m = historyBytesPerAggregate(shape);
    out.push({
      name: `history: bytes per aggregate per run, ${label}`,
      value: m.after,
      unit: 'B',
      target: '≤ 100',
      pass: m.after <= 100,
      note: `${shape.variants}×${shape.models}×${shape.scenarios}, ${m.aggregates} aggregates; was ${m.before.toFixed(0)} B; ${((m.after * m.aggregates) / 1024).toFixed(1)} KB a run, ${m.compacted} B compacted`,
    });
  }
  const year = historyBytesAfter(STARTER_SHAPE, 365, 100);
  const yearBefore = 365 * bytes(JSON.stringify(shapedEntry(STARTER_SHAPE)));
  out.push({
    name: 'history: a year of daily runs, starter, keep 100',
    value: year / 1024 / 1024,
    unit: 'MB',
    note: `was ${(yearBefore / 1024 / 1024).toFixed(1)} MB with format-1 lines and no compaction`,
  });
  return out;
}

/** The report-scale suite (issue 14): 10 variants × 2 models × 50 scenarios, 3 repeats = 1,000 aggregates a run. */
export const REPORT_SCALE_SHAPE: SuiteShape = { variants: 10, models: 2, scenarios: 50, repeats: 3 };

/** sha256 fingerprints as `shapedEntry` makes them, edited along the way (memoized: 3,000 digests a run otherwise). */
const editedHash = (() => {
  const memo = new Map<string, string>();
  return (text: string) => {
    let h = memo.get(text);
    if (h === undefined) memo.set(text, (h = createHash('sha256').update(text).digest('hex')));
    return h;
  };
})();

/**
 * Run `run` of a long history of `shape`, as `aggregateRun` would give it: each variant's prompt is
 * edited every 90 runs (staggered), and the first scenario's assertions change halfway, so the trends
 * have ▲ marks and a break to draw, not only flat lines.
 *
 * @example
 * historyLine(scaledEntry(REPORT_SCALE_SHAPE, 0, 1000)).length // ≈ 60 KB
 */
export function scaledEntry(shape: SuiteShape, run: number, runs: number): HistoryEntry {
  const entry = shapedEntry(shape, run);
  for (const c of entry.cells) {
    const v = Number(c.variantId.slice(c.variantId.lastIndexOf('-') + 1));
    c.variantHash = editedHash(`${c.variantId} edit ${Math.floor((run + 13 * v) / 90)}`);
    if (c.scenarioId.endsWith('-01') && run >= runs / 2) c.assertionsHash = editedHash(`${c.scenarioId} assertions 2`);
  }
  return { ...entry, runId: `2026${String(1000 + run).padStart(4, '0')}-120000-${(4096 + run).toString(16)}` };
}
