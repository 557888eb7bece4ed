import { appendFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { memoryContext } from '../../test/support/context.ts';
import { historyFile } from '../io/history/history.ts';
import { reportCommand } from './report.ts';
import { writeProject } from '../../test/support/report-project.ts';

let root: string;
beforeEach(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'agent-evals-report-'));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('reportCommand', () => {
  it('rebuilds index.html, summary.md and junit.xml for the latest run and prints the matrix', async () => {
    await writeProject(root);
    const ctx = memoryContext(root);
    expect(await reportCommand(ctx, {})).toBe(0);
    const out = ctx.stdout.join('\n');
    expect(out).toMatch(/variant\s+m1\s+m2/);
    expect(out).toContain('wrote reports/index.html');
    const html = await readFile(path.join(root, 'reports/index.html'), 'utf8');
    expect(html).toContain('20260301-120000-abcd');
    // The earlier run is the previous prompt of each variant.
    expect(html).toContain('run 20260228-090000-0001 → this run');
    expect(await readFile(path.join(root, 'reports/summary.md'), 'utf8')).toContain('[full HTML report](index.html)');
    expect(await readFile(path.join(root, 'reports/junit.xml'), 'utf8')).toMatch(/^<\?xml/);
    expect(ctx.stderr).toEqual([]);
  });

  it('shows an older run with --run, and refuses an unknown one', async () => {
    await writeProject(root);
    const ctx = memoryContext(root);
    expect(await reportCommand(ctx, { run: '20260228-090000-0001' })).toBe(0);
    expect(await readFile(path.join(root, 'reports/index.html'), 'utf8')).toContain('Run <b>20260228-090000-0001</b>');
    await expect(reportCommand(ctx, { run: '../../etc' })).rejects.toThrow(/"\.\.\/\.\.\/etc" is not a run id/);
  });

  it('says so when there is no run yet', async () => {
    await expect(reportCommand(memoryContext(root), {})).rejects.toThrow(/no runs in reports\/runs/);
  });

  it('warns about a damaged history line, keeps it in the file, and still writes the report', async () => {
    await writeProject(root);
    await appendFile(historyFile(root), '{"runId": broken\n');
    const ctx = memoryContext(root);
    expect(await reportCommand(ctx, {})).toBe(0);
    expect(ctx.stderr).toEqual([expect.stringMatching(/^warning: reports\/history\.jsonl:3: broken JSON/)]);
    expect(await readFile(path.join(root, 'reports/index.html'), 'utf8')).toContain('reports/history.jsonl:3: broken JSON');
    expect(await readFile(historyFile(root), 'utf8')).toContain('{"runId": broken');
  });
});
