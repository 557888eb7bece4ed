import { describe, expect, it } from 'vitest';
import type { Context } from '../context.ts';
import type { FoldedRun } from '../io/run/run-store.ts';
import { recordedThresholds } from './gate-run.ts';

/** A run whose meta.json holds `thresholds` as its config's (nothing else of the run is read). */
const runWith = (thresholds: unknown) => ({ meta: { runId: 'r1', config: { thresholds } } }) as unknown as FoldedRun;
const ctx = {} as Context;

describe('recordedThresholds', () => {
  it('reads the thresholds a run was made with', async () => {
    expect(await recordedThresholds(ctx, runWith({ passRate: 0.8 }))).toMatchObject({ passRate: 0.8 });
  });

  it('names the file, the exact field and what was expected when they are damaged', async () => {
    await expect(recordedThresholds(ctx, runWith({ errorBudget: 2 }))).rejects.toThrow(
      /^reports\/runs\/r1\/meta\.json: config\.thresholds\.errorBudget: expected .*1.*, got 2; pass the config with --config$/,
    );
    await expect(recordedThresholds(ctx, runWith({ pasRate: 0.8 }))).rejects.toThrow(
      'reports/runs/r1/meta.json: config.thresholds: unknown field "pasRate"; did you mean "passRate"?; pass the config with --config',
    );
  });
});
