import type { Context } from '../context.ts';
import { type LoadedBaseline, loadBaseline } from '../io/baseline/baseline.ts';
import type { FoldedRun } from '../io/run/run-store.ts';
import { renderEvalVerdicts, renderGateConsole } from '../report/text/gate-console.ts';
import { DataFileError, isUserError } from '../errors.ts';
import { issueAt } from '../shared/issue-text.ts';
import { loadEvalConfig } from '../load/eval-config.ts';
import type { ScenarioAggregate } from '../schema/aggregate.ts';
import { Thresholds } from '../schema/eval-config.ts';
import { aggregateRun } from '../score/aggregate-results.ts';
import { gateRun } from '../score/gate.ts';
import { latencyStats } from '../score/latency.ts';
import type { GateReport } from '../score/types.ts';
import { buildReports } from './build-reports.ts';

/**
 * Gate a loaded run, write the reports with the verdicts, print the verdicts last (where a CI log
 * reader looks), and return the exit code. Shared by `gate` and `eval --ci`.
 */
export async function gateAndReport(ctx: Context, run: FoldedRun, opts: { thresholds: Thresholds; baselineRef?: string }): Promise<number> {
  const { gate, baselineSource } = await judgeRun(ctx, run, opts);
  await buildReports(ctx, run.meta.runId, {
    gate,
    ...(opts.baselineRef ? { baselineRef: opts.baselineRef } : {}),
    run,
  });
  ctx.out('');
  for (const line of renderGateConsole(gate, baselineSource)) ctx.out(line);
  return gate.exitCode;
}

/** Loads the baseline (working tree or git ref) and calls `gateRun` on the run's aggregates. */
export async function judgeRun(
  ctx: Context,
  run: Pick<FoldedRun, 'meta' | 'results'>,
  opts: { thresholds: Thresholds; baselineRef?: string },
): Promise<{ gate: GateReport; baselineSource?: string; baselineCells?: ScenarioAggregate[] }> {
  return gateWith(ctx, run, await loadBaseline(ctx.root, { ref: opts.baselineRef }), opts);
}

/** `judgeRun` on a baseline already loaded (or none: thresholds only, with a warning). */
function gateWith(
  ctx: Context,
  run: Pick<FoldedRun, 'meta' | 'results'>,
  loaded: LoadedBaseline | undefined,
  opts: { thresholds: Thresholds; baselineRef?: string },
): { gate: GateReport; baselineSource?: string; baselineCells?: ScenarioAggregate[] } {
  if (!loaded) {
    ctx.err(
      `warning: no baseline at ${opts.baselineRef ? `${opts.baselineRef}:` : ''}reports/baseline.json: gating on thresholds only (bless one with \`agent-evals bless\`)`,
    );
  } else if (run.meta.carriedFrom && run.meta.carriedFrom !== loaded.baseline.runId) {
    ctx.err(`warning: this run carried cells from run ${run.meta.carriedFrom}, but the baseline is run ${loaded.baseline.runId}`);
  }
  const gate = gateRun({
    current: aggregateRun(run.results, { grader: run.meta.grader }),
    ...(loaded ? { baseline: loaded.baseline.cells } : {}),
    thresholds: opts.thresholds,
    plannedCells: run.meta.plannedCells,
    // Latency of what this run measured: a carried cell's latency is the baseline run's.
    latency: latencyStats(run.results.filter((r) => r.source !== 'baseline')),
  });
  return {
    gate,
    ...(loaded ? { baselineSource: `${loaded.source} (run ${loaded.baseline.runId})`, baselineCells: loaded.baseline.cells } : {}),
  };
}

/**
 * `eval` without `--ci`: when there is a baseline, print the verdicts `gate` would give, in its words,
 * without its exit code (eval's own stands). No baseline, nothing said; an unreadable one is a warning
 * here (the run is finished and its reports written: `gate` says what is wrong with it, exit 2).
 */
export async function sayVerdicts(
  ctx: Context,
  run: Pick<FoldedRun, 'meta' | 'results'>,
  opts: { thresholds: Thresholds; baselineRef?: string },
): Promise<void> {
  let loaded: LoadedBaseline | undefined;
  try {
    loaded = await loadBaseline(ctx.root, { ref: opts.baselineRef });
  } catch (err) {
    if (!isUserError(err)) throw err;
    ctx.err(`warning: baseline not compared: ${err.message}`);
    return;
  }
  if (!loaded) return;
  const { gate, baselineSource } = gateWith(ctx, run, loaded, opts);
  for (const line of renderEvalVerdicts(gate, baselineSource!)) ctx.out(line);
}

/**
 * The thresholds of the config the run was made with: meta.json keeps the whole config, defaults
 * applied. A run folder written without them (by hand, or by a tool) falls back to its recorded config file.
 */
export async function recordedThresholds(ctx: Context, run: FoldedRun): Promise<Thresholds> {
  const recorded = run.meta.config.thresholds;
  if (recorded === undefined) return (await loadEvalConfig(ctx.root, run.meta.configFile)).config.thresholds;
  const parsed = Thresholds.safeParse(recorded, { reportInput: true });
  if (!parsed.success)
    throw new DataFileError(`${issueAt(parsed.error.issues[0]!, Thresholds, ['config', 'thresholds'])}; pass the config with --config`, {
      file: `reports/runs/${run.meta.runId}/meta.json`,
    });
  return parsed.data;
}
