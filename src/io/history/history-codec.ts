/**
 * The stored form of a history line (pure): `HistoryEntry` ⇄ `CompactHistoryLine` (format 2), and a
 * run reduced to its per-variant × model totals (`history compact`). Format-1 lines are `HistoryEntry`
 * as it is and need no decoding.
 */
import type { HistoryEntry, ScenarioAggregate, VariantModelTotal } from '../../schema/aggregate.ts';
import { CompactCell, type CompactHistoryLine, type CompactTotal, HISTORY_FORMAT, historyHash } from '../../schema/history-line.ts';
import { issueAt } from '../../shared/issue-text.ts';

/** A format-2 line that parses but points past its own tables: the message names the field, as zod's do. */
export class HistoryLineError extends Error {}

/** A table of distinct values in first-seen order, giving each its index. */
class Table<T> {
  readonly rows: T[] = [];
  private readonly index = new Map<string, number>();
  constructor(private readonly key: (row: T) => string) {}
  add(row: T): number {
    const k = this.key(row);
    let i = this.index.get(k);
    if (i === undefined) {
      i = this.rows.length;
      this.rows.push(row);
      this.index.set(k, i);
    }
    return i;
  }
}

export const SEP = '\u0000';
/** Score sums to 1e-6: `2.8333333333333335` costs 18 bytes, its mean is shown to 1e-2. */
const roundScore = (x: number) => Math.round(x * 1e6) / 1e6;

/**
 * The line written for `entry`: fingerprints once (short), aggregates as tuples.
 *
 * @example
 * JSON.stringify(encodeHistoryEntry(entry)) // '{"v":2,"runId":"…","variants":[["reviewer","reviewer","9f86d081884c"]],…}'
 */
export function encodeHistoryEntry(entry: HistoryEntry): CompactHistoryLine {
  const variants = new Table<[string, string, string]>((r) => r.join(SEP));
  const models = new Table<string>((m) => m);
  const scenarios = new Table<[string, string, string]>((r) => r.join(SEP));
  const graders = new Table<string>((g) => g);
  const assertions = new Table<string>((a) => a);
  const variant = (c: { variantId: string; agent: string; variantHash: string }) =>
    variants.add([c.variantId, c.agent, historyHash(c.variantHash)]);
  const scenario = (id: string, t: { scenarioHash: string; assertionsHash: string }) =>
    scenarios.add([id, historyHash(t.scenarioHash), historyHash(t.assertionsHash)]);

  const cells = entry.cells.map((c) =>
    encodeCell(c, { variant, model: (m) => models.add(m), scenario, assertion: (a) => assertions.add(a), grader: (g) => graders.add(g) }),
  );
  const totals = entry.totals?.map(
    (t): CompactTotal => [
      variant(t),
      models.add(t.model),
      t.runs,
      t.passes,
      t.errors,
      t.notRun,
      roundScore(t.scoreSum),
      Object.entries(t.tests).map(([id, h]) => scenario(id, h)),
      t.graders.map((g) => graders.add(g)),
    ],
  );
  return {
    v: HISTORY_FORMAT,
    runId: entry.runId,
    time: entry.time,
    git: entry.git,
    variants: variants.rows,
    models: models.rows,
    scenarios: scenarios.rows,
    ...(graders.rows.length ? { graders: graders.rows } : {}),
    ...(assertions.rows.length ? { assertions: assertions.rows } : {}),
    ...(cells.length || !totals ? { cells } : {}),
    ...(totals ? { totals } : {}),
    ...(entry.rubricCalibration ? { rubricCalibration: entry.rubricCalibration } : {}),
    ...(entry.latency?.length ? { latency: entry.latency } : {}),
  };
}

/** One aggregate as a tuple of indices into the line's tables (`add` puts a row in its table). */
function encodeCell(
  c: ScenarioAggregate,
  add: {
    variant: (c: ScenarioAggregate) => number;
    model: (m: string) => number;
    scenario: (id: string, t: ScenarioAggregate) => number;
    assertion: (id: string) => number;
    grader: (g: string) => number;
  },
): CompactCell {
  const asserts = Object.entries(c.assertions).map(([id, a]) => {
    const i = add.assertion(id);
    if (a.critical !== undefined) return [i, a.runs, a.passes, a.critical ? 1 : 0];
    return a.runs === c.runs ? [i, a.passes] : [i, a.runs, a.passes];
  });
  const row: CompactCell = [
    add.variant(c),
    add.model(c.model),
    add.scenario(c.scenarioId, c),
    c.runs,
    c.passes,
    c.errors,
    c.notRun,
    roundScore(c.scoreSum),
    c.outcomes,
    asserts,
  ];
  if (c.grader !== undefined || c.carried !== undefined) row.push(c.grader !== undefined ? add.grader(c.grader) : -1);
  if (c.carried !== undefined) row.push(c.carried);
  return row;
}

/**
 * The entry a format-2 line stands for. Throws `HistoryLineError` naming the field when an index
 * points past its table.
 */
export function decodeHistoryLine(line: CompactHistoryLine): HistoryEntry {
  const cells = (line.cells ?? []).map((raw, n) => decodeCell(line, raw, `cells[${n}]`));
  const totals = line.totals?.map((row, n) => decodeTotal(line, row, `totals[${n}]`));
  return {
    runId: line.runId,
    time: line.time,
    git: line.git,
    cells,
    ...(totals ? { totals } : {}),
    ...(line.rubricCalibration ? { rubricCalibration: line.rubricCalibration } : {}),
    ...(line.latency ? { latency: line.latency } : {}),
  };
}

/** Row `i` of one of the line's tables, or a `HistoryLineError` naming where the index was. */
function at<T>(table: readonly T[] | undefined, i: number, where: string, name: string): T {
  const row = table?.[i];
  if (row === undefined) throw new HistoryLineError(`${where}: ${name} index ${i} is not in "${name}s"`);
  return row;
}

/**
 * A stored cell checked against the rules of `CompactCell` and against the line's tables: every index
 * it holds points at a row. `decodeCell` and `lineTotals` (`history-read.ts`) both read cells through it,
 * so a line one of them accepts the other accepts too (a lazily decoded line never fails late).
 */
export function checkedRow(line: CompactHistoryLine, raw: unknown, where: string): CompactCell {
  const row = isCompactCell(raw) ? raw : checkedCell(raw, where);
  const [vi, mi, si, , , , , , , asserts, gi] = row;
  at(line.variants, vi, where, 'variant');
  at(line.scenarios, si, where, 'scenario');
  for (const a of asserts) at(line.assertions, a[0]!, where, 'assertion');
  at(line.models, mi, where, 'model');
  if (gi !== undefined && gi >= 0) at(line.graders, gi, where, 'grader');
  return row;
}

function decodeCell(line: CompactHistoryLine, raw: unknown, where: string): ScenarioAggregate {
  const [vi, mi, si, runs, passes, errors, notRun, scoreSum, outcomes, asserts, gi, carried] = checkedRow(line, raw, where);
  const [variantId, agent, variantHash] = line.variants[vi]!;
  const [scenarioId, scenarioHash, assertionsHash] = line.scenarios[si]!;
  const assertions: ScenarioAggregate['assertions'] = {};
  for (const a of asserts) {
    const id = line.assertions![a[0]!]!;
    const [aRuns, aPasses] = a.length === 2 ? [runs, a[1]!] : [a[1]!, a[2]!];
    assertions[id] = a.length === 4 ? { runs: aRuns, passes: aPasses, critical: a[3] === 1 } : { runs: aRuns, passes: aPasses };
  }
  return {
    variantId,
    variantHash,
    agent,
    model: line.models[mi]!,
    scenarioId,
    scenarioHash,
    assertionsHash,
    ...(gi !== undefined && gi >= 0 ? { grader: line.graders![gi]! } : {}),
    runs,
    passes,
    errors,
    notRun,
    ...(carried !== undefined ? { carried } : {}),
    scoreSum,
    outcomes,
    assertions,
  };
}

export function decodeTotal(line: CompactHistoryLine, row: CompactTotal, where: string): VariantModelTotal {
  const [vi, mi, runs, passes, errors, notRun, scoreSum, sis, gis] = row;
  const [variantId, agent, variantHash] = at(line.variants, vi, where, 'variant');
  const tests: VariantModelTotal['tests'] = {};
  for (const si of sis) {
    const [id, scenarioHash, assertionsHash] = at(line.scenarios, si, where, 'scenario');
    tests[id] = { scenarioHash, assertionsHash };
  }
  return {
    variantId,
    variantHash,
    agent,
    model: at(line.models, mi, where, 'model'),
    runs,
    passes,
    errors,
    notRun,
    scoreSum,
    tests,
    graders: gis.map((gi) => at(line.graders, gi, where, 'grader')),
  };
}

const isCount = (x: unknown): x is number => typeof x === 'number' && Number.isInteger(x) && x >= 0;
const OUTCOMES = /^[PFEN]*$/;

/** The fast check of a stored cell, the same rules as `CompactCell` (which gives the message when it fails). */
function isCompactCell(row: unknown): row is CompactCell {
  if (!Array.isArray(row) || row.length < 10 || row.length > 12) return false;
  for (let i = 0; i < 7; i++) if (!isCount(row[i])) return false;
  const [, , , , , , , scoreSum, outcomes, asserts] = row;
  if (typeof scoreSum !== 'number' || !(scoreSum >= 0) || !Number.isFinite(scoreSum)) return false;
  if (typeof outcomes !== 'string' || !OUTCOMES.test(outcomes) || !Array.isArray(asserts)) return false;
  for (const a of asserts) if (!Array.isArray(a) || a.length < 2 || a.length > 4 || !a.every(isCount)) return false;
  for (let i = 10; i < row.length; i++) if (!Number.isInteger(row[i]) || (row[i] as number) < -1) return false;
  return true;
}

function checkedCell(raw: unknown, where: string): CompactCell {
  const parsed = CompactCell.safeParse(raw, { reportInput: true });
  if (parsed.success) return parsed.data;
  throw new HistoryLineError(issueAt(parsed.error.issues[0]!, CompactCell, [where]));
}

/**
 * A run reduced to what trends draw: per variant × model, the counts summed over its scenarios and the
 * fingerprints they were measured against. A run already reduced is returned as it is.
 *
 * @example
 * totalsOnly(entry).totals?.length // variants × models of the run
 */
export function totalsOnly(entry: HistoryEntry): HistoryEntry {
  if (!entry.cells.length) return entry;
  const byKey = new Map<string, VariantModelTotal>();
  for (const c of entry.cells) {
    const key = [c.agent, c.variantId, c.model].join(SEP);
    let t = byKey.get(key);
    if (!t) {
      t = { ...pick(c), runs: 0, passes: 0, errors: 0, notRun: 0, scoreSum: 0, tests: {}, graders: [] };
      byKey.set(key, t);
    }
    t.runs += c.runs;
    t.passes += c.passes;
    t.errors += c.errors;
    t.notRun += c.notRun;
    t.scoreSum += c.scoreSum;
    t.tests[c.scenarioId] = { scenarioHash: c.scenarioHash, assertionsHash: c.assertionsHash };
    if (c.grader && !t.graders.includes(c.grader)) t.graders.push(c.grader);
  }
  const totals = [...byKey.values()].map((t) => ({ ...t, graders: t.graders.sort() }));
  return { ...entry, cells: [], totals: [...(entry.totals ?? []), ...totals] };
}

function pick(c: ScenarioAggregate) {
  return { variantId: c.variantId, variantHash: c.variantHash, agent: c.agent, model: c.model };
}
