import type { Context } from '../context.ts';
import type { EvalConfig } from '../schema/eval-config.ts';
import type { RunMeta } from '../schema/run-meta.ts';
import type { CellVerdict } from '../schema/result.ts';
import { addsHistoryLine, isMeasured, isScored } from '../schema/result.ts';
import { openResultWriter, writeMeta } from '../io/run/run-store.ts';
import type { CarriedCells } from '../schema/carried-cells.ts';
import { aggregateRun } from '../score/aggregate-results.ts';
import { latencyStats } from '../score/latency.ts';
import { appendHistory, historyEntryFromRun } from '../io/history/history.ts';
import type { RunFold } from '../report/model/run-fold.ts';
import { renderThresholdMisses } from '../report/text/threshold-misses.ts';
import { buildReports } from './build-reports.ts';
import { gateAndReport, sayVerdicts } from './gate-run.ts';
import { rubricCalibrationOfRun } from './rubric-drift.ts';

/**
 * After the last cell: add the cells carried from the baseline (affected-only runs), close the run
 * (meta.finishedAt), add one line to the history when anything was measured, and rebuild the
 * reports; with `ci`, gate the run against the baseline and return the gate's exit code (a shard
 * is only gated once merged).
 *
 * History holds what this run measured: carried cells are the baseline's numbers, not a new
 * measurement, and a shard is only part of a run (its merged run gets the line). With a grader, the
 * line also carries what the last rubric calibration said of it (judge drift; from the cache).
 *
 * `fold` holds the run's cells as they finished (verdicts, and the few answers the report shows), in
 * results.jsonl's order: the verdicts and reports come from it, not from reading every answer back.
 */
export async function finishRun(
  ctx: Context,
  run: {
    meta: RunMeta;
    dir: string;
    fold: RunFold;
    config: EvalConfig;
    ci?: boolean;
    baselineRef?: string;
    carried?: CarriedCells;
  },
): Promise<number> {
  let { meta } = run;
  const { fold } = run;
  if (run.carried) {
    // On --resume the carried cells are already in results.jsonl.
    // (A cell is its variant, model, scenario and repeat: the fold keeps those, not the cell id hashed from them.)
    const cell = (r: CellVerdict) => [r.variantId, r.model, r.scenarioId, r.repeat].join('\u0000');
    const have = new Set(fold.results.map(cell));
    const fresh = run.carried.results.filter((r) => !have.has(cell(r)));
    const writer = await openResultWriter(run.dir);
    try {
      for (const r of fresh) await writer.append(r);
    } finally {
      await writer.close();
    }
    for (const r of fresh) fold.add(r);
    meta = {
      ...meta,
      carriedFrom: run.carried.runId,
      ...((meta.grader ?? run.carried.grader) ? { grader: meta.grader ?? run.carried.grader } : {}),
    };
  }
  await writeMeta(run.dir, meta);
  const { results } = fold;
  const folded = { dir: run.dir, meta, results, shown: fold.shown, warnings: [] };
  const measured = results.filter(isMeasured);
  if (!meta.shard && addsHistoryLine(results)) {
    const calibration = await rubricCalibrationOfRun(ctx.root, meta, run.config, new Set(measured.map((r) => r.scenarioId)));
    await appendHistory(
      ctx.root,
      historyEntryFromRun(meta, aggregateRun(measured, { grader: meta.grader }), calibration, latencyStats(measured)),
    );
  }
  if (run.ci && !meta.shard) {
    return gateAndReport(ctx, folded, { thresholds: run.config.thresholds, baselineRef: run.baselineRef });
  }
  // Part of a run is not gated on its own (its cells are split across machines): the merged run is.
  if (run.ci)
    ctx.out(
      `shard ${meta.shard!.index}/${meta.shard!.count}: not gated on its own; merge the shards (agent-evals merge) and gate the merged run`,
    );
  await buildReports(ctx, meta.runId, { run: folded });
  // Without --ci the exit code stays 0 on a regression or a missed threshold, but both are said plainly.
  if (!meta.shard) {
    // A run that scored nothing (no key, nothing recorded) has no verdict to say.
    if (measured.some((r) => isScored(r.status)))
      await sayVerdicts(ctx, folded, { thresholds: run.config.thresholds, baselineRef: run.baselineRef });
    for (const line of renderThresholdMisses(aggregateRun(results, { grader: meta.grader }), run.config.thresholds)) ctx.out(line);
  }
  return errorBudgetExit(ctx, measured, run.config.thresholds.errorBudget);
}

/**
 * Outside the gate, a run whose answers were mostly provider errors still must not look green: exit 3
 * when errors exceed the budget among the cells that were attempted (`not-run` cells, e.g. no key, are
 * not attempts: a fresh clone with no key exits 0).
 */
function errorBudgetExit(ctx: Context, results: CellVerdict[], budget: number): number {
  const attempted = results.filter((r) => isScored(r.status) || r.status === 'error');
  const errors = attempted.filter((r) => r.status === 'error').length;
  if (attempted.length === 0 || errors / attempted.length <= budget) return 0;
  ctx.err(
    `provider errors: ${errors} of ${attempted.length} cells (${Math.round((errors / attempted.length) * 100)}%) exceed the error budget of ${Math.round(budget * 100)}%: the run could not measure (exit 3)`,
  );
  return 3;
}
