import type { Context } from '../context.ts';
import { loadEvalConfig } from '../load/eval-config.ts';
import { resolveCommit } from '../io/git/git-files.ts';
import { gateAndReport, recordedThresholds } from '../finish/gate-run.ts';
import { readFinishedRun } from '../io/run/finished-run.ts';
import { resolveRunId } from '../io/run/run-id.ts';

interface GateOptions {
  run?: string;
  /** Eval config whose thresholds to use; default: the config the run recorded in its meta.json. */
  config?: string;
  /** Git ref to read reports/baseline.json at; default: the working tree's file. */
  baseline?: string;
}

/**
 * `agent-evals gate [--run <id>] [--baseline <git-ref>] [--config <file>]`: judges a run against the
 * baseline and the config's thresholds, prints the verdicts, rebuilds the reports with them, and
 * returns the gate's exit code (0 pass, 1 regression, 3 could not measure; input errors throw → 2).
 *
 * @example
 * await gateCommand(ctx, { config: 'evals/default.yaml', baseline: 'origin/main' }) // 0
 */
export async function gateCommand(ctx: Context, opts: GateOptions): Promise<number> {
  const runId = await resolveRunId(ctx.root, opts.run);
  if (opts.baseline) await resolveCommit(ctx.root, opts.baseline, '--baseline');
  const run = await readFinishedRun(ctx, runId, 'gate');
  const thresholds = opts.config ? (await loadEvalConfig(ctx.root, opts.config)).config.thresholds : await recordedThresholds(ctx, run);
  if (opts.config) ctx.out(`gate: thresholds from ${opts.config} (the run recorded ${run.meta.configFile})`);
  return gateAndReport(ctx, run, { thresholds, baselineRef: opts.baseline });
}
