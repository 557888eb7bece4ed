/**
 * Architecture rules as data (docs/architecture.md shows `UNITS` rendered by `renderTable`, checked below;
 * after changing `UNITS`, `UPDATE_ARCHITECTURE_DOC=1 npx vitest run test/architecture.test.ts` rewrites it):
 * - `UNITS`: every folder of src/ (and each top-level file) with what it may import; an import outside
 *   the table fails, and so does a folder or file the table does not name;
 * - the pure units reach no I/O, transitively: nothing they import, nor anything that imports, opens a
 *   file, a socket, a child process, the process or the machine;
 * - no import cycles, type-only imports included; a command never imports another command (a command is
 *   `commands/<name>.ts`; the files of `commands/<name>/` are its parts, for it alone);
 * - promptfoo and the agent programs' SDKs are imported only in `execute/`;
 * - only `src/cli.ts` touches the process (exit code, argv, signals, environment);
 * - a comment or doc naming a source file (`src/x/y.ts`, `report/html/html.ts`) names one that exists, and one
 *   pointing at a line (`cli.ts:52`) at a line the file has.
 * `FORBIDDEN_PROBES` are imports that must stay forbidden: each is checked against the rules here.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from './support/project-fixture.ts';

type Unit =
  | 'cli.ts'
  | 'program.ts'
  | 'context.ts'
  | 'errors.ts'
  | 'commands'
  | 'schema'
  | 'shared'
  | 'assertions'
  | 'load'
  | 'lint'
  | 'plan'
  | 'calibrate'
  | 'execute'
  | 'io/fs'
  | 'io/run'
  | 'io/history'
  | 'io/baseline'
  | 'io/git'
  | 'io/calibration'
  | 'io/reports'
  | 'init'
  | 'finish'
  | 'score'
  | 'report'
  | 'report/model'
  | 'report/text'
  | 'report/markdown'
  | 'report/html'
  | 'report/junit';

/**
 * Folders split into units of their own, one per subfolder (`io/run/`, `report/html/`; deeper folders belong
 * to their subfolder's unit). A file directly in such a folder belongs to the folder's unit (`report`).
 */
const SPLIT_FOLDERS = ['io', 'report'];
/** What a unit may import: a unit, or a split folder (`io`: each of its units). */
type Dep = Unit | 'io';

interface UnitRule {
  job: string;
  /** Pure: takes data, returns data. Reaches no I/O module, transitively. */
  pure: boolean;
  mayImport: Dep[];
}

/** The import table. A unit may always import its own files. */
const UNITS: Record<Unit, UnitRule> = {
  'cli.ts': {
    job: 'the entry: hands the process (argv, env, streams, signals) to `program.ts`, sets the exit code',
    pure: false,
    // execute: where promptfoo loads from depends on where the entry runs (dist/ or src/).
    mayImport: ['program.ts', 'execute'],
  },
  'program.ts': {
    job: 'the command line as a function: argv → one command → exit code; the one error printer',
    pure: false,
    mayImport: ['commands', 'context.ts', 'errors.ts', 'schema', 'shared'],
  },
  'context.ts': { job: 'what a command gets from outside: root, env, writers, signal', pure: true, mayImport: [] },
  'errors.ts': { job: 'user-facing error classes with a stable code, file and place', pure: true, mayImport: [] },
  commands: {
    job: 'one file per subcommand (a folder beside it when it composes more: `eval/`): compose stages, return an exit code',
    pure: false,
    mayImport: [
      'context.ts',
      'errors.ts',
      'schema',
      'shared',
      'assertions',
      'load',
      'lint',
      'plan',
      'calibrate',
      'execute',
      'io',
      'init',
      'finish',
      'score',
      'report',
    ],
  },
  schema: {
    job: 'zod schemas and plain types (`z.infer` types are the only input types)',
    pure: true,
    mayImport: ['errors.ts', 'shared'],
  },
  shared: {
    job: 'small pure helpers used everywhere (secrets, stable JSON, console and issue text)',
    pure: true,
    mayImport: ['errors.ts'],
  },
  assertions: {
    job: 'the assertion kinds: handlers, grading prompt, trajectory checks',
    pure: true,
    mayImport: ['errors.ts', 'schema', 'shared'],
  },
  load: {
    job: 'file → validated object (parse + zod, one-line errors)',
    pure: false,
    mayImport: ['context.ts', 'errors.ts', 'schema', 'shared', 'assertions', 'io'],
  },
  lint: { job: 'offline checks of agent files', pure: false, mayImport: ['errors.ts', 'schema', 'shared', 'load'] },
  plan: {
    job: 'pure: what runs (matrix, shard, affected set, cell plans, resume check)',
    pure: true,
    mayImport: ['errors.ts', 'schema', 'shared', 'assertions', 'score'],
  },
  calibrate: {
    job: 'scenario assertions against their reference answers (rubrics: with the grader)',
    pure: false,
    mayImport: ['errors.ts', 'schema', 'shared', 'assertions', 'load', 'plan', 'execute', 'io'],
  },
  execute: {
    job: 'the engine seam: promptfoo, agent runtimes, sandbox, recordings, probes, progress',
    pure: false,
    mayImport: ['context.ts', 'errors.ts', 'schema', 'shared', 'assertions', 'plan', 'io'],
  },
  'io/fs': {
    job: 'the file system: atomic writes, the one lock, whether a path exists or can be written',
    pure: false,
    mayImport: ['errors.ts'],
  },
  'io/run': {
    job: 'run folders (meta.json, results.jsonl): ids, the run lock, one cell, what a dead run left, earlier spend',
    pure: false,
    mayImport: ['context.ts', 'errors.ts', 'schema', 'shared', 'io/fs', 'report/model'],
  },
  'io/history': {
    job: '`reports/history.jsonl`: the stored line, appends under the lock, the streaming read',
    pure: false,
    mayImport: ['errors.ts', 'schema', 'shared', 'io/fs'],
  },
  'io/baseline': {
    job: '`reports/baseline.json` (or its copy at a git ref) and the baseline run as the reports show it',
    pure: false,
    mayImport: ['errors.ts', 'schema', 'shared', 'score', 'io/fs', 'io/git', 'io/run', 'report/model'],
  },
  'io/git': {
    job: 'the project as git sees it: commit, branch, files at a ref, inputs no commit holds',
    pure: false,
    mayImport: ['errors.ts', 'schema'],
  },
  'io/calibration': {
    job: "calibration's files: reference examples added to scenario files, the rubric grade cache",
    pure: false,
    mayImport: ['errors.ts', 'schema', 'shared', 'io/fs'],
  },
  'io/reports': { job: 'writing the rendered report files', pure: false, mayImport: ['io/fs'] },
  init: {
    job: 'the files `agent-evals init` adds (config, scenario, workflows, schemas) and writing them',
    pure: false,
    mayImport: ['errors.ts', 'shared', 'io/fs'],
  },
  finish: {
    job: 'after the last cell: history line, rubric drift, gate, reports',
    pure: false,
    mayImport: ['context.ts', 'errors.ts', 'schema', 'shared', 'calibrate', 'load', 'io', 'score', 'report'],
  },
  score: {
    job: 'pure: aggregates, intervals, paired tests, verdicts, thresholds',
    pure: true,
    mayImport: ['errors.ts', 'schema', 'shared', 'assertions'],
  },
  report: {
    job: 'the report files of a run rendered together (`render-reports.ts`); renderers in the folders below',
    pure: true,
    mayImport: ['schema', 'shared', 'score', 'report/model', 'report/text', 'report/markdown', 'report/html', 'report/junit'],
  },
  'report/model': {
    job: 'what the renderers share: the run fold, matrix, baseline view, trends, latency rows, run mode; no renderer',
    pure: true,
    mayImport: ['schema', 'shared', 'score'],
  },
  'report/text': {
    job: 'plain text: escaping, console tables, gate and judges sentences, the dry-run plan, the resume hint',
    pure: true,
    mayImport: ['schema', 'shared', 'score', 'report/model'],
  },
  'report/markdown': {
    job: 'summary.md and the pull-request comment',
    pure: true,
    mayImport: ['schema', 'shared', 'score', 'report/model', 'report/text'],
  },
  'report/html': {
    job: 'index.html: its sections, stylesheet and escaping `html` tag',
    pure: true,
    mayImport: ['schema', 'shared', 'score', 'report/model', 'report/text'],
  },
  'report/junit': { job: 'junit.xml', pure: true, mayImport: ['schema', 'shared', 'report/text'] },
};

/**
 * Imports that break the table today, each an exact file → file edge with why it is not cleared yet.
 * An entry that no longer matches an import fails the test (the list only shrinks).
 */
const EXCEPTIONS: Record<string, string> = {};

/** docs/architecture.md shows `UNITS` between these two lines, rendered by `renderTable`. */
const TABLE_BEGIN = '<!-- the table: generated from UNITS in test/architecture.test.ts -->';
const TABLE_END = '<!-- end of the table -->';
/** Set by whoever changed `UNITS`, to rewrite the doc's table rather than check it. */
const UPDATE_DOC = process.env.UPDATE_ARCHITECTURE_DOC === '1';

/** The import table as docs/architecture.md shows it: one row per unit, in `UNITS`' order. */
function renderTable(units: Record<string, UnitRule>): string {
  const name = (u: string) => `\`${u.endsWith('.ts') ? u : `${u}/`}\``;
  return [
    '| folder or file | job | pure | may import |',
    '|---|---|---|---|',
    ...Object.entries(units).map(
      ([u, r]) => `| ${name(u)} | ${r.job} | ${r.pure ? 'yes' : 'no'} | ${r.mayImport.map(name).join(', ') || 'nothing'} |`,
    ),
  ].join('\n');
}

/** Modules that reach the disk, network, child processes, the process, the machine or the clock. */
const IO_MODULES =
  /^(node:)?(fs|fs\/promises|child_process|net|http|https|http2|dgram|dns|tls|worker_threads|cluster|readline|tty|process|os|module|v8|vm|inspector|timers|timers\/promises)$|^(promptfoo|@anthropic-ai\/claude-agent-sdk|@opencode-ai\/sdk|write-file-atomic|proper-lockfile)(\/|$)/;

interface Import {
  spec: string;
  /** `import type` / `export type`: erased, never loaded. */
  typeOnly: boolean;
}
interface Source {
  file: string;
  text: string;
  imports: Import[];
}

/** Every import of a source: static (`import … from`, `export … from`, `import '…'`) and dynamic. */
function parseImports(text: string): Import[] {
  const statics = [...text.matchAll(/^(?:import|export)\s+(type\s+)?(?:[^'";]*?\sfrom\s+)?['"]([^'"]+)['"]/gm)].map((m) => ({
    spec: m[2]!,
    typeOnly: Boolean(m[1]),
  }));
  const dynamics = [...text.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g)].map((m) => ({ spec: m[1]!, typeOnly: false }));
  return [...statics, ...dynamics];
}

const SRC = path.join(REPO_ROOT, 'src');
const sources: Source[] = readdirSync(SRC, { recursive: true, encoding: 'utf8' })
  .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))
  .map((f) => {
    const text = readFileSync(path.join(SRC, f), 'utf8');
    return { file: f.split(path.sep).join('/'), text, imports: parseImports(text) };
  });

function unitOf(file: string): string {
  const parts = file.split('/');
  if (parts.length === 1) return file;
  return SPLIT_FOLDERS.includes(parts[0]!) && parts.length > 2 ? `${parts[0]}/${parts[1]}` : parts[0]!;
}
/** Whether `rule` lets its unit import a file of `unit` (a split folder in the rule covers each of its units). */
const allows = (rule: UnitRule, unit: string) => rule.mayImport.some((d) => unit === d || unit.startsWith(`${d}/`));
const resolveLocal = (from: string, spec: string) => path.posix.normalize(path.posix.join(path.posix.dirname(from), spec));

/** The project-internal imports of a source, as paths relative to src/. */
const localImports = (s: Source) =>
  s.imports.filter((i) => i.spec.startsWith('.')).map((i) => ({ ...i, to: resolveLocal(s.file, i.spec) }));

/** Imports the table forbids, as `from → to (unit → unit)`, leaving out the listed exceptions. */
function tableBreaks(all: Source[], exceptions: Record<string, string> = EXCEPTIONS): string[] {
  return all.flatMap((s) => {
    const from = unitOf(s.file);
    const rule = UNITS[from as Unit];
    if (!rule) return [`${s.file}: ${from} is not in the table`];
    return localImports(s)
      .filter((i) => unitOf(i.to) !== from && !allows(rule, unitOf(i.to)))
      .filter((i) => !(`${s.file} → ${i.to}` in exceptions))
      .map((i) => `${s.file} → ${i.to} (${from} → ${unitOf(i.to)})`);
  });
}

/** For each file of a pure unit, the I/O modules it reaches through the code it loads (type-only imports are erased). */
function impurities(all: Source[]): string[] {
  const byFile = new Map(all.map((s) => [s.file, s]));
  const reached = (start: string) => {
    const seen = new Set<string>([start]);
    const todo = [start];
    while (todo.length) {
      const s = byFile.get(todo.pop()!);
      if (!s) continue;
      for (const i of localImports(s)) {
        if (i.typeOnly || seen.has(i.to)) continue;
        seen.add(i.to);
        todo.push(i.to);
      }
    }
    return [...seen];
  };
  return all
    .filter((s) => UNITS[unitOf(s.file) as Unit]?.pure)
    .flatMap((s) =>
      reached(s.file).flatMap((f) => {
        const r = byFile.get(f);
        const io = (r?.imports ?? []).filter((i) => !i.typeOnly && IO_MODULES.test(i.spec)).map((i) => i.spec);
        const notPure = UNITS[unitOf(f) as Unit]?.pure === false ? [`${unitOf(f)}/ (not pure)`] : [];
        return [...io, ...notPure].map((what) => (f === s.file ? `${s.file} imports ${what}` : `${s.file} reaches ${what} through ${f}`));
      }),
    );
}

/**
 * Imports that must stay forbidden. Each is added to the real sources as a synthetic file and must be
 * caught, by the table or by purity (transitively: a pure file importing a helper that does I/O).
 */
const FORBIDDEN_PROBES: Array<{ name: string; files: Record<string, string> }> = [
  { name: 'report → calibrate/run.ts (file I/O)', files: { 'report/probe.ts': "import { x } from '../calibrate/run.ts';" } },
  { name: 'plan → lint', files: { 'plan/probe.ts': "import { lintAgents } from '../lint/lint.ts';" } },
  { name: 'score importing node:process', files: { 'score/probe.ts': "import { env } from 'node:process';" } },
  { name: 'report importing fs/promises', files: { 'report/probe.ts': "import { readFile } from 'fs/promises';" } },
  { name: 'shared importing node:fs', files: { 'shared/probe.ts': "import { readFileSync } from 'node:fs';" } },
  { name: 'schema importing io/', files: { 'schema/probe.ts': "import type { X } from '../io/history/history.ts';" } },
  { name: 'report loading promptfoo dynamically', files: { 'report/probe.ts': "const p = await import('promptfoo');" } },
  {
    name: 'plan reaching child_process through a shared helper (transitive)',
    files: {
      'plan/probe.ts': "import { run } from '../shared/probe-helper.ts';",
      'shared/probe-helper.ts': "import { execFile } from 'node:child_process';",
    },
  },
  { name: 'load → plan', files: { 'load/probe.ts': "import { expandMatrix } from '../plan/matrix.ts';" } },
  { name: 'io → load', files: { 'io/run/probe.ts': "import { x } from '../../load/yaml-source.ts';" } },
  { name: 'io → a renderer', files: { 'io/run/probe.ts': "import { renderHtml } from '../../report/html/html.ts';" } },
  { name: 'report/model → a renderer', files: { 'report/model/probe.ts': "import { html } from '../html/html-tag.ts';" } },
  { name: 'report/markdown → report/html', files: { 'report/markdown/probe.ts': "import { renderHtml } from '../html/html.ts';" } },
  { name: 'a file directly in io/', files: { 'io/probe.ts': 'export const x = 1;' } },
  { name: 'a folder the table does not name', files: { 'newstage/probe.ts': 'export const x = 1;' } },
];

describe('architecture', () => {
  it('finds the sources it checks, and every unit of src/ is in the table', () => {
    expect(sources.length).toBeGreaterThan(60);
    const units = new Set(sources.map((s) => unitOf(s.file)));
    expect([...units].filter((u) => !(u in UNITS))).toEqual([]);
    expect(Object.keys(UNITS).filter((u) => !units.has(u))).toEqual([]);
    for (const [unit, rule] of Object.entries(UNITS))
      for (const dep of rule.mayImport)
        expect(dep in UNITS || SPLIT_FOLDERS.includes(dep), `${unit} → ${dep}: neither a unit nor a split folder`).toBe(true);
  });

  it('every import follows the table (exceptions listed, each with its TODO)', () => {
    expect(tableBreaks(sources)).toEqual([]);
  });

  it('lists no exception that is no longer an import', () => {
    const edges = new Set(sources.flatMap((s) => localImports(s).map((i) => `${s.file} → ${i.to}`)));
    expect(Object.keys(EXCEPTIONS).filter((e) => !edges.has(e))).toEqual([]);
  });

  it('keeps the pure units free of I/O, through everything they load', () => {
    expect(sources.filter((s) => UNITS[unitOf(s.file) as Unit].pure).length).toBeGreaterThan(30);
    expect(impurities(sources)).toEqual([]);
  });

  it.each(FORBIDDEN_PROBES)('catches a forbidden import: $name', ({ files }) => {
    const probes: Source[] = Object.entries(files).map(([file, text]) => ({ file, text, imports: parseImports(text) }));
    const all = [...sources, ...probes];
    const caught = [...tableBreaks(all), ...impurities(all)].filter((line) => probes.some((p) => line.includes(p.file)));
    expect(caught.length).toBeGreaterThan(0);
  });

  it('reads type-only, dynamic and multi-line imports', () => {
    expect(
      parseImports(
        "import type { A } from './a.ts';\nimport {\n  b,\n  c,\n} from '../b.ts';\nawait import('./c.ts');\nexport { d } from './d.ts';",
      ),
    ).toEqual([
      { spec: './a.ts', typeOnly: true },
      { spec: '../b.ts', typeOnly: false },
      { spec: './d.ts', typeOnly: false },
      { spec: './c.ts', typeOnly: false },
    ]);
  });

  it('has no import cycles', () => {
    const byFile = new Map(sources.map((s) => [s.file, s]));
    const cycles: string[] = [];
    const state = new Map<string, 'visiting' | 'done'>();
    const stack: string[] = [];
    const visit = (file: string) => {
      if (state.get(file) === 'done') return;
      if (state.get(file) === 'visiting') {
        cycles.push([...stack.slice(stack.indexOf(file)), file].join(' → '));
        return;
      }
      state.set(file, 'visiting');
      stack.push(file);
      const s = byFile.get(file);
      if (s) for (const dep of localImports(s)) if (byFile.has(dep.to)) visit(dep.to);
      stack.pop();
      state.set(file, 'done');
    };
    for (const s of sources) visit(s.file);
    expect(cycles).toEqual([]);
  });

  it('a command never imports another command', () => {
    // `commands/eval.ts` and `commands/eval/*.ts` are one command; a command's parts never import the command.
    const commandOf = (file: string) => file.replace(/^commands\/([^/.]+)(\.ts|\/.*)$/, '$1');
    const offenders = sources
      .filter((s) => unitOf(s.file) === 'commands')
      .flatMap((s) =>
        localImports(s)
          .filter((i) => unitOf(i.to) === 'commands')
          .filter((i) => commandOf(i.to) !== commandOf(s.file) || /^commands\/[^/]+\.ts$/.test(i.to))
          .map((i) => `${s.file} imports ${i.to}`),
      );
    expect(offenders).toEqual([]);
  });

  it('imports promptfoo and the agent SDKs only in execute/', () => {
    const engines = /^(promptfoo|@anthropic-ai\/claude-agent-sdk|@opencode-ai\/sdk)(\/|$)/;
    const importers = sources.filter((s) => s.imports.some((i) => !i.typeOnly && engines.test(i.spec))).map((s) => s.file);
    expect(importers.length).toBeGreaterThan(0);
    expect(importers.filter((f) => unitOf(f) !== 'execute')).toEqual([]);
  });

  it('touches the process only in src/cli.ts', () => {
    // Runtimes and their sandboxes start agent programs and must kill them: `process.kill` on a child's pid is
    // allowed there, in the lock (is the owner's pid alive?) and where a dead run's sandboxes are swept. The lock
    // also writes its own pid into the lock file: history's writers have no context to get it from.
    // The sandbox reads where Node is (`process.execPath`: the bridge runs on it inside the jail) and its own pid
    // (naming its pids cgroups and its socket folders, so a later run can remove a dead one's), facts, not process state; `bridge.ts` holds the source of a program that runs inside the sandbox, not in the harness.
    const allowed = (file: string, use: string) =>
      (use === 'process.kill' &&
        (file.startsWith('execute/runtimes/') ||
          file.startsWith('execute/sandbox/') ||
          file === 'io/fs/lock.ts' ||
          file === 'io/run/sweep-sandboxes.ts')) ||
      (['process.execPath', 'process.pid'].includes(use) && file === 'execute/sandbox/jail.ts') ||
      (use === 'process.pid' && file === 'io/fs/lock.ts') ||
      file === 'execute/sandbox/bridge.ts';
    const offenders = sources.flatMap((s) =>
      s.file === 'cli.ts'
        ? []
        : [...s.text.matchAll(/\bprocess\.(\w+)/g)]
            .map((m) => `process.${m[1]}`)
            .filter((use) => !allowed(s.file, use))
            .map((use) => `${s.file}: ${use}`),
    );
    expect([...new Set(offenders)]).toEqual([]);
  });

  it('names only source files that exist, in comments and docs', () => {
    const folders = [...new Set(Object.keys(UNITS).map((u) => u.split('/')[0]!))].filter((u) => !u.endsWith('.ts'));
    const ref = new RegExp(`(?<![\\w./@-])(src/[\\w-]+/[\\w./-]+\\.ts|(?:${folders.join('|')})/[\\w./-]+\\.ts)(?![\\w/])`, 'g');
    const texts = [
      ...sources.map((s) => ({ file: `src/${s.file}`, text: s.text })),
      ...['README.md', ...readdirSync(path.join(REPO_ROOT, 'docs')).map((f) => `docs/${f}`), 'scripts/build.mjs', 'bin/agent-evals.js']
        .filter((f) => f.endsWith('.md') || f.endsWith('.mjs') || f.endsWith('.js'))
        .map((file) => ({ file, text: readFileSync(path.join(REPO_ROOT, file), 'utf8') })),
    ];
    const missing = texts.flatMap(({ file, text }) =>
      [...text.matchAll(ref)]
        .map((m) => m[1]!)
        .filter((p) => !existsSync(p.startsWith('src/') ? path.join(REPO_ROOT, p) : path.join(SRC, p)))
        .map((p) => `${file}: ${p}`),
    );
    expect([...new Set(missing)]).toEqual([]);
  });

  it('points only at lines that exist, in comments and docs (`cli.ts:52`, `report/html.ts:80`)', () => {
    // A bare name is looked up among src/ files: a deleted module's name fails as a moved line does.
    const byName = new Map<string, string[]>();
    for (const s of sources) byName.set(path.basename(s.file), [...(byName.get(path.basename(s.file)) ?? []), s.file]);
    const lines = (file: string) => readFileSync(path.join(SRC, file), 'utf8').split('\n').length;
    const texts = [
      ...sources.map((s) => ({ file: `src/${s.file}`, text: s.text })),
      ...['README.md', ...readdirSync(path.join(REPO_ROOT, 'docs')).map((f) => `docs/${f}`)]
        .filter((f) => f.endsWith('.md'))
        .map((file) => ({ file, text: readFileSync(path.join(REPO_ROOT, file), 'utf8') })),
    ];
    const wrong = texts.flatMap(({ file, text }) =>
      [...text.matchAll(/(?<![\w.-])((?:src\/)?(?:[\w-]+\/)*[\w-]+\.ts):(\d+)\b/g)].flatMap((m) => {
        const named = m[1]!.replace(/^src\//, '');
        const found = named.includes('/') ? (existsSync(path.join(SRC, named)) ? [named] : []) : (byName.get(named) ?? []);
        const ok = found.length > 0 && found.every((f) => Number(m[2]) <= lines(f));
        return ok ? [] : [`${file}: ${m[0]}`];
      }),
    );
    expect([...new Set(wrong)]).toEqual([]);
  });

  it("docs/architecture.md's table is this table, rendered", () => {
    const file = path.join(REPO_ROOT, 'docs', 'architecture.md');
    /** The doc cut around its table: [before the rows, the rows, from the end marker on]. */
    const cut = (doc: string): [string, string, string] => {
      const [begin, end] = [doc.indexOf(TABLE_BEGIN), doc.indexOf(TABLE_END)];
      expect(begin >= 0 && end > begin, `docs/architecture.md: the markers "${TABLE_BEGIN}" and "${TABLE_END}"`).toBe(true);
      const rowsAt = begin + TABLE_BEGIN.length + 1;
      return [doc.slice(0, rowsAt), doc.slice(rowsAt, end - 1), doc.slice(end)];
    };
    // The rows are data: after a change to UNITS, `UPDATE_ARCHITECTURE_DOC=1` rewrites them, then checks.
    if (UPDATE_DOC) {
      const [before, , after] = cut(readFileSync(file, 'utf8'));
      writeFileSync(file, `${before}${renderTable(UNITS)}\n${after}`);
    }
    const [, shown] = cut(readFileSync(file, 'utf8'));
    expect(shown, 'regenerate: UPDATE_ARCHITECTURE_DOC=1 npx vitest run test/architecture.test.ts').toBe(renderTable(UNITS));
  });

  it('the rendered table shows every rule of a unit, and nothing else', () => {
    const rows = renderTable({
      'errors.ts': { job: 'the `errors` job', pure: true, mayImport: [] },
      'io/run': { job: 'runs', pure: false, mayImport: ['errors.ts', 'io'] },
    }).split('\n');
    expect(rows).toEqual([
      '| folder or file | job | pure | may import |',
      '|---|---|---|---|',
      '| `errors.ts` | the `errors` job | yes | nothing |',
      '| `io/run/` | runs | no | `errors.ts`, `io/` |',
    ]);
  });
});
