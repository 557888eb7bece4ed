/**
 * CSV scenario files: one scenario per row, fixed columns plus one column per assertion kind.
 * Rows become the same plain objects a YAML file holds, so one zod schema checks both; every value
 * keeps the column it came from so a schema problem is reported at file:row:column.
 * The format is documented in docs/scenarios.md.
 */
import { parse } from 'csv-parse/sync';
import type { Place } from '../errors.ts';
import { ASSERTION_KINDS, type AssertionKind } from '../schema/scenario.ts';
import { didYouMean } from '../shared/closest.ts';

const REQUIRED_COLUMNS = ['id', 'title', 'request'] as const;
const SCENARIO_COLUMNS = ['id', 'title', 'agent', 'tags', 'request', 'weight', 'threshold', 'critical', 'pass', 'fail'] as const;

/** Kinds whose cell is one list value (`JWT|OAuth2` → `value: [JWT, OAuth2]`). */
const LIST_KINDS: readonly AssertionKind[] = ['mentions', 'mentions-all', 'contains-any', 'contains-all'];
/** Kinds whose `|`-separated values are one assertion each. */
const EACH_KINDS: readonly AssertionKind[] = ['contains', 'icontains', 'not-contains', 'starts-with', 'has-code-block'];
/** Kinds whose cell is one value as written: a pattern, code or prose, where `|` means itself. */
const WHOLE_KINDS: readonly AssertionKind[] = ['regex', 'not-regex', 'has-section', 'javascript', 'rubric'];
/** Kinds switched on by `yes`. */
const FLAG_KINDS: readonly AssertionKind[] = ['is-json', 'has-table'];

interface CsvRow {
  data: Record<string, unknown>;
  row: number;
  /** Line of the file where the row starts. */
  line: number;
  /** Where a schema path points: the cell that produced it. */
  placeOf(path: readonly PropertyKey[]): Place;
}

interface CsvProblem {
  message: string;
  place: Place;
}

/** Splits a cell on `|`; `\|` is a literal bar. Empty parts are dropped. */
export function splitCell(cell: string): string[] {
  return cell
    .split(/(?<!\\)\|/)
    .map((p) => p.replace(/\\\|/g, '|').trim())
    .filter(Boolean);
}

const cellPlace = (file: string, row: number, col: number, name: string): Place => ({ file, row, column: col + 1, field: name });

/** Unknown, repeated and missing columns of the header row. */
function headerProblems(columns: string[], header: string[], file: string): CsvProblem[] {
  const known: readonly string[] = [...SCENARIO_COLUMNS, ...ASSERTION_KINDS];
  const problems: CsvProblem[] = [];
  columns.forEach((name, col) => {
    if (!known.includes(name)) {
      problems.push({
        message: `unknown column "${header[col]}"${didYouMean(name, known)}; expected ${SCENARIO_COLUMNS.join(', ')} or an assertion kind`,
        place: cellPlace(file, 1, col, header[col] ?? ''),
      });
    } else if (columns.indexOf(name) !== col) {
      problems.push({
        message: `column "${name}" appears twice (also column ${columns.indexOf(name) + 1})`,
        place: cellPlace(file, 1, col, name),
      });
    }
  });
  for (const required of REQUIRED_COLUMNS) {
    if (!columns.includes(required))
      problems.push({
        message: `missing required column "${required}"; the header must name ${REQUIRED_COLUMNS.join(', ')}`,
        place: { file, row: 1 },
      });
  }
  return problems;
}

/**
 * Parses CSV text into scenario-shaped rows, or the problems that stop it: a missing required column,
 * an unknown column (with the closest known name), a cell that cannot be read, broken quoting.
 */
export function readScenarioCsv(text: string, file: string): { rows: CsvRow[]; problems: CsvProblem[] } {
  let records: Array<{ record: string[]; info: { lines: number; records: number } }>;
  try {
    // With `info: true` csv-parse returns `{ record, info }` objects; its typings do not say so.
    records = parse(text, { info: true, skip_empty_lines: true, relax_column_count: true }) as unknown as typeof records;
  } catch (err) {
    const e = err as { message: string; records?: number; index?: number };
    const message = e.message.replace(/ at line \d+/, '').split(':')[0] ?? e.message;
    const row = (e.records ?? 0) + 1;
    return {
      rows: [],
      problems: [{ message: `broken CSV: ${message}`, place: { file, row, ...(e.index !== undefined ? { column: e.index + 1 } : {}) } }],
    };
  }
  const [header, ...body] = records;
  if (!header) return { rows: [], problems: [{ message: 'empty CSV file; expected a header row', place: { file, row: 1 } }] };
  const columns = header.record.map((c) => c.trim().toLowerCase());
  const problems = headerProblems(columns, header.record, file);
  if (problems.length) return { rows: [], problems };
  // A header and nothing else is a suite that silently runs nothing: say so.
  if (body.length === 0)
    return {
      rows: [],
      problems: [{ message: 'no scenario rows under the header; expected one row per scenario', place: { file, row: 2 } }],
    };

  const rows: CsvRow[] = [];
  for (const { record, info } of body) {
    const row = info.records;
    const line = info.lines - record.reduce((n, cell) => n + (cell.match(/\n/g)?.length ?? 0), 0);
    if (record.length !== columns.length) {
      problems.push({ message: `expected ${columns.length} cells as in the header, got ${record.length}`, place: { file, row } });
      continue;
    }
    const built = buildRow(columns, record, file, row);
    problems.push(...built.problems);
    if (built.problems.length === 0) rows.push({ data: built.data, row, line, placeOf: built.placeOf });
  }
  return { rows, problems };
}

/** The assertions one filled-in assertion column stands for, or what was expected instead. */
function assertionsOfCell(kind: AssertionKind, cell: string): Array<Record<string, unknown>> | string {
  if (LIST_KINDS.includes(kind)) return [{ type: kind, value: splitCell(cell) }];
  if (kind === 'has-code-block' && /^(yes|true|x|any|\*)$/i.test(cell)) return [{ type: kind }];
  if (EACH_KINDS.includes(kind)) return splitCell(cell).map((value) => ({ type: kind, value }));
  if (WHOLE_KINDS.includes(kind)) return [{ type: kind, value: cell }];
  if (FLAG_KINDS.includes(kind)) {
    if (/^(yes|true|x|1)$/i.test(cell)) return [{ type: kind }];
    return /^(no|false|0)$/i.test(cell) ? [] : `expected yes or no, got "${cell}"`;
  }
  if (kind === 'asks-clarifying-questions') {
    const n = /^(yes|true|x)$/i.test(cell) ? 1 : Number(cell);
    if (Number.isInteger(n) && n >= 1) return [{ type: kind, min: n }];
    return `expected the fewest questions as a whole number (e.g. 2) or yes, got "${cell}"`;
  }
  if (kind === 'word-count') {
    const m = /^(\d*)\s*(?:-|\.\.|–)\s*(\d*)$/.exec(cell);
    if (m && (m[1] || m[2])) return [{ type: kind, ...(m[1] ? { min: Number(m[1]) } : {}), ...(m[2] ? { max: Number(m[2]) } : {}) }];
    return `expected a range of words like 200-800, 200- or -800, got "${cell}"`;
  }
  return [];
}

/** The `pass` and `fail` cells: reference answers, one per cell with a newline, else separated by `|`. */
function examplesOfRow(columns: string[], record: string[]) {
  let examples: Record<string, string[]> | undefined;
  const exampleCols: Record<string, number> = {};
  for (const side of ['pass', 'fail'] as const) {
    const col = columns.indexOf(side);
    const cell = col >= 0 ? record[col]!.trim() : '';
    if (!cell) continue;
    exampleCols[side] = col;
    // A cell with a newline is one inline answer (it may hold Markdown tables); otherwise `|` separates.
    examples = { ...examples, [side]: cell.includes('\n') ? [cell] : splitCell(cell) };
  }
  return { examples, exampleCols };
}

/** The `critical` cell names assertion kinds of the row: those assertions become critical. */
function markCritical(kinds: string[], assert: Array<Record<string, unknown>>, bad: (message: string) => void): void {
  for (const name of kinds) {
    const hits = assert.filter((a) => a.type === name);
    if (hits.length === 0) bad(`"${name}" names no assertion column filled in this row; expected assertion kinds, separated by |`);
    for (const a of hits) a.critical = true;
  }
}

function buildRow(columns: string[], record: string[], file: string, row: number) {
  const data: Record<string, unknown> = {};
  const problems: CsvProblem[] = [];
  const colOf = (name: string) => columns.indexOf(name);
  const bad = (col: number, message: string) => problems.push({ message, place: cellPlace(file, row, col, columns[col]!) });
  const assert: Array<Record<string, unknown>> = [];
  const assertCol: number[] = [];
  const push = (col: number, a: Record<string, unknown>) => {
    assert.push(a);
    assertCol.push(col);
  };

  columns.forEach((name, col) => {
    const cell = record[col]!.trim();
    if (!cell) return;
    switch (name) {
      case 'id':
      case 'title':
      case 'request':
        data[name] = cell;
        return;
      case 'agent': {
        const agents = splitCell(cell);
        data.agent = agents.length === 1 ? agents[0] : agents;
        return;
      }
      case 'tags':
        data.tags = splitCell(cell);
        return;
      case 'weight':
      case 'threshold':
        data[name] = Number.isFinite(Number(cell)) ? Number(cell) : cell;
        return;
      case 'critical':
      case 'pass':
      case 'fail':
        return; // after the assertions and as examples, below
    }
    const parsed = assertionsOfCell(name as AssertionKind, cell);
    if (typeof parsed === 'string') bad(col, parsed);
    else for (const a of parsed) push(col, a);
  });

  const critCol = colOf('critical');
  if (critCol >= 0) markCritical(splitCell(record[critCol]!), assert, (message) => bad(critCol, message));
  if (assert.length) data.assert = assert;

  const { examples, exampleCols } = examplesOfRow(columns, record);
  if (examples) data.examples = examples;

  const placeOf = (path: readonly PropertyKey[]): Place => {
    const [top, index] = path;
    let col = typeof top === 'string' ? colOf(top) : -1;
    if (top === 'assert' && typeof index === 'number') col = assertCol[index] ?? -1;
    if (top === 'examples' && typeof index === 'string') col = exampleCols[index] ?? -1;
    if (top === 'messages' || top === 'request') col = colOf('request');
    return col >= 0 ? cellPlace(file, row, col, columns[col]!) : { file, row };
  };
  return { data, problems, placeOf };
}
