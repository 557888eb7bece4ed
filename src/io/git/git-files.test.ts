import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isUserError } from '../../errors.ts';
import { changedFilesSince, showFileAtRef } from './git-files.ts';

let repo: string;
const git = (...args: string[]) => execFileSync('git', args, { cwd: repo, encoding: 'utf8' });
const write = (rel: string, text: string) => {
  mkdirSync(path.dirname(path.join(repo, rel)), { recursive: true });
  writeFileSync(path.join(repo, rel), text);
};

beforeEach(() => {
  repo = mkdtempSync(path.join(tmpdir(), 'agent-evals-git-'));
  git('init', '-q', '-b', 'main');
  git('config', 'user.email', 't@example.com');
  git('config', 'user.name', 'T');
  write('project/agents/a.md', 'a');
  write('project/reports/baseline.json', '{}');
  git('add', '.');
  git('commit', '-q', '-m', 'base');
});
afterEach(() => rmSync(repo, { recursive: true, force: true }));

describe('changedFilesSince', () => {
  it('names files with non-ASCII and spaced names as they are (committed, modified, untracked)', async () => {
    git('checkout', '-q', '-b', 'topic');
    write('project/agents/café.md', 'x');
    git('add', '.');
    git('commit', '-q', '-m', 'topic');
    write('project/agents/naïve agent.md', 'y');
    write('project/agents/a.md', 'changed');
    expect(await changedFilesSince(path.join(repo, 'project'), 'main')).toEqual(['agents/a.md', 'agents/café.md', 'agents/naïve agent.md']);
  });
});

describe('showFileAtRef', () => {
  it('reads a file at a ref from a project in a subfolder, and is undefined for a file that was not there', async () => {
    const root = path.join(repo, 'project');
    expect(await showFileAtRef(root, 'main', 'reports/baseline.json')).toBe('{}');
    expect(await showFileAtRef(root, 'main', 'reports/missing.json')).toBeUndefined();
  });

  it('an unknown ref is a user error naming the option', async () => {
    const err = await showFileAtRef(path.join(repo, 'project'), 'nosuchref', 'reports/baseline.json').catch((e: unknown) => e);
    expect(isUserError(err)).toBe(true);
    expect((err as Error).message).toMatch(/^--baseline nosuchref: not a commit/);
  });

  it('a git failure reading the file is a user error, never "no baseline"', async () => {
    const root = path.join(repo, 'project');
    const head = git('rev-parse', 'HEAD').trim();
    // Corrupt the repository: remove the blob the baseline points at.
    const blob = git('rev-parse', `${head}:project/reports/baseline.json`).trim();
    rmSync(path.join(repo, '.git', 'objects', blob.slice(0, 2), blob.slice(2)));
    const err = await showFileAtRef(root, head, 'reports/baseline.json').catch((e: unknown) => e);
    expect(isUserError(err)).toBe(true);
    expect((err as Error).message).toMatch(/cannot read reports\/baseline\.json at that commit/);
  });
});
