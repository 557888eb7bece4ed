import { rm } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { loadBaselineView } from './baseline-run.ts';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { baselineFromRun, saveBaseline } from './baseline.ts';
import { runDir } from '../run/run-store.ts';
import { MAX_SHOWN } from '../../report/model/answer-sample.ts';
import { deltaKey } from '../../report/model/baseline-view.ts';
import { DEGRADED_PROMPTS, syntheticMeta, syntheticResults } from '../../../test/support/report-synthetic.ts';
import { DEGRADED_RUNS, writeDegradedProject, writeRun, writeRunFolder } from '../../../test/support/report-project.ts';
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
    const lines = (await readFile(path.join(runDir(root, DEGRADED_RUNS.baseline), 'results.jsonl'), 'utf8')).trim().split('\n');
    const answered = lines.map((l) => JSON.parse(l)).filter((r) => r.output !== undefined).length;
    expect(answered).toBeGreaterThan(0);
    const keys = new Set(view.cells.map((c) => deltaKey(c.variantId, c.model, c.scenarioId)));
    expect(view.answers!.withOutput(keys)).toBe(answered);
    const failing = view.cells.flatMap((c) => view.answers!.sampler.get(c.variantId, c.model, c.scenarioId)?.groups ?? []);
    expect(failing.filter((g) => g.cell.status === 'fail').flatMap((g) => g.repeats)).toHaveLength(3);
    expect(view.missing).toBeUndefined();
  });

  it("keeps the aggregates and says why when the blessed run's folder is gone (a fresh CI checkout)", async () => {
    const root = tempDir();
    await writeDegradedProject(root);
    await rm(runDir(root, DEGRADED_RUNS.baseline), { recursive: true });
    const view = (await loadBaselineView(root))!;
    expect(view.cells).toHaveLength(50);
    expect(view.prompts).toBeUndefined();
    expect(view.answers).toBeUndefined();
    expect(view.missing).toContain(`reports/runs/${DEGRADED_RUNS.baseline}/ could not be read`);
  });

  it("keeps a bounded sample of the baseline run's answers, never the whole run (read line by line)", async () => {
    const root = tempDir();
    const shape = { variants: ['reviewer'], models: ['m1'], scenarios: 1, repeats: 400, runId: '20261102-090000-0002' };
    const meta = syntheticMeta(shape);
    // 400 repeats, each with another answer: an array of the run would hold all 400.
    const results = syntheticResults(shape).map((r) => ({ ...r, output: `answer ${r.repeat} ${'x'.repeat(1000)}` }));
    await writeRunFolder(root, meta, results);
    await saveBaseline(root, baselineFromRun(meta, results));
    const view = (await loadBaselineView(root))!;
    const sample = view.answers!.sampler.get('reviewer', 'm1', 'scenario-0')!;
    const kept = sample.groups.length;
    expect(kept).toBeLessThanOrEqual(MAX_SHOWN.failing + MAX_SHOWN.passing);
    expect(kept + sample.notShown).toBe(400);
    expect(view.answers!.withOutput(new Set([deltaKey('reviewer', 'm1', 'scenario-0')]))).toBe(400);
    expect(Object.keys(view)).not.toContain('results');
  });

  it('is undefined without a blessed baseline', async () => {
    const root = tempDir();
    await writeRun(root, {});
    expect(await loadBaselineView(root)).toBeUndefined();
  });
});
