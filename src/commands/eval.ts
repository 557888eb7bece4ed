import { createHash } from 'node:crypto';
import { readFile, readdir, rmdir } from 'node:fs/promises';
import path from 'node:path';
import { parseEnv } from 'node:util';
import type { Context } from '../context.ts';
import { EvalConfigError, ProviderUnavailableError, UsageError, UserErrors } from '../errors.ts';
import { loadAgents } from '../load/agents.ts';
import { loadEvalConfig } from '../load/eval-config.ts';
import { loadScenarios, scenarioAppliesTo, type LoadedScenario } from '../load/scenarios.ts';
import { calibrateScenarios } from '../calibrate/calibrate.ts';
import { formatCalibration } from '../calibrate/format.ts';
import { formatFinding } from '../lint/lint.ts';
import { runLint } from '../lint/run-lint.ts';
import { checkModel, ENABLE_A_MODEL_HINT, type Readiness } from '../execute/credentials.ts';
import { duplicateModelLabel, expandMatrix, parseShard, resolveModel, shardCells, unmatchedFilters, type Cell } from '../plan/matrix.ts';
import { cellIdentity, cellRecordingKey, planCell, withoutModelGraded } from '../plan/plan-cell.ts';
import { engineSource, engineVersion, preloadEngine, runCells, type CellPlan } from '../execute/engine.ts';
import { forEachLimit } from '../execute/limit.ts';
import { RecordingStore } from '../execute/recordings.ts';
import { stableJson } from '../shared/stable-json.ts';
import { configSecretValues, redactConfig, secretValues } from '../shared/secrets.ts';
import { createProgress } from '../execute/progress.ts';
import { latestRunId, newRunId, openResultWriter, readRun, rewriteResults, runDir, writeMeta, type LoadedRun } from '../io/run-store.ts';
import { gitInfo } from '../io/git.ts';
import { resolveCommit } from '../io/git-files.ts';
import { assertRunIdName } from '../io/run-id.ts';
import { lockRun, type RunLock } from '../io/run-lock.ts';
import { assertReportsWritable } from '../io/writable.ts';
import type { EvalConfig } from '../schema/eval-config.ts';
import type { AgentVariant } from '../schema/agent.ts';
import type { RunMeta } from '../schema/run-meta.ts';
import type { CellResult } from '../schema/result.ts';
import { finishRun } from '../finish/finish-run.ts';
import { planChangedSince } from '../load/changed-since.ts';

export interface EvalOptions {
  config: string;
  agent?: string[];
  scenario?: string[];
  tag?: string[];
  model?: string[];
  repeat?: number;
  concurrency?: number;
  dryRun?: boolean;
  replay?: boolean;
  record?: boolean;
  resume?: string | boolean;
  ci?: boolean;
  changedSince?: string;
  baseline?: string;
  shard?: string;
}

const HARNESS_VERSION = '0.1.0';

/**
 * `agent-evals eval` (`npm run eval`): lint → calibrate → run every variant × model × scenario × repeat
 * → score → history → reports. Useful with no API key: models that cannot run are replayed from
 * recordings where they exist and otherwise reported as `not-run` with how to enable them.
 */
export async function evalCommand(ctx: Context, opts: EvalOptions): Promise<number> {
  await readDotEnv(ctx);
  if (typeof opts.resume === 'string') assertRunIdName(opts.resume, '--resume');
  // promptfoo's own state: its response cache holds raw model answers (which may echo anything), so it
  // lives beside reports/, never in it: reports/ is what gets uploaded and published.
  const stateDir = path.join(ctx.root, '.promptfoo');
  // Importing promptfoo is most of the start-up (≈ 0.8 s of CPU): it starts first; loading and lint
  // fill its waits, and the git child processes answer meanwhile.
  preloadEngine(ctx.env, stateDir);
  const git = gitInfo(ctx.root);
  const { config, file: configFile } = await loadEvalConfig(ctx.root, opts.config);
  const shard = opts.shard ? parseShard(opts.shard) : undefined;
  if (opts.shard && !shard) throw new UsageError(`--shard expects i/n with 1 ≤ i ≤ n (e.g. 2/4), got "${opts.shard}"`);
  const twice = duplicateModelLabel(config);
  if (twice) {
    throw new EvalConfigError(`"${twice.label}" is also the label of models[${twice.first}]: give each model its own \`label\` (one column per model in every report)`, { file: configFile, field: `models[${twice.index}].label` });
  }
  // A ref that does not resolve must stop the eval before any model call, not after it.
  if (opts.baseline) await resolveCommit(ctx.root, opts.baseline, '--baseline');

  // 1. Lint: free, and a broken variant must not cost a model call.
  const lint = await runLint(ctx.root);
  for (const f of lint.findings.filter((x) => x.severity === 'error')) ctx.err(formatFinding(f));
  if (lint.errors > 0) {
    ctx.err(`lint: ${lint.errors} error(s) in agents/; fix them first (details: agent-evals lint)`);
    return 1;
  }
  ctx.out(`lint: ${lint.files.length} agent files, 0 errors, ${lint.warnings} warning(s) (agent-evals lint for details)`);

  const { variants } = await loadAgents(ctx.root);
  const agentNames = [...new Set(variants.flatMap((v) => [v.name, v.id]))];
  const { scenarios, warnings } = await loadScenarios(ctx.root, { agentNames });
  for (const w of warnings) ctx.err(`warning: ${w}`);

  // 3. The matrix. A filter that selects nothing is a mistake, never a run of zero cells that passes.
  const filters = { agents: opts.agent, scenarios: opts.scenario, tags: opts.tag, models: opts.model, repeats: opts.repeat };
  const unmatched = unmatchedFilters({ variants, scenarios, config, filters });
  if (unmatched.length) throw new UserErrors(unmatched.map((line) => new UsageError(line)));
  const { cells: allCells, unmapped } = expandMatrix<LoadedScenario>({
    variants,
    scenarios,
    config,
    applies: (s, v) => scenarioAppliesTo(s, v.name, v.id),
    filters,
  });
  for (const u of unmapped) ctx.err(`warning: ${u.variantId}: not run: ${u.reason}`);
  if (allCells.length === 0) {
    throw new UsageError(`nothing to evaluate: ${configFile} and the filters select no variant × model × scenario (check \`agents:\`, \`scenarios:\` and each scenario's \`agent:\`)`);
  }
  const sharded = shard ? shardCells(allCells, shard.index, shard.count) : allCells;
  // Affected-only (--changed-since): run what changed, carry the rest from the baseline (see finishRun).
  const affected = opts.changedSince
    ? await planChangedSince(ctx, { cells: sharded, since: opts.changedSince, baselineRef: opts.baseline, configFile, grader: config.grader })
    : undefined;
  const cells = affected?.cells ?? sharded;
  const repeats = opts.repeat ?? config.repeats;
  const concurrency = opts.concurrency ?? config.concurrency;
  const temperature = config.temperature;
  const plans = new Map(cells.map((c) => [c.cellId, planCell(c, temperature)]));
  const grader = config.grader ? resolveModel(config.grader) : undefined;
  const rubricCells = cells.filter((c) => c.scenario.assert.some((a) => a.type === 'rubric')).length;

  if (opts.dryRun) {
    printDryRun(ctx, cells, rubricCells, repeats);
    return 0;
  }

  // 4. The run folder: owned by this process until the end (a second eval on it is refused), and
  // reports/ must take writes before anything is called.
  const planHash = createHash('sha256').update([...plans.keys()].sort().join('\n')).digest('hex');
  const runId = opts.resume ? typeof opts.resume === 'string' ? opts.resume : ((await latestRunId(ctx.root)) ?? '') : newRunId();
  if (!runId) throw new UsageError('--resume: no run to resume in reports/runs/');
  const dir = runDir(ctx.root, runId);
  const lock = await lockRun(dir, `reports/runs/${runId}`, ctx.pid);
  let wroteMeta = false;
  try {
    await assertReportsWritable(ctx.root);
    const previous = opts.resume ? await resumable(ctx, { runId, dir, planHash, variants, scenarios, config, secrets: configSecretValues(config), opts }) : undefined;
    const mode: RunMeta['mode'] = previous?.meta.mode ?? (opts.replay ? 'replay' : opts.record ? 'record' : 'live');
    wroteMeta = Boolean(previous);
    return await runPlanned(ctx, { opts, config, configFile, plans, grader, rubricCells, mode, previous, runId, dir, planHash, shard, repeats, concurrency, stateDir, variants, scenarios, git, affected, onMeta: () => (wroteMeta = true) });
  } finally {
    await lock.release();
    // A run that stopped before its meta.json (an error before any cell) leaves no empty folder behind.
    if (!wroteMeta) await rmdirIfEmpty(dir);
  }
}

interface RunInput {
  opts: EvalOptions;
  config: EvalConfig;
  configFile: string;
  plans: Map<string, CellPlan>;
  grader: ReturnType<typeof resolveModel> | undefined;
  rubricCells: number;
  mode: RunMeta['mode'];
  previous: LoadedRun | undefined;
  runId: string;
  dir: string;
  planHash: string;
  shard: { index: number; count: number } | undefined;
  repeats: number;
  concurrency: number;
  stateDir: string;
  variants: AgentVariant[];
  scenarios: LoadedScenario[];
  git: ReturnType<typeof gitInfo>;
  affected: Awaited<ReturnType<typeof planChangedSince>> | undefined;
  onMeta: () => void;
}

/** Probes, calibration, the cells (live, replayed or skipped), then finishRun. */
async function runPlanned(ctx: Context, input: RunInput): Promise<number> {
  const { opts, config, plans, grader, rubricCells, mode, previous, runId, dir, scenarios } = input;
  // 5. Which models can run here? Checked once each, before any call.
  const models = [...new Map([...plans.values()].map((p) => [p.model.label, p.model])).values()];
  const readiness = new Map<string, Readiness>();
  if (mode !== 'replay') {
    await Promise.all([...models, ...(grader ? [grader] : [])].map(async (m) => readiness.set(m.label, await checkModel(m, { env: ctx.env, timeoutMs: config.timeoutMs }))));
  }
  const unavailable = [...readiness].filter((entry): entry is [string, Extract<Readiness, { ok: false }>] => !entry[1].ok);
  for (const [label, r] of unavailable) ctx.err(`model ${label}: cannot run: ${r.reason}; ${r.howTo}`);
  if ((opts.ci || mode === 'record') && unavailable.length > 0) {
    const why = opts.ci ? 'a gate that runs nothing is worse than none' : 'a record run takes fresh answers, never old recordings';
    throw new ProviderUnavailableError(`${opts.ci ? '--ci' : '--record'}: ${unavailable.length} configured model(s) cannot run (${unavailable.map(([l]) => l).join(', ')}); ${why}`);
  }
  // Calibration: assertions must tell good answers from bad before they judge a model. (After the
  // cheap checks above, so a --ci run with a missing key fails at once.)
  const calibration = await calibrateScenarios(scenarios, { graderAvailable: false });
  if (!calibration.ok) {
    for (const line of formatCalibration(calibration)) ctx.err(line);
    ctx.err('calibration failed: fix the scenarios above before spending money (agent-evals calibrate)');
    return 1;
  }
  ctx.out(`calibration: ${scenarios.length} scenarios calibrate clean`);

  const graderReady = grader ? (mode === 'replay' ? true : readiness.get(grader.label)?.ok === true) : false;
  // A cell judged by rubrics alone, with no grader, has nothing left to judge it: it did not run.
  const ungradable = new Set<string>();
  if (!graderReady && rubricCells > 0) {
    for (const [id, plan] of plans) {
      const kept = withoutModelGraded(plan);
      plans.set(id, kept);
      if (kept.assertions.length === 0) ungradable.add(id);
    }
    ctx.err(`warning: rubric assertions in ${rubricCells} cells are not graded: ${grader ? `grader ${grader.label} cannot run` : 'no `grader:` in the eval config'}; the other assertions judge those cells${ungradable.size ? `, and ${ungradable.size} cells with only rubric assertions do not run` : ''}`);
  }

  // 6. Resume: cells already finished in the run being resumed are not called again; the lines of
  // cells that did not run are dropped, to be written once more below.
  const finished = new Map<string, CellResult>();
  if (previous) {
    for (const r of previous.results) if (r.status === 'pass' || r.status === 'fail' || r.status === 'error') finished.set(r.cellId, r);
    if (finished.size < previous.results.length) await rewriteResults(dir, [...finished.values()]);
    ctx.out(`resuming ${runId}: ${finished.size} of ${plans.size} cells already finished`);
  }

  // 7. Decide per cell: live, replay, or not run.
  // Keys from the environment and any written into the config: neither may reach an artifact.
  const secrets = [...new Set([...secretValues(ctx.env), ...configSecretValues(config)])].sort((a, b) => b.length - a.length);
  const recordings = new RecordingStore(path.join(ctx.root, 'evals', 'recordings'), secrets);
  const livePlans: CellPlan[] = [];
  const replayPlans: CellPlan[] = [];
  const skipped: CellResult[] = [];
  const pending = [...plans.values()].filter((plan) => !finished.has(plan.cellId));
  const runsLive = (plan: CellPlan) => mode !== 'replay' && readiness.get(plan.model.label)?.ok === true;
  const recorded = new Set<string>();
  await forEachLimit(pending.filter((plan) => !runsLive(plan) && !ungradable.has(plan.cellId)), 32, async (plan) => {
    if (await recordings.has(cellRecordingKey(plan))) recorded.add(plan.cellId);
  });
  for (const plan of pending) {
    const ready = readiness.get(plan.model.label);
    if (ungradable.has(plan.cellId)) skipped.push(skippedResult(plan, 'not-run', `not graded: its only assertions are rubrics and ${grader ? `grader ${grader.label} cannot run` : 'the eval config names no `grader:`'}`));
    else if (runsLive(plan)) livePlans.push(plan);
    else if (recorded.has(plan.cellId)) replayPlans.push(plan);
    else skipped.push(skippedResult(plan, mode === 'replay' ? 'not-recorded' : 'not-run', mode === 'replay' ? 'no recording for this cell (its prompt or scenario changed since recording): run live to record it' : (ready && !ready.ok ? ready.reason : 'model unavailable')));
  }
  if (mode !== 'replay' && replayPlans.length > 0) {
    ctx.err(`warning: ${replayPlans.length} cells are replayed from recordings, not run live, because their model cannot run (results say source "replay")`);
  }

  const meta: RunMeta = previous?.meta ?? {
    runId,
    startedAt: new Date().toISOString(),
    git: await input.git,
    harnessVersion: HARNESS_VERSION,
    promptfooVersion: await engineVersion(),
    config: redactConfig(config as unknown as Record<string, unknown>, secrets),
    configFile: input.configFile,
    planHash: input.planHash,
    plannedCells: plans.size,
    ...(input.shard ? { shard: input.shard } : {}),
    mode,
    ...(grader && graderReady && rubricCells > 0 ? { grader: grader.id } : {}),
    fingerprints: {
      variants: Object.fromEntries(input.variants.map((v) => [v.id, { hash: v.contentHash, agent: v.name, file: v.file, systemPrompt: v.systemPrompt }])),
      scenarios: Object.fromEntries(scenarios.map((s) => [s.id, { hash: s.hash, assertionsHash: s.assertionsHash, title: s.title }])),
    },
    notRun: Object.fromEntries(unavailable.map(([label, r]) => [label, r.reason])),
  };
  if (!previous) {
    await writeMeta(dir, meta);
    input.onMeta();
  }
  const writer = await openResultWriter(dir);
  const results: CellResult[] = [...finished.values()];
  const progress = createProgress({ total: livePlans.length + replayPlans.length, isTTY: ctx.isTTY, write: ctx.write });
  const record = async (r: CellResult) => {
    results.push(r);
    await writer.append(r);
  };
  try {
    for (const r of skipped) await record(r);
    const common = { secrets, concurrency: input.concurrency, timeoutMs: config.timeoutMs, maxRetries: config.maxRetries, repeats: input.repeats, recordings, env: ctx.env, signal: ctx.signal, stateDir: input.stateDir };
    const onResult = async (r: CellResult) => {
      await record(r);
      progress.tick(r.status);
    };
    if (replayPlans.length) await runCells({ ...common, plans: replayPlans, mode: 'replay', onResult, grader: graderReady ? grader : undefined });
    if (livePlans.length) await runCells({ ...common, plans: livePlans, mode: mode === 'record' ? 'record' : 'live', onResult, grader: graderReady ? grader : undefined });
  } finally {
    progress.done();
    await writer.close();
  }
  if (ctx.debug) ctx.err(`debug: engine: ${engineSource()}`);

  if (ctx.signal?.aborted) {
    ctx.err(`interrupted: ${results.length} of ${plans.size} cells kept in ${path.relative(ctx.root, dir)}`);
    ctx.err(`resume with: npm run eval -- --resume ${runId}`);
    return 130;
  }
  if (skipped.length > 0 && livePlans.length === 0 && replayPlans.length === 0) {
    ctx.out(`no model could run: ${skipped.length} cells ${mode === 'replay' ? 'not recorded' : 'not run'}.`);
    if (mode !== 'replay' && ungradable.size < skipped.length) for (const line of ENABLE_A_MODEL_HINT) ctx.out(line);
  } else if (skipped.length > 0) {
    ctx.out(`${skipped.length} cells did not run (${[...new Set(skipped.map((s) => s.model))].join(', ')}); see the warnings above.`);
  }
  const ran = livePlans.length + replayPlans.length + skipped.length > 0;
  const finishedAt = ran || !meta.finishedAt ? new Date().toISOString() : meta.finishedAt;
  return finishRun(ctx, { meta: { ...meta, finishedAt }, dir, results, config, ci: opts.ci, baselineRef: opts.baseline, carried: input.affected?.carried });
}

/**
 * The run to resume, checked: same cells, same inputs, same config. Anything that changed since the
 * run started would mix two versions of a prompt in one run, so it is refused, naming what changed.
 */
async function resumable(
  ctx: Context,
  input: { runId: string; dir: string; planHash: string; variants: AgentVariant[]; scenarios: LoadedScenario[]; config: EvalConfig; secrets: string[]; opts: EvalOptions },
): Promise<LoadedRun> {
  const { runId } = input;
  const previous = await readRun(input.dir);
  for (const w of previous.warnings) ctx.err(`warning: ${w}`);
  const refuse = (what: string) => new UsageError(`--resume ${runId}: ${what} changed since that run started; start a new run instead`);
  if (previous.meta.planHash !== input.planHash) throw refuse('the agents, scenarios, models or filters');
  const changedVariants = input.variants.filter((v) => {
    const was = previous.meta.fingerprints.variants[v.id];
    return was && was.hash !== v.contentHash;
  });
  if (changedVariants.length) throw refuse(`agent variant ${changedVariants.map((v) => `${v.id} (${v.file})`).join(', ')}`);
  const changedScenarios = input.scenarios.filter((s) => {
    const was = previous.meta.fingerprints.scenarios[s.id];
    return was && (was.hash !== s.hash || was.assertionsHash !== s.assertionsHash);
  });
  if (changedScenarios.length) throw refuse(`scenario ${changedScenarios.map((s) => s.id).join(', ')}`);
  const secrets = [...new Set([...secretValues(ctx.env), ...input.secrets])];
  if (stableJson(redactConfig(input.config as unknown as Record<string, unknown>, secrets)) !== stableJson(previous.meta.config)) throw refuse(`the eval config (${previous.meta.configFile})`);
  const asked = input.opts.replay ? 'replay' : input.opts.record ? 'record' : undefined;
  if (asked && asked !== previous.meta.mode) {
    throw new UsageError(`--resume ${runId}: that run is a ${previous.meta.mode} run; resume it without --${asked} (a run keeps its mode)`);
  }
  return previous;
}

function skippedResult(plan: CellPlan, status: 'not-run' | 'not-recorded', reason: string): CellResult {
  return {
    ...cellIdentity(plan),
    status,
    assertions: [],
    score: 0,
    error: reason,
    finishedAt: new Date().toISOString(),
  };
}

function printDryRun(ctx: Context, cells: Cell<LoadedScenario>[], rubricCells: number, repeats: number): void {
  const variants = new Set(cells.map((c) => c.variant.id)).size;
  const models = new Set(cells.map((c) => c.model.label)).size;
  const scenarios = new Set(cells.map((c) => c.scenario.id)).size;
  const promptTokens = cells.reduce((sum, c) => sum + c.variant.promptTokens + Math.ceil(c.scenario.messages.reduce((n, m) => n + m.content.length, 0) / 4), 0);
  ctx.out(`dry run: ${variants} variants × ${models} models × ${scenarios} scenarios × ${repeats} repeats (where scenarios apply) = ${cells.length} cells`);
  ctx.out(`model calls: ${cells.length} agent calls + ${rubricCells} grader calls (rubric assertions)`);
  ctx.out(`estimated prompt tokens: ~${promptTokens.toLocaleString('en-US')} (answers not included); nothing was called`);
}

async function rmdirIfEmpty(dir: string): Promise<void> {
  const entries = await readdir(dir).catch(() => undefined);
  if (entries && entries.length === 0) await rmdir(dir).catch(() => undefined);
}

/** `.env` in the project root, without overriding variables already set. */
async function readDotEnv(ctx: Context): Promise<void> {
  const text = await readFile(path.join(ctx.root, '.env'), 'utf8').catch(() => undefined);
  if (!text) return;
  for (const [k, v] of Object.entries(parseEnv(text))) ctx.env[k] ??= v;
}
