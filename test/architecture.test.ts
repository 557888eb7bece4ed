/**
 * Architecture rules that keep the codebase swappable and testable (see STYLE.md):
 * - promptfoo is imported by one module only, the engine seam `src/run/promptfoo.ts`;
 * - only `src/cli.ts` touches the process (exit code, argv, signals);
 * - pure layers (`score/`, `report/` renderers, `run/matrix.ts`) do no disk or network I/O.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from './support/project-fixture.ts';

const SRC = path.join(REPO_ROOT, 'src');
const sources = readdirSync(SRC, { recursive: true, encoding: 'utf8' })
  .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))
  .map((f) => ({ file: f.split(path.sep).join('/'), text: readFileSync(path.join(SRC, f), 'utf8') }));

const importsOf = (text: string) => [...text.matchAll(/(?:from\s+|import\s*\(\s*)['"]([^'"]+)['"]/g)].map((m) => m[1]!);

describe('architecture', () => {
  it('finds the sources it checks', () => {
    expect(sources.length).toBeGreaterThan(40);
  });

  it('imports promptfoo only in the engine seam src/run/promptfoo.ts', () => {
    const importers = sources.filter((s) => importsOf(s.text).some((i) => i === 'promptfoo' || i.startsWith('promptfoo/'))).map((s) => s.file);
    expect(importers).toEqual(['run/promptfoo.ts']);
  });

  it('touches process.exitCode, process.exit and process.argv only in src/cli.ts', () => {
    const offenders = sources
      .filter((s) => s.file !== 'cli.ts' && /process\.(exitCode|exit\(|argv|on\(|once\()/.test(s.text))
      .map((s) => s.file);
    expect(offenders).toEqual([]);
  });

  it('keeps the scoring layer and the renderers free of I/O', () => {
    const pure = sources.filter((s) => /^score\//.test(s.file) || ['run/matrix.ts', 'report/html.ts', 'report/junit.ts', 'report/summary-md.ts', 'report/trends.ts'].includes(s.file));
    expect(pure.length).toBeGreaterThan(5);
    const offenders = pure.filter((s) => importsOf(s.text).some((i) => /^node:(fs|child_process|net|http|https)/.test(i) || i === 'fs')).map((s) => s.file);
    expect(offenders).toEqual([]);
  });
});
