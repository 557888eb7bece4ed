import type { Context } from '../context.ts';
import type { FoldedRun } from '../io/run/run-store.ts';
import { renderPrComment } from '../report/markdown/pr-comment.ts';
import { compareWithControl } from '../score/control.ts';
import { judgeRun, recordedThresholds } from './gate-run.ts';
import { rubricTrustOfRun } from './rubric-trust.ts';

/**
 * The pull-request comment of a finished run: judged against the baseline with the thresholds it
 * recorded, as `gate` judges it, with each failing row's scenarios and failing assertions and the
 * rubrics calibration flagged or never checked (issue 29, items 3 and 5). Writes nothing.
 *
 * @example
 * ctx.out(await prCommentOfRun(ctx, run, { reportUrl: 'https://github.com/o/r/actions/runs/1' }));
 */
export async function prCommentOfRun(ctx: Context, run: FoldedRun, opts: { baselineRef?: string; reportUrl?: string }): Promise<string> {
  const thresholds = await recordedThresholds(ctx, run);
  const { gate, baselineSource, baselineCells } = await judgeRun(ctx, run, { thresholds, baselineRef: opts.baselineRef });
  const { trust, warning } = await rubricTrustOfRun(ctx.root, run.meta);
  if (warning) ctx.err(`warning: ${warning}`);
  return renderPrComment({
    gate,
    runId: run.meta.runId,
    reportUrl: opts.reportUrl,
    baselineSource,
    uncalibrated: run.meta.uncalibrated,
    control: compareWithControl(run.results, thresholds.alpha),
    evidence: {
      meta: run.meta,
      results: run.results,
      ...(baselineCells ? { baselineCells } : {}),
      ...(trust ? { rubricTrust: trust } : {}),
    },
  }).trimEnd();
}
