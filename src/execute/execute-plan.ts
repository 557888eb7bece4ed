import path from 'node:path';
import type { Context } from '../context.ts';
import type { OwnedRun } from '../io/run/run-folder.ts';
import { resolveModel } from '../schema/models.ts';
import type { EvalPlan } from '../plan/plan-eval.ts';
import type { SpendBook } from '../plan/spend.ts';
import { promptEstimate } from '../plan/spend.ts';
import type { EvalInputs } from '../plan/cell-plan.ts';
import type { Budget } from '../schema/eval-config.ts';
import type { CellResult } from '../schema/result.ts';
import type { RunMeta } from '../schema/run-meta.ts';
import { configSecretValues, secretValues } from '../shared/secrets.ts';
import { BudgetGuard } from './budget.ts';
import type { Readiness } from './credentials.ts';
import { type Decided, decideCells } from './decide-cells.ts';
import { dropUngraded } from './drop-ungraded.ts';
import { engineSource } from './engine.ts';
import { finishedBefore } from './finished-before.ts';
import { openRuntimes } from './open-runtimes.ts';
import { unavailableOf } from './probe-models.ts';
import { RecordingStore } from './recordings.ts';
import { runDecided } from './run-decided.ts';
import { withRoutingCells } from './routing-cells.ts';
import { sayWhatDidNotRun } from './say-not-run.ts';
import { startMeta } from './start-meta.ts';

/** What the execute stage needs besides the plan and the run folder: resolved before it starts. */
interface ExecuteSettings {
  inputs: Pick<EvalInputs, 'config' | 'configFile' | 'variants' | 'scenarios' | 'git'>;
  mode: RunMeta['mode'];
  /** Which models can run (execute/probe-models.ts), and whether the grader (every member of a panel) can. */
  readiness: Map<string, Readiness>;
  graderReady: boolean;
  /** Planned scenarios with no reference example: their verdicts are marked uncalibrated. */
  uncalibrated: string[];
  /** promptfoo's own state folder (cache, eval database). */
  stateDir: string;
  /**
   * Each cell's result, in results.jsonl's order, as it is written (the finish stage folds them):
   * this stage keeps no result after writing it, so memory does not grow with the number of cells.
   */
  onResult: (result: CellResult) => void;
}

/**
 * The run's spend cap and the spend history its projections come from (execute/budget.ts); `resumeOnTop`: the
 * cap is what a resume may spend on top of the cells finished before (`--resume --budget-usd`).
 */
interface SpendCap {
  limit: Budget;
  book: SpendBook;
  resumeOnTop?: boolean;
}

/** What the execute stage hands the finish stage, or the exit code that ended the eval early. */
type Executed = { meta: RunMeta } | { exitCode: number };

/**
 * The execute stage: which cells run live, replay or not at all, the run's meta.json, then every cell
 * through the engine seam, each result appended to results.jsonl as it finishes. The plan hands its
 * cells over here (`plan.cells.take()`): once decided, they are let go batch by batch as they run.
 *
 * @example
 * const executed = await executePlan(ctx, plan, run, { inputs, mode: 'live', readiness, graderReady, uncalibrated: [], stateDir, onResult });
 */
export async function executePlan(ctx: Context, plan: EvalPlan, run: OwnedRun, s: ExecuteSettings, cap?: SpendCap): Promise<Executed> {
  const { mode, inputs } = s;
  const ungradable = dropUngraded(ctx, plan, s.graderReady);
  const finished = await finishedBefore(ctx, run, plan.plans.size);
  // The cap, charged with what the cells finished before a resume spent (all of the run's total; against the
  // cap unless --resume was given --budget-usd, what it may spend on top).
  const guard =
    cap && mode !== 'replay'
      ? new BudgetGuard(cap.limit, cap.book, promptEstimate, { results: finished.values(), againstBudget: !cap.resumeOnTop })
      : undefined;
  const secrets = [...new Set([...secretValues(ctx.env), ...configSecretValues(inputs.config)])].sort((a, b) => b.length - a.length);
  const recordings = openRecordings(ctx.root, secrets, inputs.config, plan);
  const decided = await decideCells({ cells: plan.cells.take(), plan, mode, readiness: s.readiness, ungradable, finished, recordings });
  if (mode !== 'replay' && decided.replay.length > 0) {
    ctx.err(
      `warning: ${decided.replay.length} cells are replayed from recordings, not run live, because their model cannot run (results say source "replay")`,
    );
  }
  const { timeoutMs, maxRetries, sandbox } = inputs.config;
  const setup = { plans: plan.plans, runDir: run.dir, timeoutMs, concurrency: plan.concurrency, ...(sandbox ? { sandbox } : {}) };
  const agents = await openRuntimes(ctx, decided.live, setup);
  try {
    const grades = s.graderReady && plan.grader && plan.gradedCells > 0;
    const meta = await startMeta(run, {
      inputs,
      plan,
      mode,
      secrets,
      ...(grades ? { grader: plan.grader!.id } : {}),
      unavailable: unavailableOf(s.readiness),
      uncalibrated: s.uncalibrated,
      ...(agents ? { sandbox: sandbox ?? 'bubblewrap' } : {}),
    });
    const graders = s.graderReady ? plan.grader?.members : undefined;
    const written = await runDecided(ctx, {
      decided,
      finished,
      plans: plan.plans,
      runDir: run.dir,
      mode,
      engine: { concurrency: plan.concurrency, timeoutMs, maxRetries, repeats: plan.repeats, stateDir: s.stateDir },
      recordings,
      secrets,
      onResult: s.onResult,
      ...(graders ? { graders } : {}),
      ...(agents ? { runAgentCell: withRoutingCells(ctx, agents, timeoutMs) } : {}),
      ...(guard ? { guard } : {}),
      ...(run.previous ? {} : { newMeta: meta }),
    });
    if (ctx.debug) ctx.err(`debug: engine: ${engineSource()}`);
    if (ctx.signal?.aborted) {
      ctx.err(`interrupted: ${written} of ${plan.plans.size} cells kept in ${path.relative(ctx.root, run.dir)}`);
      return { exitCode: 130 };
    }
    sayWhatDidNotRun(ctx, decided, mode, ungradable.size);
    return { meta: endMeta(meta, decided, guard) };
  } finally {
    await agents?.close();
  }
}

/**
 * The recordings a replayed cell is read from. Every model and grader of the config is named: twins
 * among them do not replay one shared recording of an earlier version.
 */
function openRecordings(root: string, secrets: string[], config: EvalInputs['config'], plan: EvalPlan): RecordingStore {
  const { models, modelMap } = config;
  const configured = [
    ...(models === 'from-agent' ? Object.values(modelMap ?? {}) : models).map(resolveModel),
    ...(plan.grader?.members ?? []),
  ];
  return new RecordingStore(path.join(root, 'evals', 'recordings'), secrets, configured);
}

/** The meta the finish stage gets: stopped by its budget (no finishedAt: --resume finishes it), or finished now. */
function endMeta(meta: RunMeta, decided: Decided, guard: BudgetGuard | undefined): RunMeta {
  if (guard?.stopped) return { ...meta, stopped: 'budget', spent: { ...guard.total } };
  const ran = decided.live.length + decided.replay.length + decided.skipped.length > 0;
  const { stopped: _stopped, ...done } = meta;
  return {
    ...done,
    ...(guard ? { spent: { ...guard.total } } : {}),
    finishedAt: ran || !meta.finishedAt ? new Date().toISOString() : meta.finishedAt,
  };
}
