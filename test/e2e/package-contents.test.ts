/**
 * What the package holds (issue 25): `npm pack --dry-run --json` lists the files npm would publish. The
 * docs are in it and every relative link of the README and of the docs resolves inside it; the JSON
 * schemas `init` copies and the install scripts are in it; no test file is.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/project-fixture.ts';

let files: string[];

beforeAll(() => {
  const json = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    env: { ...process.env, npm_config_loglevel: 'error' },
  });
  files = (JSON.parse(json) as Array<{ files: Array<{ path: string }> }>)[0]!.files.map((f) => f.path);
}, 240_000);

/** Relative link targets (no scheme, no pure anchor) of a Markdown file, as paths from the package root. */
function relativeLinks(file: string): string[] {
  const text = readFileSync(path.join(REPO_ROOT, file), 'utf8');
  return [...text.matchAll(/\]\(([^)\s]+)\)/g)]
    .map((m) => m[1]!.split('#')[0]!)
    .filter((target) => target !== '' && !/^[a-z]+:/i.test(target))
    .map((target) => path.posix.normalize(path.posix.join(path.posix.dirname(file), target)));
}

describe('the package npm would publish', () => {
  it('holds no test file', () => {
    expect(files.length).toBeGreaterThan(50);
    expect(files.filter((f) => /\.test\.[cm]?[jt]s$/.test(f) || f.startsWith('test/'))).toEqual([]);
  });

  it('holds the docs, and every relative link of the README and the docs resolves inside it', () => {
    const docs = files.filter((f) => f.startsWith('docs/') && f.endsWith('.md'));
    expect(docs.length).toBeGreaterThan(5);
    const links = ['README.md', ...docs].flatMap((doc) => relativeLinks(doc).map((target) => ({ doc, target })));
    expect(links.length).toBeGreaterThan(5);
    expect(links.filter((l) => !files.includes(l.target) && !files.some((f) => f.startsWith(`${l.target}/`)))).toEqual([]);
  });

  it('holds the JSON schemas init writes, the install scripts and the engine builder', () => {
    for (const file of [
      'scenarios/scenario.schema.json',
      'scenarios/trajectory.schema.json',
      'evals/eval.schema.json',
      'scripts/postinstall.mjs',
      'scripts/build-engine.mjs',
      'scripts/build-client.mjs',
      'patches/promptfoo+0.121.20.patch',
      'bin/agent-evals.js',
      'dist/cli.mjs',
    ])
      expect(files).toContain(file);
  });
});
