/**
 * The stored form of a history line (pure): `HistoryEntry` ⇄ `CompactHistoryLine` (format 2), and a
 * run reduced to its per-variant × model totals (`history compact`). Format-1 lines are `HistoryEntry`
 * as it is and need no decoding.
 */
import type { HistoryEntry, ScenarioAggregate, VariantModelTotal } from '../schema/aggregate.ts';
import { CELL_TOTALS, type SummedHistoryEntry } from '../report/trends.ts';
import { CompactCell, CompactHistoryLine, type CompactTotal, HISTORY_FORMAT, historyHash } from '../schema/history-line.ts';

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

const SEP = '\u0000';
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
  const cells = (line.cells ?? []).map((raw, n) => decodeCell(line, raw, `cells.${n}`));
  const totals = line.totals?.map((row, n) => decodeTotal(line, row, `totals.${n}`));
  return {
    runId: line.runId,
    time: line.time,
    git: line.git,
    cells,
    ...(totals ? { totals } : {}),
    ...(line.rubricCalibration ? { rubricCalibration: line.rubricCalibration } : {}),
  };
}

/**
 * The entry of a format-2 line, its cells decoded only when something reads them (`reread` gives the
 * stored line again: keeping the text costs a byte a character, decoded cells ≈ 600 bytes each).
 * Until then it carries the cells summed per variant × model (`CELL_TOTALS`), all the trends read.
 * Every cell is checked here, so reading `cells` later never fails.
 *
 * @example
 * const entry = lazyHistoryEntry(line, () => JSON.parse(raw) as CompactHistoryLine);
 * trendSeries([entry]); // no cell decoded
 */
export function lazyHistoryEntry(line: CompactHistoryLine, reread: () => CompactHistoryLine): HistoryEntry {
  const totals = line.totals?.map((row, n) => decodeTotal(line, row, `totals.${n}`));
  const entry: SummedHistoryEntry = {
    runId: line.runId,
    time: line.time,
    git: line.git,
    cells: [],
    ...(totals ? { totals } : {}),
    ...(line.rubricCalibration ? { rubricCalibration: line.rubricCalibration } : {}),
  };
  return decodeCellsOnRead(entry, lineTotals(line), reread);
}

/**
 * Turns `entry.cells` into a getter that decodes them once. Its own function so the getter's closure
 * holds the line's text only, not the parsed line (a closure keeps every variable of its scope that
 * any closure there uses: with `line` in scope, each entry kept its ≈ 600 KB of parsed tuples).
 */
function decodeCellsOnRead(entry: SummedHistoryEntry, summed: VariantModelTotal[], reread: () => CompactHistoryLine): HistoryEntry {
  const settle = (cells: ScenarioAggregate[]) => {
    Object.defineProperty(entry, 'cells', { value: cells, writable: true, enumerable: true, configurable: true });
    delete entry[CELL_TOTALS];
    return cells;
  };
  Object.defineProperty(entry, 'cells', {
    enumerable: true,
    configurable: true,
    get: () => settle(decodeHistoryLine(reread()).cells),
    set: settle,
  });
  Object.defineProperty(entry, CELL_TOTALS, { value: summed, enumerable: false, configurable: true });
  return entry;
}

/** Row `i` of one of the line's tables, or a `HistoryLineError` naming where the index was. */
function at<T>(table: readonly T[] | undefined, i: number, where: string, name: string): T {
  const row = table?.[i];
  if (row === undefined) throw new HistoryLineError(`${where}: ${name} index ${i} is not in "${name}s"`);
  return row;
}

/**
 * A stored cell checked against the rules of `CompactCell` and against the line's tables: every index
 * it holds points at a row. `decodeCell` and `lineTotals` both read cells through it, so a line one of
 * them accepts the other accepts too (a lazily decoded line never fails late).
 */
function checkedRow(line: CompactHistoryLine, raw: unknown, where: string): CompactCell {
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

/**
 * The line's cells summed per variant × model, straight from the stored tuples (no object per cell):
 * what the trends read of a run, and what `totalsOnly` would keep of it. Sums run in cell order and
 * each series takes its agent and prompt fingerprint from its first cell, as `trendSeries` does when it
 * sums decoded cells, so both give the same points. Throws `HistoryLineError` as `decodeHistoryLine` does.
 *
 * @example
 * lineTotals(CompactHistoryLine.parse(JSON.parse(raw))) // [{ variantId: 'reviewer', model: 'm1', runs: 150, … }]
 */
export function lineTotals(line: CompactHistoryLine): VariantModelTotal[] {
  const cells = line.cells ?? [];
  const rows = new Float64Array(cells.length * ROW);
  for (let n = 0; n < cells.length; n++) {
    const [vi, mi, si, runs, passes, errors, notRun, scoreSum, , , gi] = checkedRow(line, cells[n], `cells.${n}`);
    rows.set([vi, mi, si, runs, passes, errors, notRun, scoreSum, gi ?? -1], n * ROW);
  }
  return sumRows(line, rows, cells.length);
}

/** Numbers kept of a cell to sum it: variant, model, scenario, runs, passes, errors, not run, score sum, grader (-1: none). */
export const ROW = 9;

interface Series {
  total: VariantModelTotal;
  /** Per distinct scenario id of the line: 1 + the scenario row of its last cell here (0: none). */
  last: number[];
  /** Per grader of the line: graded a cell here (1). */
  graded: number[];
}

/**
 * `count` checked cells (`ROW` numbers each) summed per variant × model, in cell order: the one place
 * `lineTotals` and `readLineFast` sum. Series that ran the same tests share one `tests` object
 * (read-only: what trends read), so a line costs one record of scenario fingerprints, not one per series.
 */
function sumRows(line: CompactHistoryLine, rows: ArrayLike<number>, count: number): VariantModelTotal[] {
  const { variants, models, scenarios, graders = [] } = line;
  // A line may hold one scenario id twice (two fingerprints): its last cell's wins, as in `cells` order.
  const idIndex = new Map<string, number>();
  const idOf = scenarios.map(([id]) => idIndex.get(id) ?? idIndex.set(id, idIndex.size).size - 1);
  const series: Series[] = [];
  const byKey = new Map<string, number>();
  /** Series index per variant row × model row; two variant rows of one variant id are one series. */
  const seriesOf: number[] = [];
  /** runs, passes, errors, not run, score sum per series: numbers in an array, not fields, in the hot loop. */
  const sums: number[] = [];
  for (let k = 0; k < count * ROW; k += ROW) {
    const vi = rows[k]! | 0;
    const mi = rows[k + 1]! | 0;
    const si = rows[k + 2]! | 0;
    const slot = vi * models.length + mi;
    let s = seriesOf[slot];
    if (s === undefined) {
      const [variantId, agent, variantHash] = variants[vi]!;
      const model = models[mi]!;
      const key = `${variantId}${SEP}${model}`;
      s = byKey.get(key);
      if (s === undefined) {
        s = series.length;
        byKey.set(key, s);
        series.push({
          total: { variantId, variantHash, agent, model, runs: 0, passes: 0, errors: 0, notRun: 0, scoreSum: 0, tests: {}, graders: [] },
          last: new Array<number>(idIndex.size).fill(0),
          graded: new Array<number>(graders.length).fill(0),
        });
        sums.push(0, 0, 0, 0, 0);
      }
      seriesOf[slot] = s;
    }
    for (let f = 0; f < 5; f++) sums[s * 5 + f]! += rows[k + 3 + f]!;
    series[s]!.last[idOf[si]!] = si + 1;
    if (rows[k + 8]! >= 0) series[s]!.graded[rows[k + 8]! | 0] = 1;
  }
  return totalsOf(series, sums, scenarios, graders);
}

/** The series' totals; series with the same tests share one `tests` record. */
function totalsOf(series: Series[], sums: number[], scenarios: CompactHistoryLine['scenarios'], graders: string[]): VariantModelTotal[] {
  const shared: Array<{ last: number[]; tests: VariantModelTotal['tests'] }> = [];
  return series.map(({ total, last, graded }, s) => {
    let tests = shared.find((x) => x.last.every((si, id) => si === last[id]))?.tests;
    if (!tests) {
      tests = {};
      for (const si of last)
        if (si > 0) tests[scenarios[si - 1]![0]] = { scenarioHash: scenarios[si - 1]![1], assertionsHash: scenarios[si - 1]![2] };
      shared.push({ last, tests });
    }
    const [runs, passes, errors, notRun, scoreSum] = sums.slice(s * 5, s * 5 + 5) as [number, number, number, number, number];
    // An empty grader id means none, as a cell without one.
    return { ...total, runs, passes, errors, notRun, scoreSum, tests, graders: graders.filter((g, gi) => graded[gi] && g) };
  });
}

/**
 * A format-2 line read without parsing its cells into arrays: the bytes of `cells` are scanned and
 * summed in place (`scanCells`), the rest of the line parsed and checked as always. A million stored
 * cells otherwise cost a million arrays and their garbage, most of the time of a long history. Only
 * bytes exactly as `JSON.stringify` writes valid cells are taken this way; for anything else (a
 * format-1 line, a damaged line, a blank in the cells) it returns undefined and the caller reads the
 * line the ordinary way, which gives the same entry or names what is wrong.
 *
 * @example
 * readLineFast(Buffer.from(historyLine(entry)), reread)?.runId // entry.runId
 */
export function readLineFast(bytes: Buffer, reread: () => CompactHistoryLine, rows = new CellRows()): HistoryEntry | undefined {
  const key = '"cells":[';
  const found = bytes.indexOf(key);
  if (found < 0) return undefined;
  const open = found + key.length - 1;
  rows.count = 0;
  const max = [-1, -1, -1, -1, -1];
  const end = scanCells(bytes, open, rows, max);
  // A second "cells" anywhere after (a duplicate key would win in JSON.parse) sends the line the slow way.
  if (end < 0 || bytes.indexOf('"cells"', end) >= 0) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(`${bytes.toString('utf8', 0, open)}[]${bytes.toString('utf8', end)}`);
  } catch {
    return undefined;
  }
  const parsed = CompactHistoryLine.safeParse(json);
  if (!parsed.success || parsed.data.cells?.length !== 0 || !fits(parsed.data, max)) return undefined;
  const line = parsed.data;
  const totals = line.totals?.map((row, n) => decodeTotal(line, row, `totals.${n}`));
  const entry: SummedHistoryEntry = {
    runId: line.runId,
    time: line.time,
    git: line.git,
    cells: [],
    ...(totals ? { totals } : {}),
    ...(line.rubricCalibration ? { rubricCalibration: line.rubricCalibration } : {}),
  };
  return decodeCellsOnRead(entry, sumRows(line, rows.numbers, rows.count), reread);
}

/** Whether every index `scanCells` saw points at a row of `line`'s tables. */
function fits(line: CompactHistoryLine, max: number[]): boolean {
  const sizes = [line.variants.length, line.models.length, line.scenarios.length, line.assertions?.length ?? 0, line.graders?.length ?? 0];
  return max.every((m, t) => m < sizes[t]!);
}

const [COMMA, OPEN, CLOSE, QUOTE, MINUS, DOT, ZERO, NINE] = [44, 91, 93, 34, 45, 46, 48, 57];
const [P, F, E, N] = [80, 70, 69, 78];
/** Powers of ten a double holds exactly: `digits / 10^k` is then the correctly rounded value, as JSON.parse gives. */
const EXACT_TENS = Array.from({ length: 23 }, (_, k) => 10 ** k);

/**
 * Where `scanCells` keeps each cell's `ROW` numbers until they are summed: one buffer reused for every
 * line of a history (a new one per line was most of the garbage of reading a long history).
 */
export class CellRows {
  numbers = new Float64Array(1024 * ROW);
  count = 0;
  /** The first number of a new row, growing the buffer when full. */
  next(): number {
    if ((this.count + 1) * ROW > this.numbers.length) {
      const grown = new Float64Array(this.numbers.length * 2);
      grown.set(this.numbers);
      this.numbers = grown;
    }
    return this.count++ * ROW;
  }
}

/**
 * Scans the bytes of a `cells` array from `b[i]` (its `[`) as `JSON.stringify` writes valid cells,
 * keeping each cell's `ROW` numbers in `rows` and the largest index into each table in `max`
 * (variant, model, scenario, assertion, grader). Returns the index after the array, or -1 at any
 * other text: the caller then parses the line, so a stop only costs time. Positions live in locals,
 * not fields: this loop runs for every byte of a long history.
 */
function scanCells(b: Buffer, i: number, rows: CellRows, max: number[]): number {
  if (b[i++] !== OPEN) return -1;
  if (b[i] === CLOSE) return i + 1;
  for (;;) {
    const row = rows.next();
    i = scanCell(b, i, rows.numbers, row, max);
    if (i < 0) return -1;
    const c = b[i++];
    if (c === CLOSE) return i;
    if (c !== COMMA) return -1;
  }
}

function scanCell(b: Buffer, i: number, numbers: Float64Array, row: number, max: number[]): number {
  if (b[i++] !== OPEN) return -1;
  for (let f = 0; f < 7; f++) {
    const end = digitsEnd(b, i);
    const v = intAt(b, i, end);
    if (v < 0 || b[end] !== COMMA) return -1;
    numbers[row + f] = v;
    i = end + 1;
  }
  i = scanScore(b, i, numbers, row + 7);
  if (i < 0 || b[i++] !== COMMA || b[i++] !== QUOTE) return -1;
  for (let c = b[i]; c === P || c === F || c === E || c === N; c = b[++i]);
  if (b[i++] !== QUOTE || b[i++] !== COMMA) return -1;
  i = scanAssertions(b, i, max);
  if (i < 0) return -1;
  // The optional tail: grader (-1: none), carried; each an integer ≥ -1 as `CompactCell` allows.
  numbers[row + 8] = -1;
  for (let f = 0; f < 2 && b[i] === COMMA; f++) {
    const negative = b[++i] === MINUS;
    if (negative) i++;
    const end = digitsEnd(b, i);
    const v = intAt(b, i, end);
    if (v < 0 || (negative && v !== 1)) return -1;
    if (f === 0) numbers[row + 8] = negative ? -1 : v;
    i = end;
  }
  if (b[i++] !== CLOSE) return -1;
  for (let t = 0; t < 3; t++) if (numbers[row + t]! > max[t]!) max[t] = numbers[row + t]!;
  if (numbers[row + 8]! > max[4]!) max[4] = numbers[row + 8]!;
  return i;
}

/**
 * A score sum at `b[i]`: an integer, or digits and a fraction (`2.333333`), never negative, no
 * exponent. With at most 15 digits in all, the digits are an exact integer and `digits / 10^k`
 * rounds once, correctly, to the double JSON.parse reads; longer ones stop the scan.
 */
function scanScore(b: Buffer, i: number, numbers: Float64Array, at: number): number {
  const end = digitsEnd(b, i);
  let v = intAt(b, i, end);
  if (v < 0) return -1;
  if (b[end] !== DOT) {
    numbers[at] = v;
    return end;
  }
  const fractionEnd = digitsEnd(b, end + 1);
  const fraction = fractionEnd - end - 1;
  if (fraction === 0 || end - i + fraction > 15) return -1;
  for (let k = end + 1; k < fractionEnd; k++) v = v * 10 + (b[k]! - ZERO);
  numbers[at] = v / EXACT_TENS[fraction]!;
  return fractionEnd;
}

/** `[[assertion, n(, n(, n))], …]`: counts only, two to four a tuple. */
function scanAssertions(b: Buffer, i: number, max: number[]): number {
  if (b[i++] !== OPEN) return -1;
  if (b[i] === CLOSE) return i + 1;
  for (;;) {
    if (b[i++] !== OPEN) return -1;
    let n = 0;
    for (;;) {
      const end = digitsEnd(b, i);
      const v = intAt(b, i, end);
      if (v < 0) return -1;
      if (n++ === 0 && v > max[3]!) max[3] = v;
      i = end;
      if (b[i] !== COMMA || n === 4) break;
      i++;
    }
    if (n < 2 || b[i++] !== CLOSE) return -1;
    const c = b[i++];
    if (c === CLOSE) return i;
    if (c !== COMMA) return -1;
  }
}

/** Where the run of digits from `b[i]` ends. */
function digitsEnd(b: Buffer, i: number): number {
  while (b[i]! >= ZERO && b[i]! <= NINE) i++;
  return i;
}

/** The integer in `b[start, end)` as JSON writes it (no leading zero, at most 15 digits: exact), or -1. */
function intAt(b: Buffer, start: number, end: number): number {
  const n = end - start;
  if (n === 0 || n > 15 || (n > 1 && b[start] === ZERO)) return -1;
  let v = 0;
  for (let k = start; k < end; k++) v = v * 10 + (b[k]! - ZERO);
  return v;
}

function decodeTotal(line: CompactHistoryLine, row: CompactTotal, where: string): VariantModelTotal {
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
  const parsed = CompactCell.safeParse(raw);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  throw new HistoryLineError(`${[where, ...issue.path.map(String)].join('.')}: ${issue.message}`);
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
