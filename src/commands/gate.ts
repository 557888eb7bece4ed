import type { Context } from '../context.ts';
import { loadEvalConfig } from '../load/eval-config.ts';
import { loadBaseline } from '../report/baseline.ts';
import { renderGateConsole } from '../report/gate-console.ts';
import { readRun, runDir, type LoadedRun } from '../run/store.ts';
import type { Thresholds } from '../schema/eval-config.ts';
import { aggregateRun } from '../score/aggregate.ts';
import { gateRun } from '../score/gate.ts';
import type { GateReport } from '../score/types.ts';
import { buildReports, resolveRunId } from './report.ts';

export interface GateOptions {
  run?: string;
  config: string;
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
  const runId = await resolveRunId(ctx, opts.run);
  const { config } = await loadEvalConfig(ctx.root, opts.config);
  const run = await readRun(runDir(ctx.root, runId));
  return gateAndReport(ctx, run, { thresholds: config.thresholds, baselineRef: opts.baseline });
}

/**
 * Gate a loaded run, write the reports with the verdicts, print the verdicts last (where a CI log
 * reader looks), and return the exit code. Shared by `gate` and `eval --ci`.
 */
export async function gateAndReport(ctx: Context, run: LoadedRun, opts: { thresholds: Thresholds; baselineRef?: string }): Promise<number> {
  const { gate, baselineSource } = await judgeRun(ctx, run, opts);
  await buildReports(ctx, run.meta.runId, { gate });
  ctx.out('');
  for (const line of renderGateConsole(gate, baselineSource)) ctx.out(line);
  return gate.exitCode;
}

/** Loads the baseline (working tree or git ref) and calls `gateRun` on the run's aggregates. */
export async function judgeRun(
  ctx: Context,
  run: Pick<LoadedRun, 'meta' | 'results'>,
  opts: { thresholds: Thresholds; baselineRef?: string },
): Promise<{ gate: GateReport; baselineSource?: string }> {
  const loaded = await loadBaseline(ctx.root, { ref: opts.baselineRef });
  if (!loaded) {
    ctx.err(`warning: no baseline at ${opts.baselineRef ? `${opts.baselineRef}:` : ''}reports/baseline.json: gating on thresholds only (bless one with \`agent-evals bless\`)`);
  } else if (run.meta.carriedFrom && run.meta.carriedFrom !== loaded.baseline.runId) {
    ctx.err(`warning: this run carried cells from run ${run.meta.carriedFrom}, but the baseline is run ${loaded.baseline.runId}`);
  }
  const gate = gateRun({
    current: aggregateRun(run.results, { grader: run.meta.grader }),
    ...(loaded ? { baseline: loaded.baseline.cells } : {}),
    thresholds: opts.thresholds,
    plannedCells: run.meta.plannedCells,
  });
  return { gate, ...(loaded ? { baselineSource: `${loaded.source} (run ${loaded.baseline.runId})` } : {}) };
}
