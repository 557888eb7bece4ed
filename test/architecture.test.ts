/**
 * Architecture rules that keep the pipeline one-way, swappable and testable (docs/architecture.md):
 * - no import cycles, type-only imports included;
 * - the pure layers (`plan/`, `score/`, `report/`, `shared/`, `schema/`) import no I/O: no disk, network or
 *   child processes, and nothing from the layers that do (`load/`, `execute/`, `io/`, `finish/`, `commands/`);
 * - stages never import the command layer, and a command never imports another command;
 * - promptfoo and the agent programs' SDKs are imported only in `execute/`;
 * - only `src/cli.ts` touches the process (exit code, argv, signals, environment).
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from './support/project-fixture.ts';

const SRC = path.join(REPO_ROOT, 'src');
const sources = readdirSync(SRC, { recursive: true, encoding: 'utf8' })
  .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))
  .map((f) => ({ file: f.split(path.sep).join('/'), text: readFileSync(path.join(SRC, f), 'utf8') }));
const byFile = new Map(sources.map((s) => [s.file, s]));

const importsOf = (text: string) => [...text.matchAll(/(?:from\s+|import\s*\(\s*|^import\s+)['"]([^'"]+)['"]/gm)].map((m) => m[1]!);
/** Project-internal imports of a source, as paths relative to src/. */
const localImports = (s: { file: string; text: string }) =>
  importsOf(s.text)
    .filter((i) => i.startsWith('.'))
    .map((i) => path.posix.normalize(path.posix.join(path.posix.dirname(s.file), i)));
const layer = (file: string) => (file.includes('/') ? file.split('/')[0]! : file);

const PURE = ['plan', 'score', 'report', 'shared', 'schema'];
const IO_LAYERS = ['load', 'execute', 'io', 'finish', 'commands', 'cli.ts', 'program.ts', 'context.ts'];
const IO_MODULES = /^node:(fs|child_process|net|http|https|dgram|worker_threads)(\/|$)|^(fs|child_process)$/;

describe('architecture', () => {
  it('finds the sources it checks', () => {
    expect(sources.length).toBeGreaterThan(60);
    for (const l of PURE) expect(sources.some((s) => layer(s.file) === l)).toBe(true);
  });

  it('has no import cycles', () => {
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
      if (s) for (const dep of localImports(s)) if (byFile.has(dep)) visit(dep);
      stack.pop();
      state.set(file, 'done');
    };
    for (const s of sources) visit(s.file);
    expect(cycles).toEqual([]);
  });

  it('keeps the pure layers free of I/O, everywhere', () => {
    const pure = sources.filter((s) => PURE.includes(layer(s.file)));
    expect(pure.length).toBeGreaterThan(30);
    const offenders = pure.flatMap((s) => [
      ...importsOf(s.text)
        .filter((i) => IO_MODULES.test(i))
        .map((i) => `${s.file} imports ${i}`),
      ...localImports(s)
        .filter((i) => IO_LAYERS.includes(layer(i)))
        .map((i) => `${s.file} imports ${i}`),
    ]);
    expect(offenders).toEqual([]);
  });

  it('flows one way: stages never import commands, commands never import each other', () => {
    const offenders = sources.flatMap((s) =>
      localImports(s)
        .filter((i) => layer(i) === 'commands' && s.file !== 'cli.ts' && s.file !== 'program.ts')
        .map((i) => `${s.file} imports ${i}`),
    );
    expect(offenders).toEqual([]);
  });

  it('imports promptfoo and the agent SDKs only in execute/', () => {
    const engines = /^(promptfoo|@anthropic-ai\/claude-agent-sdk|@opencode-ai\/sdk)(\/|$)/;
    const importers = sources.filter((s) => importsOf(s.text).some((i) => engines.test(i))).map((s) => s.file);
    expect(importers.length).toBeGreaterThan(0);
    expect(importers.filter((f) => layer(f) !== 'execute')).toEqual([]);
  });

  it('touches the process only in src/cli.ts', () => {
    // Runtimes and their sandboxes start agent programs and must kill them: `process.kill` on a child's pid is
    // allowed there, in the lock (is the owner's pid alive?) and where a dead run's sandboxes are swept. The lock
    // also writes its own pid into the lock file: history's writers have no context to get it from.
    // The sandbox reads where Node is (`process.execPath`: the bridge runs on it inside the jail) and its own pid
    // (naming its pids cgroups, so a later run can remove a dead one's), facts, not process state; `bridge.ts` holds the source of a program that runs inside the sandbox, not in the harness.
    const allowed = (file: string, use: string) =>
      (use === 'process.kill' &&
        (file.startsWith('execute/runtimes/') ||
          file.startsWith('execute/sandbox/') ||
          file === 'io/lock.ts' ||
          file === 'io/sweep-sandboxes.ts')) ||
      (['process.execPath', 'process.pid'].includes(use) && file === 'execute/sandbox/jail.ts') ||
      (use === 'process.pid' && file === 'io/lock.ts') ||
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
});
