/**
 * Routing suites (`routing/*.yaml`, `routing/*.csv`): sibling agents and the cases that say which of them
 * should take each request, or `none`. Parsed, validated with one zod schema for both formats, every
 * problem reported as one line at file:line (YAML) or file:row:column (CSV) with its field. The format is
 * documented in docs/routing.md.
 */
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import type { z } from 'zod';
import { formatPlace, isUserError, type Place, ScenarioError, UserErrors, type UserError } from '../errors.ts';
import type { ScenarioWorkspace } from '../schema/loaded-scenario.ts';
import { type LoadedRoutingSuite, NONE, RoutingCase, RoutingSuiteFile } from '../schema/routing.ts';
import { didYouMean } from '../shared/closest.ts';
import { findFiles, readTextFile, relPath } from './files.ts';
import { loadWorkspace } from './scenarios.ts';
import { explainYamlError } from './yaml-hint.ts';
import { describeIssueText, formatPath } from '../shared/issue-text.ts';
import { isYamlError, parseYamlSource } from './yaml-source.ts';

const EXTENSIONS = ['.yaml', '.yml', '.csv'];
const ROUTING_COLUMNS = ['id', 'request', 'expect', 'tags', 'note', 'not'] as const;
const REQUIRED = ['id', 'request', 'expect'] as const;

/**
 * Loads the routing suites: the files `files` names (paths or globs relative to the project root, as an eval
 * config's `routing:` lists them), or every file under `routing/` when `files` is undefined. With `agentNames`,
 * a suite agent or expectation that names no agent is an error naming the closest one.
 *
 * @example
 * const { suites } = await loadRoutingSuites('/repo', { files: ['routing/backend.yaml'], agentNames: ['backend-architect', …] });
 * suites[0].cases[0].expect // 'backend-architect'
 */
export async function loadRoutingSuites(
  root: string,
  opts: { files?: readonly string[]; agentNames?: readonly string[]; configFile?: string } = {},
): Promise<{ suites: LoadedRoutingSuite[]; warnings: string[] }> {
  const all = await findFiles(path.join(root, 'routing'), EXTENSIONS);
  const wanted = opts.files ? await selectFiles(root, all, opts.files, opts.configFile) : all;
  const errors: UserError[] = [];
  const suites: LoadedRoutingSuite[] = [];
  for (const abs of wanted) {
    const file = relPath(root, abs);
    try {
      const { text } = await readTextFile(abs, file);
      const known = opts.agentNames;
      suites.push(await (abs.toLowerCase().endsWith('.csv') ? readCsvSuite(text, file, known) : readYamlSuite(text, file, root, known)));
    } catch (err) {
      if (!isUserError(err)) throw err;
      errors.push(...(err instanceof UserErrors ? err.errors : [err]));
    }
  }
  const seen = new Map<string, LoadedRoutingSuite>();
  for (const s of suites) {
    const other = seen.get(s.name);
    if (other)
      errors.push(
        new ScenarioError(`suite "${s.name}" is also defined in ${other.file}; give each suite its own name`, {
          file: s.file,
          line: 1,
          field: 'suite',
        }),
      );
    seen.set(s.name, s);
  }
  if (errors.length === 1) throw errors[0];
  if (errors.length > 1) throw new UserErrors(errors);
  return { suites, warnings: suites.flatMap(unexpectedAgents) };
}

/** The files an eval config's `routing:` names: each entry must match at least one suite file. */
async function selectFiles(root: string, all: string[], patterns: readonly string[], configFile?: string): Promise<string[]> {
  const picomatch = (await import('picomatch')).default;
  const rel = all.map((abs) => relPath(root, abs));
  const out = new Set<string>();
  const errors: UserError[] = [];
  for (const [i, p] of patterns.entries()) {
    const hits = rel.filter((f) => f === p || picomatch.isMatch(f, p));
    if (hits.length === 0)
      errors.push(
        new ScenarioError(`"${p}" matches no routing suite${didYouMean(p, rel)}; expected a file under routing/ (.yaml, .yml or .csv)`, {
          ...(configFile ? { file: configFile } : {}),
          field: `routing[${i}]`,
        }),
      );
    for (const h of hits) out.add(h);
  }
  if (errors.length) throw errors.length === 1 ? errors[0] : new UserErrors(errors);
  return [...out].sort().map((f) => path.join(root, f));
}

/** Suite agents no case expects: their precision and recall are never measured. */
function unexpectedAgents(suite: LoadedRoutingSuite): string[] {
  const expected = new Set(suite.cases.map((c) => c.expect));
  return suite.agents
    .map((a, i) => ({ a, line: suite.agentLines[i] }))
    .filter(({ a }) => !expected.has(a))
    .map(
      ({ a, line }) =>
        `${formatPlace({ file: suite.file, ...(line ? { line } : {}), field: 'agents' })}"${a}" is expected by no case of suite "${suite.name}": its recall is never measured; add a case that it should take`,
    );
}

function unknownAgents(suite: Pick<LoadedRoutingSuite, 'agents' | 'agentLines' | 'file'>, known: readonly string[]): UserError[] {
  const errors: UserError[] = [];
  for (const [i, a] of suite.agents.entries()) {
    if (!known.includes(a))
      errors.push(
        new ScenarioError(`"${a}" is no agent found${didYouMean(a, known)}; expected the name of an agent under the agents folders`, {
          file: suite.file,
          ...(suite.agentLines[i] ? { line: suite.agentLines[i] } : {}),
          field: `agents[${i}]`,
        }),
      );
  }
  return errors;
}

/** Checks that don't fit the schema: unique ids, expectations among the suite's agents, one expectation per request. */
function checkCases(
  suite: Omit<LoadedRoutingSuite, 'cases'>,
  cases: LoadedRoutingSuite['cases'],
  placeOf: (index: number, field: string) => Place,
): UserError[] {
  const errors: UserError[] = [];
  const ids = new Map<string, number>();
  const requests = new Map<string, number>();
  const choices = [...suite.agents, NONE];
  for (const [i, c] of cases.entries()) {
    const at = (field: string) => placeOf(i, field);
    const twin = ids.get(c.id);
    if (twin !== undefined)
      errors.push(new ScenarioError(`duplicate case id "${c.id}" (also ${formatWhere(placeOf(twin, 'id'))})`, at('id')));
    ids.set(c.id, i);
    if (!choices.includes(c.expect))
      errors.push(
        new ScenarioError(
          `"${c.expect}" is not an agent of the suite${didYouMean(c.expect, choices)}; expected one of ${choices.join(', ')}`,
          at('expect'),
        ),
      );
    const key = c.request.replace(/\s+/g, ' ').trim().toLowerCase();
    const same = requests.get(key);
    if (same !== undefined && cases[same]!.expect !== c.expect)
      errors.push(
        new ScenarioError(
          `the same request as case "${cases[same]!.id}" (${formatWhere(placeOf(same, 'request'))}) expects "${cases[same]!.expect}" there and "${c.expect}" here; expected one decision per request`,
          at('expect'),
        ),
      );
    requests.set(key, i);
  }
  return errors;
}

const formatWhere = (p: Place) => formatPlace({ ...p, field: undefined }).replace(/: $/, '');

async function readYamlSuite(text: string, file: string, root: string, known?: readonly string[]): Promise<LoadedRoutingSuite> {
  const src = parseYamlSource(text);
  if (isYamlError(src)) {
    const e = explainYamlError(text, src.errors[0]!);
    throw new ScenarioError(`broken YAML: ${e.message}`, { file, line: e.line, column: e.column });
  }
  if (src.data === null || src.data === undefined)
    throw new ScenarioError('empty routing suite; expected `agents:` and `cases:`', { file, line: 1 });
  const place = (p: readonly PropertyKey[]): Place => ({ file, field: formatPath(p) || undefined, ...src.placeOf(p) });
  const checked = RoutingSuiteFile.safeParse(src.data, { reportInput: true });
  if (!checked.success)
    throw collect(checked.error.issues, RoutingSuiteFile, (issue) =>
      issue.code === 'unrecognized_keys'
        ? { file, field: formatPath(issue.path) || undefined, ...src.keyPlaceOf([...issue.path, issue.keys[0]!]) }
        : place(issue.path),
    );
  const data = checked.data;
  const name = data.suite ?? stem(file);
  const cases = data.cases.map((c, i) => ({ ...c, line: src.placeOf(['cases', i]).line ?? 1 }));
  const agentLines = data.agents.map((_, i) => src.placeOf(['agents', i]).line ?? 0);
  const base = { name, file, agents: data.agents, agentLines };
  const errors = checkCases(base, cases, (i, field) => place(['cases', i, field]));
  if (known) errors.push(...unknownAgents(base, known));
  let workspace: ScenarioWorkspace | undefined;
  if (data.workspace) {
    try {
      workspace = await loadWorkspace(data.workspace, path.dirname(path.join(root, file)), root, []);
    } catch (err) {
      if (!isUserError(err)) throw err;
      errors.push(new ScenarioError(err.detail, place(['workspace'])));
    }
  }
  if (errors.length) throw errors.length === 1 ? errors[0] : new UserErrors(errors);
  return { ...base, ...(workspace ? { workspace } : {}), cases };
}

/**
 * A CSV suite: one case per row (columns id, request, expect, tags, note, not; `|` separates list cells).
 * Its agents are the ones its cases expect; a suite with an agent no case expects needs the YAML form.
 */
function readCsvSuite(text: string, file: string, known?: readonly string[]): LoadedRoutingSuite {
  let records: Array<{ record: string[]; info: { lines: number; records: number } }>;
  try {
    records = parse(text, { info: true, skip_empty_lines: true, relax_column_count: true }) as unknown as typeof records;
  } catch (err) {
    const e = err as { message: string; records?: number };
    throw new ScenarioError(`broken CSV: ${e.message.replace(/ at line \d+/, '').split(':')[0]}`, { file, row: (e.records ?? 0) + 1 });
  }
  const [header, ...body] = records;
  if (!header) throw new ScenarioError('empty CSV file; expected a header row', { file, row: 1 });
  const columns = header.record.map((c) => c.trim().toLowerCase());
  const errors: UserError[] = [];
  for (const [col, name] of columns.entries())
    if (!(ROUTING_COLUMNS as readonly string[]).includes(name))
      errors.push(
        new ScenarioError(
          `unknown column "${header.record[col]}"${didYouMean(name, ROUTING_COLUMNS)}; expected ${ROUTING_COLUMNS.join(', ')}`,
          { file, row: 1, column: col + 1, field: name },
        ),
      );
  for (const r of REQUIRED)
    if (!columns.includes(r))
      errors.push(new ScenarioError(`missing required column "${r}"; the header must name ${REQUIRED.join(', ')}`, { file, row: 1 }));
  if (errors.length) throw errors.length === 1 ? errors[0] : new UserErrors(errors);
  if (body.length === 0) throw new ScenarioError('no case rows under the header; expected one row per case', { file, row: 2 });
  const cellAt = (row: number, field: string): Place => {
    const col = columns.indexOf(field);
    return { file, row, ...(col >= 0 ? { column: col + 1 } : {}), field };
  };
  const cases: LoadedRoutingSuite['cases'] = [];
  const rows: number[] = [];
  for (const { record, info } of body) {
    const row = info.records;
    if (record.length !== columns.length) {
      errors.push(new ScenarioError(`expected ${columns.length} cells as in the header, got ${record.length}`, { file, row }));
      continue;
    }
    const data: Record<string, unknown> = {};
    for (const [col, name] of columns.entries()) {
      const cell = record[col]!.trim();
      if (!cell) continue;
      data[name] =
        name === 'tags' || name === 'not'
          ? cell
              .split('|')
              .map((x) => x.trim())
              .filter(Boolean)
          : cell;
    }
    const checked = RoutingCase.safeParse(data, { reportInput: true });
    if (!checked.success) {
      errors.push(...checked.error.issues.map((issue) => new ScenarioError(csvIssue(issue), cellAt(row, String(issue.path[0] ?? 'id')))));
      continue;
    }
    cases.push({ ...checked.data, line: info.lines, row });
    rows.push(row);
  }
  if (errors.length) throw errors.length === 1 ? errors[0] : new UserErrors(errors);
  const agents = [...new Set(cases.map((c) => c.expect).filter((e) => e !== NONE))];
  const base = { name: stem(file), file, agents, agentLines: agents.map(() => 0) };
  const more = checkCases(base, cases, (i, field) => cellAt(rows[i]!, field));
  if (known)
    for (const [i, c] of cases.entries())
      if (c.expect !== NONE && !known.includes(c.expect))
        more.push(
          new ScenarioError(
            `"${c.expect}" is no agent found${didYouMean(c.expect, known)}; expected the name of an agent under the agents folders`,
            cellAt(rows[i]!, 'expect'),
          ),
        );
  if (agents.length < 2)
    more.push(new ScenarioError(`its cases expect ${agents.length} agent(s); expected at least two sibling agents`, cellAt(2, 'expect')));
  if (more.length) throw more.length === 1 ? more[0] : new UserErrors(more);
  return { ...base, cases };
}

function csvIssue(issue: z.core.$ZodIssue): string {
  if (issue.code === 'invalid_type' && issue.input === undefined)
    return `empty cell; expected ${issue.path[0] === 'expect' ? 'an agent of the suite, or none' : `a ${issue.expected}`}`;
  return describeIssueText(issue, RoutingCase);
}

function collect(issues: z.core.$ZodIssue[], schema: z.ZodType, placeOf: (issue: z.core.$ZodIssue) => Place): UserError {
  const errors = issues.map((issue) => new ScenarioError(describeIssueText(issue, schema), placeOf(issue)));
  return errors.length === 1 ? errors[0]! : new UserErrors(errors);
}

const stem = (file: string) => path.basename(file).replace(/\.(ya?ml|csv)$/i, '');
