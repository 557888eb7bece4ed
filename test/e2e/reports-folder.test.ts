/**
 * `reports/` exists in a fresh clone (issue 13, item 24): `reports/README.md` is committed and says what
 * each file there is and whether it is committed; `.gitignore` agrees with it, and every file a real
 * eval + bless writes into reports/ is one it describes.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { startFakeOpenAI } from '../support/fake-openai-server.ts';
import { REPO_ROOT } from '../support/project-fixture.ts';
import { createMiniProject } from '../support/mini-project.ts';

const git = (...args: string[]) => execFileSync('git', args, { cwd: REPO_ROOT, encoding: 'utf8' });

/** Rows of the table in reports/README.md: `| \`name\` | what it is | committed |`. */
function documentedFiles(): Map<string, boolean> {
  const text = readFileSync(path.join(REPO_ROOT, 'reports', 'README.md'), 'utf8');
  const rows = [...text.matchAll(/^\| `([^`]+)` \|[^|]+\| (yes|no)\b[^|]*\|$/gm)];
  return new Map(rows.map((m) => [m[1]!, m[2] === 'yes']));
}

/** True when git would ignore `rel` (a path under the repository, need not exist). */
function ignored(rel: string): boolean {
  try {
    git('check-ignore', '-q', '--no-index', rel);
    return true;
  } catch {
    return false;
  }
}

describe('reports/ in a fresh clone', () => {
  it('reports/README.md is committed (so the folder exists) and not ignored', () => {
    expect(git('ls-files', 'reports/README.md').trim()).toBe('reports/README.md');
    expect(ignored('reports/README.md')).toBe(false);
  });

  it('says of each file whether it is committed, and .gitignore agrees', () => {
    const files = documentedFiles();
    for (const name of ['history.jsonl', 'baseline.json', 'index.html', 'summary.md', 'junit.xml', 'runs/'])
      expect(files.has(name), name).toBe(true);
    for (const [name, committed] of files) {
      const probe = `reports/${name.replace('<run-id>', '20261121-223000-a1b2').replace(/\/$/, '/x')}`;
      expect(ignored(probe), `${name}: README says committed=${committed}`).toBe(!committed);
    }
  });

  it('describes every file a real eval and bless write into reports/', async () => {
    await using server = await startFakeOpenAI({ defaultReply: 'Refunds take 5 days.' });
    using project = createMiniProject({ url: server.url, scenarios: 1 });
    const run = await project.cli(['eval']);
    expect(run.code, run.stderr).toBe(0);
    const bless = await project.cli(['bless']);
    expect(bless.code, bless.stderr).toBe(0);
    const documented = documentedFiles();
    const reports = path.join(project.root, 'reports');
    const written = readdirSync(reports, { withFileTypes: true }).map((e) => (e.isDirectory() ? `${e.name}/` : e.name));
    expect(
      written.filter((f) => !documented.has(f)),
      'written but not in reports/README.md',
    ).toEqual([]);
    const runId = readdirSync(path.join(reports, 'runs'))[0]!;
    const inRun = readdirSync(path.join(reports, 'runs', runId)).map((f) => `runs/<run-id>/${f}`);
    expect(
      inRun.filter((f) => !documented.has(f)),
      'run files not in reports/README.md',
    ).toEqual([]);
  });
});
