import type { Context } from '../context.ts';
import { loadEvalConfig } from '../load/eval-config.ts';
import { loadBaseline } from '../report/baseline.ts';
import { renderGateConsole } from '../report/gate-console.ts';
import { readRun, runDir, type LoadedRun } from '../run/store.ts';
import { resolveCommit } from '../run/git-files.ts';
import { runOwner } from '../run/run-lock.ts';
import { DataFileError, UsageError } from '../errors.ts';
import { Thresholds } from '../schema/eval-config.ts';
import { aggregateRun } from '../score/aggregate.ts';
import { gateRun } from '../score/gate.ts';
import type { GateReport } from '../score/types.ts';
import { buildReports, resolveRunId } from './report.ts';

export interface GateOptions {
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
  const runId = await resolveRunId(ctx, opts.run);
  if (opts.baseline) await resolveCommit(ctx.root, opts.baseline, '--baseline');
  const run = await readFinishedRun(ctx, runId, 'gate');
  const thresholds = opts.config ? (await loadEvalConfig(ctx.root, opts.config)).config.thresholds : await recordedThresholds(ctx, run);
  if (opts.config) ctx.out(`gate: thresholds from ${opts.config} (the run recorded ${run.meta.configFile})`);
  return gateAndReport(ctx, run, { thresholds, baselineRef: opts.baseline });
}

/**
 * The thresholds of the config the run was made with: meta.json keeps the whole config, defaults
 * applied. A run folder written without them (by hand, or by a tool) falls back to its recorded config file.
 */
async function recordedThresholds(ctx: Context, run: LoadedRun): Promise<Thresholds> {
  const recorded = run.meta.config.thresholds;
  if (recorded === undefined) return (await loadEvalConfig(ctx.root, run.meta.configFile)).config.thresholds;
  const parsed = Thresholds.safeParse(recorded);
  if (!parsed.success) throw new DataFileError(`config.thresholds: not readable (${parsed.error.issues[0]!.message}); pass the config with --config`, { file: `reports/runs/${run.meta.runId}/meta.json` });
  return parsed.data;
}

/**
 * A run a reader may judge: not being written by a live process, and finished (every planned cell has
 * a result). A verdict on part of a run is a verdict the data does not support.
 */
export async function readFinishedRun(ctx: Context, runId: string, command: string): Promise<LoadedRun> {
  const dir = runDir(ctx.root, runId);
  const owner = await runOwner(dir);
  if (owner) throw new UsageError(`${command}: run ${runId} is still running (pid ${owner.pid} on ${owner.host}); wait for it to finish`);
  const run = await readRun(dir);
  for (const w of run.warnings) ctx.err(`warning: ${w}`);
  const measured = run.results.filter((r) => r.source !== 'baseline').length;
  if (measured < run.meta.plannedCells || !run.meta.finishedAt) {
    throw new UsageError(`${command}: run ${runId} is unfinished (${measured} of ${run.meta.plannedCells} cells): finish it with \`agent-evals eval --resume ${runId}\` first`);
  }
  return run;
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
