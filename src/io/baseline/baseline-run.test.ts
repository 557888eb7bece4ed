import { rm } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { loadBaselineView } from './baseline-run.ts';
import { runDir } from '../run/run-store.ts';
import { DEGRADED_PROMPTS } from '../../../test/support/report-synthetic.ts';
import { DEGRADED_RUNS, writeDegradedProject, writeRun } from '../../../test/support/report-project.ts';
import { tempDirs } from '../../../test/support/temp-dirs.ts';

const tempDir = tempDirs('agent-evals-baseline-run-');

describe('loadBaselineView', () => {
  it("reads the blessed run's prompts and answers beside the baseline's aggregates", async () => {
    const root = tempDir();
    await writeDegradedProject(root);
    const view = (await loadBaselineView(root))!;
    expect(view.runId).toBe(DEGRADED_RUNS.baseline);
    expect(view.source).toBe('reports/baseline.json');
    expect(view.cells).toHaveLength(5 * 2 * 5);
    expect(view.prompts?.['reviewer-terse']).toBe(DEGRADED_PROMPTS.before);
    expect(view.results).toHaveLength(5 * 2 * 5 * 3);
    expect(view.results!.filter((r) => r.status === 'fail')).toHaveLength(3);
    expect(view.missing).toBeUndefined();
  });

  it("keeps the aggregates and says why when the blessed run's folder is gone (a fresh CI checkout)", async () => {
    const root = tempDir();
    await writeDegradedProject(root);
    await rm(runDir(root, DEGRADED_RUNS.baseline), { recursive: true });
    const view = (await loadBaselineView(root))!;
    expect(view.cells).toHaveLength(50);
    expect(view.prompts).toBeUndefined();
    expect(view.results).toBeUndefined();
    expect(view.missing).toContain(`reports/runs/${DEGRADED_RUNS.baseline}/ could not be read`);
  });

  it('is undefined without a blessed baseline', async () => {
    const root = tempDir();
    await writeRun(root, {});
    expect(await loadBaselineView(root)).toBeUndefined();
  });
});
