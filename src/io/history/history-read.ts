/**
 * Reading stored history lines for the report (pure): entries whose cells are decoded only when read,
 * each run's cells summed per variant × model for the trends (`cellTotals`), and the scanner that
 * sums a format-2 line's cells straight from its bytes. `history-codec.ts` is the stored form itself.
 */
import type { ScenarioAggregate, VariantModelTotal } from '../../schema/aggregate.ts';
import { CompactHistoryLine, HISTORY_FORMAT } from '../../schema/history-line.ts';
import type { ReadHistoryEntry } from '../../schema/read-history-entry.ts';
import { checkedRow, decodeHistoryLine, decodeTotal, SEP } from './history-codec.ts';

/**
 * The entry of a format-2 line, its cells decoded only when something reads them (`reread` gives the
 * stored line again: keeping the text costs a byte a character, decoded cells ≈ 600 bytes each).
 * Until then it carries the cells summed per variant × model (`cellTotals`), all the trends read.
 * Every cell is checked here, so reading `cells` later never fails.
 *
 * @example
 * const entry = lazyHistoryEntry(line, () => JSON.parse(raw) as CompactHistoryLine);
 * trendSeries([entry]); // no cell decoded
 */
export function lazyHistoryEntry(line: CompactHistoryLine, reread: () => CompactHistoryLine): ReadHistoryEntry {
  const entry = entryHead(line);
  return decodeCellsOnRead(entry, lineTotals(line), reread);
}

/**
 * Turns `entry.cells` into a getter that decodes them once. Its own function so the getter's closure
 * holds the line's text only, not the parsed line (a closure keeps every variable of its scope that
 * any closure there uses: with `line` in scope, each entry kept its ≈ 600 KB of parsed tuples).
 */
function decodeCellsOnRead(entry: ReadHistoryEntry, summed: VariantModelTotal[], reread: () => CompactHistoryLine): ReadHistoryEntry {
  const settle = (cells: ScenarioAggregate[]) => {
    Object.defineProperty(entry, 'cells', { value: cells, writable: true, enumerable: true, configurable: true });
    delete entry.cellTotals;
    return cells;
  };
  Object.defineProperty(entry, 'cells', {
    enumerable: true,
    configurable: true,
    get: () => settle(decodeHistoryLine(reread()).cells),
    set: settle,
  });
  Object.defineProperty(entry, 'cellTotals', { value: summed, writable: true, enumerable: false, configurable: true });
  return entry;
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
    const [vi, mi, si, runs, passes, errors, notRun, scoreSum, , , gi] = checkedRow(line, cells[n], `cells[${n}]`);
    rows.set([vi, mi, si, runs, passes, errors, notRun, scoreSum, gi ?? -1], n * ROW);
  }
  return sumRows(line, rows, cells.length);
}

/** Numbers kept of a cell to sum it: variant, model, scenario, runs, passes, errors, not run, score sum, grader (-1: none). */
const ROW = 9;

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
    let tests = shared.find((x) => sameNumbers(x.last, last))?.tests;
    if (!tests) {
      tests = {};
      for (const si of last)
        if (si > 0) tests[scenarios[si - 1]![0]] = { scenarioHash: scenarios[si - 1]![1], assertionsHash: scenarios[si - 1]![2] };
      shared.push({ last, tests });
    }
    [total.runs, total.passes, total.errors, total.notRun, total.scoreSum] = sums.slice(s * 5, s * 5 + 5) as [
      number,
      number,
      number,
      number,
      number,
    ];
    total.tests = tests;
    // An empty grader id means none, as a cell without one.
    for (let gi = 0; gi < graded.length; gi++) if (graded[gi] && graders[gi]) total.graders.push(graders[gi]!);
    return total;
  });
}

function sameNumbers(a: number[], b: number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

const LINE_KEYS = new Set(['v', 'runId', 'time', 'git', 'variants', 'models', 'scenarios', 'graders', 'assertions', 'cells', 'latency']);
const GIT_KEYS = new Set(['commit', 'branch', 'dirty']);
const isObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);
const isStrings = (x: unknown): x is string[] => Array.isArray(x) && x.every((s) => typeof s === 'string');
const isRows = (x: unknown): x is Array<[string, string, string]> => Array.isArray(x) && x.every((r) => isStrings(r) && r.length === 3);

/**
 * The common line, checked by hand: only what `CompactHistoryLine` accepts as it is (no totals, no
 * rubric calibration, no other key); anything else is left to zod. zod on the tables of a thousand
 * lines cost a fifth of reading them.
 */
function isPlainLine(x: unknown): x is CompactHistoryLine {
  if (!isObject(x) || !Object.keys(x).every((k) => LINE_KEYS.has(k))) return false;
  const git = x.git;
  if (!isObject(git) || !Object.keys(git).every((k) => GIT_KEYS.has(k))) return false;
  if (!['commit', 'branch'].every((k) => git[k] === undefined || typeof git[k] === 'string')) return false;
  if (git.dirty !== undefined && typeof git.dirty !== 'boolean') return false;
  return (
    x.v === HISTORY_FORMAT &&
    typeof x.runId === 'string' &&
    typeof x.time === 'string' &&
    isRows(x.variants) &&
    isStrings(x.models) &&
    isRows(x.scenarios) &&
    (x.graders === undefined || isStrings(x.graders)) &&
    (x.assertions === undefined || isStrings(x.assertions)) &&
    Array.isArray(x.cells) &&
    (x.latency === undefined || (Array.isArray(x.latency) && x.latency.every(isLatencyRow)))
  );
}

const isCount = (x: unknown) => typeof x === 'number' && Number.isInteger(x) && x > 0;
const isMs = (x: unknown) => typeof x === 'number' && x >= 0;
const LATENCY_KEYS = new Set(['agent', 'variantId', 'model', 'n', 'p50', 'p95', 'turn']);
const TURN_KEYS = new Set(['n', 'p50', 'p95']);

/** A `latency` row as `LatencyFigures` accepts it, checked by hand like the rest of a plain line. */
function isLatencyRow(x: unknown): boolean {
  if (!isObject(x) || !Object.keys(x).every((k) => LATENCY_KEYS.has(k))) return false;
  const turn = x.turn;
  const turnOk =
    turn === undefined ||
    (isObject(turn) && Object.keys(turn).every((k) => TURN_KEYS.has(k)) && isCount(turn.n) && isMs(turn.p50) && isMs(turn.p95));
  return (
    typeof x.agent === 'string' &&
    typeof x.variantId === 'string' &&
    typeof x.model === 'string' &&
    isCount(x.n) &&
    isMs(x.p50) &&
    isMs(x.p95) &&
    turnOk
  );
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
export function readLineFast(bytes: Buffer, reread: () => CompactHistoryLine, rows = new CellRows()): ReadHistoryEntry | undefined {
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
  const line = isPlainLine(json) ? json : CompactHistoryLine.safeParse(json).data;
  if (line?.cells?.length !== 0 || !fits(line, max)) return undefined;
  const entry = entryHead(line);
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

/** A line's entry without its cells (decoded only when read): run, time, git, totals, calibration. */
function entryHead(line: CompactHistoryLine): ReadHistoryEntry {
  const totals = line.totals?.map((row, n) => decodeTotal(line, row, `totals[${n}]`));
  return {
    runId: line.runId,
    time: line.time,
    git: line.git,
    cells: [],
    ...(totals ? { totals } : {}),
    ...(line.rubricCalibration ? { rubricCalibration: line.rubricCalibration } : {}),
    ...(line.latency ? { latency: line.latency } : {}),
  };
}
