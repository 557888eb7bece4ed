import type { HistoryRubricCalibration, ScenarioAggregate, VariantModelTotal } from '../../schema/aggregate.ts';
import { historyHash } from '../../schema/history-line.ts';
import type { ReadHistoryEntry } from '../../schema/read-history-entry.ts';

/**
 * Trend series per variant × model over the runs in history (pure). A point is one run. A new
 * segment starts where the scenario set, a scenario's or its assertions' fingerprint, or the grader
 * changed: points measured against different tests are never averaged into one line. A compacted run
 * (`totals`, no cells) gives the same point, and so does an entry read with its cells summed (`cellTotals`).
 * Fingerprints are compared as history stores them
 * (`historyHash`): format-1 lines hold full hashes, format-2 lines short ones.
 */

export interface TrendPoint {
  runId: string;
  time: string;
  /** Scored cells and passes over every scenario of this variant × model in the run. */
  runs: number;
  passes: number;
  /** passes / runs, null when nothing was scored (all errors or not run). */
  passRate: number | null;
  /** Mean cell score 0..1, null when nothing was scored. */
  score: number | null;
  variantHash: string;
  /** The commit the run was made at, when known. */
  commit?: string;
  /** The variant's prompt differs from the previous point of this series. */
  promptChanged: boolean;
  /** What the last rubric calibration said of the run's grader (judge drift), when the line has it and this series was graded. */
  judge?: HistoryRubricCalibration;
}

interface TrendSegment {
  /** What the points of this segment were measured against (scenario, assertion and grader fingerprints). */
  fingerprint: string;
  /** Why this segment starts a new line; absent for the first segment. */
  breakReason?: string;
  points: TrendPoint[];
}

export interface TrendSeries {
  agent: string;
  variantId: string;
  model: string;
  segments: TrendSegment[];
}

interface Accum {
  agent: string;
  variantId: string;
  model: string;
  runs: number;
  passes: number;
  scoreSum: number;
  variantHash: string;
  tests: Map<string, string>;
  graders: Set<string>;
}

/**
 * @example
 * const series = trendSeries(readHistory(root).entries);
 * series[0].segments.length // 2 when a scenario's assertions changed midway
 */
export function trendSeries(entries: readonly ReadHistoryEntry[]): TrendSeries[] {
  const ordered = entries.map((e, i) => ({ e, i })).sort((a, b) => a.e.time.localeCompare(b.e.time) || a.i - b.i);
  const memo: Memo = { tests: new WeakMap(), byContent: new Map(), fingerprints: new WeakMap() };
  const series = new Map<
    string,
    TrendSeries & { lastFp?: string; lastTests?: Map<string, string>; lastGraders?: Set<string>; lastHash?: string }
  >();
  for (const { e } of ordered) {
    const summed = e.cellTotals;
    const accs = summed ? accumulate([], [...summed, ...(e.totals ?? [])], memo) : accumulate(e.cells, e.totals, memo);
    for (const acc of accs.values()) {
      const key = `${acc.variantId}\u0000${acc.model}`;
      let s = series.get(key);
      if (!s) {
        s = { agent: acc.agent, variantId: acc.variantId, model: acc.model, segments: [] };
        series.set(key, s);
      }
      const fp = fingerprintOf(acc, memo);
      const point: TrendPoint = {
        runId: e.runId,
        time: e.time,
        runs: acc.runs,
        passes: acc.passes,
        passRate: acc.runs > 0 ? acc.passes / acc.runs : null,
        score: acc.runs > 0 ? acc.scoreSum / acc.runs : null,
        variantHash: acc.variantHash,
        ...(e.git.commit ? { commit: e.git.commit } : {}),
        promptChanged: s.lastHash !== undefined && s.lastHash !== acc.variantHash,
        ...(e.rubricCalibration && acc.graders.has(e.rubricCalibration.grader) ? { judge: e.rubricCalibration } : {}),
      };
      if (s.lastFp !== fp) {
        const seg: TrendSegment = { fingerprint: fp, points: [] };
        if (s.lastFp !== undefined) seg.breakReason = describeBreak(s.lastTests!, acc.tests, s.lastGraders!, acc.graders);
        s.segments.push(seg);
      }
      s.segments.at(-1)!.points.push(point);
      s.lastFp = fp;
      s.lastTests = acc.tests;
      s.lastGraders = acc.graders;
      s.lastHash = acc.variantHash;
    }
  }
  return [...series.values()]
    .map(({ agent, variantId, model, segments }) => ({ agent, variantId, model, segments }))
    .sort((a, b) => a.agent.localeCompare(b.agent) || a.variantId.localeCompare(b.variantId) || a.model.localeCompare(b.model));
}

/**
 * What trends derive once per object of a long history: a run's totals share one `tests` record
 * when their series ran the same tests (`lineTotals`), and consecutive points usually hold equal ones.
 */
interface Memo {
  /** A totals' `tests` record as the map a series compares (read-only: shared by the series of that record). */
  tests: WeakMap<object, Map<string, string>>;
  /** Those maps by content: runs that ran the same tests share one map, and so one fingerprint. */
  byContent: Map<string, Map<string, string>>;
  /** The tests part of a fingerprint, per tests map. */
  fingerprints: WeakMap<Map<string, string>, string>;
}

function accumulate(cells: ScenarioAggregate[], totals: VariantModelTotal[] = [], memo: Memo): Map<string, Accum> {
  const byKey = new Map<string, Accum>();
  // A series summed from one totals row borrows that row's tests map; a second source copies it first.
  const borrowed = new Set<Accum>();
  const accOf = (c: { agent: string; variantId: string; model: string; variantHash: string }) => {
    const key = `${c.variantId}\u0000${c.model}`;
    let acc = byKey.get(key);
    if (!acc) {
      acc = {
        agent: c.agent,
        variantId: c.variantId,
        model: c.model,
        runs: 0,
        passes: 0,
        scoreSum: 0,
        variantHash: historyHash(c.variantHash),
        tests: new Map(),
        graders: new Set(),
      };
      byKey.set(key, acc);
    } else if (borrowed.delete(acc)) acc.tests = new Map(acc.tests);
    return acc;
  };
  for (const c of cells) {
    const acc = accOf(c);
    acc.runs += c.runs;
    acc.passes += c.passes;
    acc.scoreSum += c.scoreSum;
    acc.tests.set(c.scenarioId, testOf(c));
    if (c.grader) acc.graders.add(c.grader);
  }
  for (const t of totals) {
    const fresh = !byKey.has(`${t.variantId}\u0000${t.model}`);
    const acc = accOf(t);
    acc.runs += t.runs;
    acc.passes += t.passes;
    acc.scoreSum += t.scoreSum;
    if (fresh) {
      acc.tests = testsOf(t.tests, memo);
      borrowed.add(acc);
    } else for (const [id, h] of Object.entries(t.tests)) acc.tests.set(id, testOf(h));
    for (const g of t.graders) acc.graders.add(g);
  }
  return byKey;
}

const testOf = (h: { scenarioHash: string; assertionsHash: string }) => `${historyHash(h.scenarioHash)}/${historyHash(h.assertionsHash)}`;

function testsOf(tests: VariantModelTotal['tests'], memo: Memo): Map<string, string> {
  let map = memo.tests.get(tests);
  if (!map) {
    const entries = Object.entries(tests).map(([id, h]): [string, string] => [id, testOf(h)]);
    const content = JSON.stringify(entries);
    map = memo.byContent.get(content);
    if (!map) memo.byContent.set(content, (map = new Map(entries)));
    memo.tests.set(tests, map);
  }
  return map;
}

function fingerprintOf(acc: Accum, memo: Memo): string {
  let tests = memo.fingerprints.get(acc.tests);
  if (tests === undefined) {
    tests = [...acc.tests]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([id, h]) => `${id}=${h}`)
      .join(',');
    memo.fingerprints.set(acc.tests, tests);
  }
  return `${tests}|${[...acc.graders].sort().join(',')}`;
}

function describeBreak(before: Map<string, string>, after: Map<string, string>, gBefore: Set<string>, gAfter: Set<string>): string {
  const added = [...after.keys()].filter((id) => !before.has(id));
  const removed = [...before.keys()].filter((id) => !after.has(id));
  const changed = [...after.keys()].filter((id) => before.has(id) && before.get(id) !== after.get(id));
  const parts: string[] = [];
  if (changed.length) parts.push(`scenarios or assertions changed: ${list(changed)}`);
  if (added.length) parts.push(`scenarios added: ${list(added)}`);
  if (removed.length) parts.push(`scenarios removed: ${list(removed)}`);
  const g = (s: Set<string>) => [...s].sort().join(', ') || 'none';
  if (g(gBefore) !== g(gAfter)) parts.push(`grader ${g(gBefore)} → ${g(gAfter)}`);
  return parts.join('; ');
}

function list(ids: string[]): string {
  const sorted = [...ids].sort();
  return sorted.length > 5 ? `${sorted.slice(0, 5).join(', ')} and ${sorted.length - 5} more` : sorted.join(', ');
}
