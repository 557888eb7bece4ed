import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeReports } from './write-reports.ts';
import { degradedReport, syntheticMeta, syntheticResults, syntheticSummary } from '../../../test/support/report-synthetic.ts';

let root: string;
beforeEach(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'agent-evals-write-'));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('writeReports', () => {
  it('writes index.html, summary.md and junit.xml into reports/ and leaves no temporary files', async () => {
    const meta = syntheticMeta();
    const results = syntheticResults();
    const files = await writeReports(root, {
      meta,
      results,
      summary: syntheticSummary(results),
      history: [],
      htmlUrl: 'https://ci/report.html',
    });
    expect(files).toEqual({
      html: path.join(root, 'reports/index.html'),
      summary: path.join(root, 'reports/summary.md'),
      junit: path.join(root, 'reports/junit.xml'),
    });
    expect((await readdir(path.join(root, 'reports'))).sort()).toEqual(['index.html', 'junit.xml', 'summary.md']);
    expect(await readFile(files.html, 'utf8')).toMatch(/^<!doctype html>/);
    expect(await readFile(files.summary, 'utf8')).toContain('(https://ci/report.html)');
    expect(await readFile(files.junit, 'utf8')).toContain(`timestamp="${meta.finishedAt}"`);
  });

  it('carries the baseline into both files: answers beside the current ones in index.html, the evidence in summary.md', async () => {
    const { now, gate, baseline } = degradedReport();
    const files = await writeReports(root, {
      meta: now.meta,
      results: now.results,
      summary: syntheticSummary(now.results),
      history: [],
      gate,
      baseline,
    });
    const page = await readFile(files.html, 'utf8');
    expect(page).toContain('<h5>baseline (run base-run)</h5>');
    expect(page).toContain('line 10 drops the null check');
    const md = await readFile(files.summary, 'utf8');
    expect(md).toContain('#### reviewer-terse');
    expect(md).toContain('Prompt diff against the baseline (run base-run)');
  });
});
