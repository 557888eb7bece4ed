import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseEnv } from 'node:util';
import type { Context } from '../context.ts';
import { ProviderUnavailableError, UsageError } from '../errors.ts';
import { loadAgents } from '../load/agents.ts';
import { loadEvalConfig } from '../load/eval-config.ts';
import { loadScenarios, scenarioAppliesTo, type LoadedScenario } from '../load/scenarios.ts';
import { calibrateScenarios } from '../calibrate/calibrate.ts';
import { formatCalibration } from '../calibrate/format.ts';
import { formatFinding } from '../lint/lint.ts';
import { runLint } from './lint.ts';
import { checkModel, ENABLE_A_MODEL_HINT, type Readiness } from '../run/credentials.ts';
import { expandMatrix, parseShard, resolveModel, shardCells, type Cell } from '../run/matrix.ts';
import { cellIdentity, cellRecordingKey, planCell, withoutModelGraded } from '../run/plan.ts';
import { engineSource, engineVersion, preloadEngine, runCells, type CellPlan } from '../run/promptfoo.ts';
import { forEachLimit } from '../run/limit.ts';
import { RecordingStore } from '../run/recordings.ts';
import { configSecretValues, redactConfig, secretValues } from '../run/secrets.ts';
import { createProgress } from '../run/progress.ts';
import { latestRunId, newRunId, openResultWriter, readRun, runDir, writeMeta } from '../run/store.ts';
import { gitInfo } from '../run/git.ts';
import type { RunMeta } from '../schema/run-meta.ts';
import type { CellResult } from '../schema/result.ts';
import { finishRun } from './finish-run.ts';
import { planChangedSince } from './changed-since.ts';

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

  // 1. Lint: free, and a broken variant must not cost a model call.
  const lint = await runLint(ctx.root);
  for (const f of lint.findings.filter((x) => x.severity === 'error')) ctx.err(formatFinding(f));
  if (lint.errors > 0) {
    ctx.err(`lint: ${lint.errors} error(s) in agents/; fix them first (details: agent-evals lint)`);
    return 2;
  }
  ctx.out(`lint: ${lint.files.length} agent files, 0 errors, ${lint.warnings} warning(s) (agent-evals lint for details)`);

  const { variants } = await loadAgents(ctx.root);
  const agentNames = [...new Set(variants.flatMap((v) => [v.name, v.id]))];
  const { scenarios, warnings } = await loadScenarios(ctx.root, { agentNames });
  for (const w of warnings) ctx.err(`warning: ${w}`);

  // 3. The matrix.
  const { cells: allCells, unmapped } = expandMatrix<LoadedScenario>({
    variants,
    scenarios,
    config,
    applies: (s, v) => scenarioAppliesTo(s, v.name, v.id),
    filters: { agents: opts.agent, scenarios: opts.scenario, tags: opts.tag, models: opts.model, repeats: opts.repeat },
  });
  for (const u of unmapped) ctx.err(`warning: ${u.variantId}: not run: ${u.reason}`);
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

  // 4. Which models can run here? Checked once each, before any call.
  const models = [...new Map(cells.map((c) => [c.model.label, c.model])).values()];
  const readiness = new Map<string, Readiness>();
  if (!opts.replay) {
    await Promise.all([...models, ...(grader ? [grader] : [])].map(async (m) => readiness.set(m.label, await checkModel(m, { env: ctx.env }))));
  }
  const unavailable = [...readiness].filter((entry): entry is [string, Extract<Readiness, { ok: false }>] => !entry[1].ok);
  for (const [label, r] of unavailable) ctx.err(`model ${label}: cannot run: ${r.reason}; ${r.howTo}`);
  if (opts.ci && unavailable.length > 0) {
    throw new ProviderUnavailableError(`--ci: ${unavailable.length} configured model(s) cannot run (${unavailable.map(([l]) => l).join(', ')}); a gate that runs nothing is worse than none`);
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

  const graderReady = grader ? (opts.replay ? true : readiness.get(grader.label)?.ok === true) : false;
  if (!graderReady && rubricCells > 0) {
    for (const [id, plan] of plans) plans.set(id, withoutModelGraded(plan));
    ctx.err(`warning: rubric assertions in ${rubricCells} cells are not graded: ${grader ? `grader ${grader.label} cannot run` : 'no `grader:` in the eval config'}; the other assertions judge those cells`);
  }

  // 5. Resume: cells already finished in the run being resumed are not called again.
  const planHash = createHash('sha256').update([...plans.keys()].sort().join('\n')).digest('hex');
  let runId = newRunId();
  const finished = new Map<string, CellResult>();
  if (opts.resume) {
    runId = typeof opts.resume === 'string' ? opts.resume : ((await latestRunId(ctx.root)) ?? '');
    if (!runId) throw new UsageError('--resume: no run to resume in reports/runs/');
    const previous = await readRun(runDir(ctx.root, runId));
    for (const w of previous.warnings) ctx.err(`warning: ${w}`);
    if (previous.meta.planHash !== planHash) {
      throw new UsageError(`--resume ${runId}: the agents, scenarios, models or filters changed since that run started; start a new run instead`);
    }
    for (const r of previous.results) if (r.status === 'pass' || r.status === 'fail' || r.status === 'error') finished.set(r.cellId, r);
    ctx.out(`resuming ${runId}: ${finished.size} of ${plans.size} cells already finished`);
  }

  // 6. Decide per cell: live, replay, or not run.
  // Keys from the environment and any written into the config: neither may reach an artifact.
  const secrets = [...new Set([...secretValues(ctx.env), ...configSecretValues(config)])].sort((a, b) => b.length - a.length);
  const recordings = new RecordingStore(path.join(ctx.root, 'evals', 'recordings'), secrets);
  const livePlans: CellPlan[] = [];
  const replayPlans: CellPlan[] = [];
  const skipped: CellResult[] = [];
  const pending = [...plans.values()].filter((plan) => !finished.has(plan.cellId));
  const runsLive = (plan: CellPlan) => !opts.replay && readiness.get(plan.model.label)?.ok === true;
  const recorded = new Set<string>();
  await forEachLimit(pending.filter((plan) => !runsLive(plan)), 32, async (plan) => {
    if (await recordings.has(cellRecordingKey(plan))) recorded.add(plan.cellId);
  });
  for (const plan of pending) {
    const ready = readiness.get(plan.model.label);
    if (runsLive(plan)) livePlans.push(plan);
    else if (recorded.has(plan.cellId)) replayPlans.push(plan);
    else skipped.push(skippedResult(plan, opts.replay ? 'not-recorded' : 'not-run', opts.replay ? 'no recording for this cell (its prompt or scenario changed since recording): run live to record it' : (ready && !ready.ok ? ready.reason : 'model unavailable')));
  }

  const meta: RunMeta = {
    runId,
    startedAt: new Date().toISOString(),
    git: await git,
    harnessVersion: HARNESS_VERSION,
    promptfooVersion: await engineVersion(),
    config: redactConfig(config as unknown as Record<string, unknown>, secrets),
    configFile,
    planHash,
    plannedCells: plans.size,
    ...(shard ? { shard } : {}),
    mode: opts.replay ? 'replay' : opts.record ? 'record' : 'live',
    ...(grader && graderReady && rubricCells > 0 ? { grader: grader.id } : {}),
    fingerprints: {
      variants: Object.fromEntries(variants.map((v) => [v.id, { hash: v.contentHash, agent: v.name, file: v.file, systemPrompt: v.systemPrompt }])),
      scenarios: Object.fromEntries(scenarios.map((s) => [s.id, { hash: s.hash, assertionsHash: s.assertionsHash, title: s.title }])),
    },
    notRun: Object.fromEntries(unavailable.map(([label, r]) => [label, r.reason])),
  };
  const dir = runDir(ctx.root, runId);
  if (!opts.resume) await writeMeta(dir, meta);
  const writer = await openResultWriter(dir);
  const results: CellResult[] = [...finished.values()];
  const progress = createProgress({ total: livePlans.length + replayPlans.length, isTTY: ctx.isTTY, write: ctx.write });
  const record = async (r: CellResult) => {
    results.push(r);
    await writer.append(r);
  };
  try {
    for (const r of skipped) await record(r);
    const common = { secrets, concurrency, timeoutMs: config.timeoutMs, maxRetries: config.maxRetries, repeats, recordings, env: ctx.env, signal: ctx.signal, stateDir };
    const onResult = async (r: CellResult) => {
      await record(r);
      progress.tick(r.status);
    };
    if (replayPlans.length) await runCells({ ...common, plans: replayPlans, mode: 'replay', onResult, grader: graderReady ? grader : undefined });
    if (livePlans.length) await runCells({ ...common, plans: livePlans, mode: opts.record ? 'record' : 'live', onResult, grader: graderReady ? grader : undefined });
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
    ctx.out(`no model could run: ${skipped.length} cells ${opts.replay ? 'not recorded' : 'not run'}.`);
    if (!opts.replay) for (const line of ENABLE_A_MODEL_HINT) ctx.out(line);
  } else if (skipped.length > 0) {
    ctx.out(`${skipped.length} cells did not run (${[...new Set(skipped.map((s) => s.model))].join(', ')}); see the warnings above.`);
  }
  return finishRun(ctx, { meta: { ...meta, finishedAt: new Date().toISOString() }, dir, results, config, ci: opts.ci, baselineRef: opts.baseline, carried: affected?.carried });
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

/** `.env` in the project root, without overriding variables already set. */
async function readDotEnv(ctx: Context): Promise<void> {
  const text = await readFile(path.join(ctx.root, '.env'), 'utf8').catch(() => undefined);
  if (!text) return;
  for (const [k, v] of Object.entries(parseEnv(text))) ctx.env[k] ??= v;
}
