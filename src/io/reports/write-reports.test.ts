import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeReports } from './write-reports.ts';

let root: string;
beforeEach(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'agent-evals-write-'));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('writeReports', () => {
  it('writes index.html, summary.md and junit.xml into reports/ as given and leaves no temporary files', async () => {
    const files = await writeReports(root, { html: '<!doctype html>page', summary: '# summary', junit: '<testsuites/>' });
    expect(files).toEqual({
      html: path.join(root, 'reports/index.html'),
      summary: path.join(root, 'reports/summary.md'),
      junit: path.join(root, 'reports/junit.xml'),
    });
    expect((await readdir(path.join(root, 'reports'))).sort()).toEqual(['index.html', 'junit.xml', 'summary.md']);
    expect(await readFile(files.html, 'utf8')).toBe('<!doctype html>page');
    expect(await readFile(files.summary, 'utf8')).toBe('# summary');
    expect(await readFile(files.junit, 'utf8')).toBe('<testsuites/>');
  });
});
