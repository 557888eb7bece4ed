import path from 'node:path';
import { calibrateScenarios, splitUncalibrated } from '../calibrate/calibrate.ts';
import { formatCalibration, formatRubricTrust, formatUncalibrated } from '../calibrate/format.ts';
import { lastRubricCalibration } from '../calibrate/rubrics.ts';
import type { Context } from '../context.ts';
import { ProviderUnavailableError } from '../errors.ts';
import type { OwnedRun } from '../io/run-folder.ts';
import { openResultWriter, writeMeta } from '../io/run-store.ts';
import { finishedCells } from '../io/resumed-run.ts';
import type { EvalInputs } from '../load/eval-inputs.ts';
import { type ResolvedModel, resolveModel, type RuntimeName } from '../plan/matrix.ts';
import type { GraderPanel } from '../plan/graders.ts';
import type { EvalPlan } from '../plan/plan-eval.ts';
import { newRunMeta } from '../plan/run-meta.ts';
import type { CellResult } from '../schema/result.ts';
import type { RunMeta } from '../schema/run-meta.ts';
import { configSecretValues, secretValues } from '../shared/secrets.ts';
import { checkModel, ENABLE_A_MODEL_HINT, type Readiness } from './credentials.ts';
import type { AgentRuntimes } from './agent-cells.ts';
import { engineSource, engineVersion } from './engine.ts';
import type { AgentCellRunner } from './provider-wrapper.ts';
import { runCells } from './run-cells.ts';
import { withRoutingCells } from './routing-cells.ts';
import { type Decided, decideCells, type Finished } from './decide-cells.ts';
import { createProgress } from './progress.ts';
import { RecordingStore } from './recordings.ts';
import { BudgetGuard } from './budget.ts';
import type { Budget } from '../schema/eval-config.ts';
import type { SpendBook } from '../plan/spend.ts';
import { promptEstimate } from '../plan/spend.ts';

export interface ExecuteInput {
  inputs: EvalInputs;
  plan: EvalPlan;
  run: OwnedRun;
  mode: RunMeta['mode'];
  /** Gate mode: a model that cannot run is an error. */
  ci?: boolean;
  /** promptfoo's own state folder (cache, eval database). */
  stateDir: string;
  /**
   * Each cell's result, in results.jsonl's order, as it is written (the finish stage folds them):
   * this stage keeps no result after writing it, so memory does not grow with the number of cells.
   */
  onResult: (result: CellResult) => void;
  /**
   * The run's spend cap and the spend history its projections come from (execute/budget.ts); `resumeOnTop`: the
   * cap is what a resume may spend on top of the cells finished before (`--resume --budget-usd`).
   */
  budget?: { limit: Budget; book: SpendBook; resumeOnTop?: boolean };
}

/** What the execute stage hands the finish stage, or the exit code that ended the eval early. */
export type Executed = { meta: RunMeta } | { exitCode: number };

type Unavailable = [label: string, readiness: Extract<Readiness, { ok: false }>];

const PROBE_TIMEOUT_MS = 15_000;

/**
 * The execute stage: which models can run, calibration, which cells run live, replay or not at all,
 * the run's meta.json, then every cell through the engine seam, each result appended to results.jsonl
 * as it finishes.
 */
export async function executePlan(ctx: Context, input: ExecuteInput): Promise<Executed> {
  const { plan, run, mode } = input;
  const readiness = await probeModels(ctx, input);
  const uncalibrated = await calibrate(ctx, input.inputs, plan);
  if (!uncalibrated) return { exitCode: 1 };
  // A panel grades only whole: a rubric decided by the graders that happened to run is not the verdict configured.
  const graderReady = plan.grader ? mode === 'replay' || plan.grader.members.every((m) => readiness.get(m.label)?.ok === true) : false;
  const ungradable = dropUngraded(ctx, plan, graderReady);
  if (graderReady && plan.grader && plan.gradedCells > 0) await warnOfFlaggedRubrics(ctx, input, plan.grader);
  const finished = await finishedBefore(ctx, run, plan);
  const secrets = [...new Set([...secretValues(ctx.env), ...configSecretValues(input.inputs.config)])].sort((a, b) => b.length - a.length);
  // Every model and grader of the config: twins among them do not replay one shared recording of an earlier version.
  const { models, modelMap } = input.inputs.config;
  const configured = [
    ...(models === 'from-agent' ? Object.values(modelMap ?? {}) : models).map(resolveModel),
    ...(plan.grader?.members ?? []),
  ];
  const recordings = new RecordingStore(path.join(ctx.root, 'evals', 'recordings'), secrets, configured);
  const decided = await decideCells({ plan, mode, readiness, ungradable, finished, recordings });
  // Decided: the plan lets its cells go, and the run lets each go once its batch is planned (CellPlans.list).
  plan.cells.length = 0;
  if (mode !== 'replay' && decided.replay.length > 0) {
    ctx.err(
      `warning: ${decided.replay.length} cells are replayed from recordings, not run live, because their model cannot run (results say source "replay")`,
    );
  }
  const unavailable = [...readiness].filter((e): e is Unavailable => !e[1].ok);
  // Agent programs start before anything is written: a missing one is exit 2 with its install command.
  // (Imported here, not at the top: the runtimes stay off the start-up of every chat-only eval.)
  // The runtimes are started from one plan per runtime that has live cells (a plan says which it needs).
  const agentCells = [...new Map(decided.live.filter((c) => c.model.runtime !== 'chat').map((c) => [c.model.runtime, c])).values()];
  const agents = agentCells.length
    ? await (await import('./agent-cells.ts')).openAgentRuntimes(ctx, {
        plans: agentCells.map((c) => plan.plans.of(c)),
        runDir: run.dir,
        timeoutMs: input.inputs.config.timeoutMs,
        sandbox: input.inputs.config.sandbox ?? 'bubblewrap',
        atOnce: cellsAtOnce(decided.live, plan.concurrency),
      })
    : undefined;
  if (agents && input.inputs.config.sandbox === 'none')
    ctx.err('warning: sandbox: none — agent programs run unjailed, with access to every file, key and network this user can reach');
  try {
    return await runAndReport(ctx, input, {
      decided,
      finished,
      recordings,
      secrets,
      graderReady,
      unavailable,
      ungradable,
      agents,
      uncalibrated,
    });
  } finally {
    await agents?.close();
  }
}

/** Writes the run's meta.json (a new run), runs the decided cells, and says what did not run. */
async function runAndReport(
  ctx: Context,
  input: ExecuteInput,
  s: {
    decided: Decided;
    finished: Finished;
    recordings: RecordingStore;
    secrets: string[];
    graderReady: boolean;
    unavailable: Unavailable[];
    ungradable: Set<string>;
    agents?: AgentRuntimes;
    uncalibrated: string[];
  },
): Promise<Executed> {
  const { plan, run, mode } = input;
  const { decided, finished, recordings, secrets, graderReady, unavailable, ungradable } = s;
  const meta =
    run.previous?.meta ??
    newRunMeta({
      runId: run.runId,
      inputs: input.inputs,
      plan,
      mode,
      git: await input.inputs.git,
      engineVersion: await engineVersion(),
      secrets,
      ...(plan.grader && graderReady && plan.gradedCells > 0 ? { grader: plan.grader.id } : {}),
      notRun: Object.fromEntries(unavailable.map(([label, r]) => [label, r.reason])),
      ...(s.agents ? { sandbox: input.inputs.config.sandbox ?? 'bubblewrap' } : {}),
    });
  if (!run.previous && s.uncalibrated.length) meta.uncalibrated = s.uncalibrated;
  if (!run.previous) await writeMeta(run.dir, meta);
  const graders = graderReady ? plan.grader?.members : undefined;
  const guard = input.budget && mode !== 'replay' ? new BudgetGuard(input.budget.limit, input.budget.book, promptEstimate) : undefined;
  const written = await runDecided(ctx, {
    ...input,
    decided,
    finished,
    recordings,
    secrets,
    ...(graders ? { graders } : {}),
    ...(s.agents ? { runAgentCell: withRoutingCells(ctx, s.agents, input.inputs.config.timeoutMs) } : {}),
    ...(guard ? { guard } : {}),
  });
  if (ctx.debug) ctx.err(`debug: engine: ${engineSource()}`);
  if (ctx.signal?.aborted) {
    ctx.err(`interrupted: ${written} of ${plan.plans.size} cells kept in ${path.relative(ctx.root, run.dir)}`);
    return { exitCode: 130 };
  }
  sayWhatDidNotRun(ctx, decided, mode, ungradable.size);
  // Stopped by its budget: unfinished (no finishedAt), said so in meta.json and every report; --resume finishes it.
  if (guard?.stopped) return { meta: { ...meta, stopped: 'budget', spent: { ...guard.total } } };
  const ran = decided.live.length + decided.replay.length + decided.skipped.length > 0;
  const { stopped: _stopped, ...done } = meta;
  return {
    meta: {
      ...done,
      ...(guard ? { spent: { ...guard.total } } : {}),
      finishedAt: ran || !meta.finishedAt ? new Date().toISOString() : meta.finishedAt,
    },
  };
}

/** Which models can run here, each checked once before any call. With --ci or --record, one that cannot is an error. */
async function probeModels(ctx: Context, { plan, mode, ci, inputs }: ExecuteInput): Promise<Map<string, Readiness>> {
  const readiness = new Map<string, Readiness>();
  if (mode === 'replay') return readiness;
  const models = [...new Map(plan.cells.map((c) => [c.model.label, c.model])).values()];
  // The eval's patience, up to 15 s an attempt: a listing endpoint answers fast when a server is there,
  // and a closed network must not hold the eval for three whole model timeouts.
  const timeoutMs = Math.min(inputs.config.timeoutMs, PROBE_TIMEOUT_MS);
  const probe = async (m: ResolvedModel) => readiness.set(m.label, await checkModel(m, { env: ctx.env, timeoutMs }));
  await Promise.all([...models, ...(plan.grader?.members ?? [])].map(probe));
  const unavailable = [...readiness].filter((e): e is Unavailable => !e[1].ok);
  for (const [label, r] of unavailable) ctx.err(`model ${label}: cannot run: ${r.reason}; ${r.howTo}`);
  if ((ci || mode === 'record') && unavailable.length > 0) {
    const why = ci ? 'a gate that runs nothing is worse than none' : 'a record run takes fresh answers, never old recordings';
    throw new ProviderUnavailableError(
      `${ci ? '--ci' : '--record'}: ${unavailable.length} configured model(s) cannot run (${unavailable.map(([l]) => l).join(', ')}); ${why}`,
    );
  }
  return readiness;
}

/**
 * Assertions must tell good answers from bad before they judge a model (after the cheap checks, before
 * any call): a failing example stops the eval. A planned scenario with no reference example at all runs,
 * with a warning, its verdicts marked uncalibrated. Returns those scenarios' ids, or undefined to stop.
 */
async function calibrate(ctx: Context, inputs: EvalInputs, plan: EvalPlan): Promise<string[] | undefined> {
  const { checked, uncalibrated } = splitUncalibrated(await calibrateScenarios(inputs.scenarios, { graderAvailable: false }));
  if (!checked.ok) {
    for (const line of formatCalibration(checked)) ctx.err(line);
    ctx.err('calibration failed: fix the scenarios above before spending money (agent-evals calibrate)');
    return undefined;
  }
  const planned = new Set(plan.cells.map((c) => c.scenario.id));
  const unchecked = uncalibrated.filter((s) => planned.has(s.id));
  for (const s of unchecked) ctx.err(formatUncalibrated(s));
  const without = uncalibrated.length ? `; ${uncalibrated.length} without reference examples` : '';
  ctx.out(`calibration: ${checked.scenarios.length} scenarios calibrate clean${without}`);
  return unchecked.map((s) => s.id);
}

/** Verdicts resting on a rubric its last calibration flagged (read from the calibration cache: no grader call). */
async function warnOfFlaggedRubrics(ctx: Context, input: ExecuteInput, grader: GraderPanel): Promise<void> {
  const planned = new Set(input.plan.cells.map((c) => c.scenario.id));
  const scenarios = input.inputs.scenarios.filter((s) => planned.has(s.id));
  const trust = await lastRubricCalibration(ctx.root, scenarios, grader.members);
  for (const line of formatRubricTrust(trust, { grader: grader.label, config: input.inputs.configFile })) ctx.err(line);
}

/**
 * With no grader that can run, model-graded assertions are dropped from the plans and reported as not
 * graded; a cell judged by them alone has nothing left to judge it, so it does not run (returned).
 */
function dropUngraded(ctx: Context, plan: EvalPlan, graderReady: boolean): Set<string> {
  const ungradable = new Set<string>();
  if (graderReady || plan.gradedCells === 0) return ungradable;
  plan.plans.dropModelGraded();
  // Whether anything is left to judge a cell depends on its scenario only: one plan per scenario says.
  const leftOver = new Map<unknown, boolean>();
  for (const cell of plan.cells) {
    if (!leftOver.has(cell.scenario)) leftOver.set(cell.scenario, plan.plans.of(cell).assertions.length > 0);
    if (!leftOver.get(cell.scenario)) ungradable.add(cell.cellId);
  }
  const why = plan.grader ? `grader ${plan.grader.label} cannot run` : 'no `grader:` in the eval config';
  ctx.err(
    `warning: rubric assertions in ${plan.gradedCells} cells are not graded: ${why}; the other assertions judge those cells${ungradable.size ? `, and ${ungradable.size} cells with only rubric assertions do not run` : ''}`,
  );
  return ungradable;
}

/**
 * Resume: cells already finished (pass, fail, error) are not called again; the lines of cells that did
 * not run are dropped from results.jsonl, to be written once more.
 */
async function finishedBefore(ctx: Context, run: OwnedRun, plan: EvalPlan): Promise<Finished> {
  if (!run.previous) return new Map();
  const finished = await finishedCells(run.dir);
  ctx.out(`resuming ${run.runId}: ${finished.size} of ${plan.plans.size} cells already finished`);
  return finished;
}

/**
 * Writes the skipped cells, then runs the replayed and the live ones; every result is appended as it
 * finishes and handed to `onResult` (after the resumed run's finished ones). Returns how many results
 * the run folder holds.
 */
async function runDecided(
  ctx: Context,
  input: ExecuteInput & {
    decided: Decided;
    finished: Finished;
    recordings: RecordingStore;
    secrets: string[];
    graders?: ResolvedModel[];
    runAgentCell?: AgentCellRunner;
    guard?: BudgetGuard;
  },
): Promise<number> {
  const { decided, plan, inputs } = input;
  const writer = await openResultWriter(input.run.dir);
  for (const r of input.finished.values()) {
    input.onResult(r);
    input.guard?.chargeFinished(r, !input.budget?.resumeOnTop);
  }
  let written = input.finished.size;
  const progress = createProgress({ total: decided.live.length + decided.replay.length, isTTY: ctx.isTTY, write: ctx.write });
  const record = async (r: CellResult) => {
    input.onResult(r);
    written++;
    await writer.append(r);
  };
  try {
    for (const r of decided.skipped) await record(r);
    const common = {
      secrets: input.secrets,
      concurrency: plan.concurrency,
      timeoutMs: inputs.config.timeoutMs,
      maxRetries: inputs.config.maxRetries,
      repeats: plan.repeats,
      recordings: input.recordings,
      env: ctx.env,
      signal: ctx.signal,
      stateDir: input.stateDir,
      ...(input.graders ? { graders: input.graders } : {}),
      ...(input.runAgentCell ? { runAgentCell: input.runAgentCell } : {}),
      ...(input.guard ? { budget: input.guard } : {}),
      onResult: async (r: CellResult) => {
        await record(r);
        progress.tick(r.status);
      },
    };
    if (decided.replay.length) await runCells({ ...common, plans: plan.plans.list(decided.replay), mode: 'replay' });
    if (decided.live.length)
      await runCells({ ...common, plans: plan.plans.list(decided.live), mode: input.mode === 'record' ? 'record' : 'live' });
  } finally {
    progress.done();
    await writer.close();
  }
  return written;
}

function sayWhatDidNotRun(ctx: Context, decided: Decided, mode: RunMeta['mode'], ungradable: number): void {
  const { skipped } = decided;
  if (skipped.length === 0) return;
  if (decided.live.length === 0 && decided.replay.length === 0) {
    ctx.out(`no model could run: ${skipped.length} cells ${mode === 'replay' ? 'not recorded' : 'not run'}.`);
    if (mode !== 'replay' && ungradable < skipped.length) for (const line of ENABLE_A_MODEL_HINT) ctx.out(line);
  } else {
    ctx.out(`${skipped.length} cells did not run (${[...new Set(skipped.map((s) => s.model))].join(', ')}); see the warnings above.`);
  }
}

/** How many live cells of each agent runtime may run at once: the run's concurrency, or fewer cells. */
function cellsAtOnce(live: ReadonlyArray<{ model: { runtime: RuntimeName } }>, concurrency: number): Partial<Record<RuntimeName, number>> {
  const counts: Partial<Record<RuntimeName, number>> = {};
  for (const cell of live) counts[cell.model.runtime] = (counts[cell.model.runtime] ?? 0) + 1;
  for (const runtime of Object.keys(counts) as RuntimeName[]) counts[runtime] = Math.min(counts[runtime]!, concurrency);
  return counts;
}
