import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseEnv } from 'node:util';
import picomatch from 'picomatch';
import { needsGrader } from '../assertions/registry.ts';
import { UsageError } from '../errors.ts';
import { checkModel } from '../execute/credentials.ts';
import { rubricGrader } from '../execute/grade-rubric.ts';
import { loadAgents } from '../load/discover-agents.ts';
import { loadEvalConfig } from '../load/eval-config.ts';
import { loadScenarios, type LoadedScenario } from '../load/scenarios.ts';
import { loadRoutingSuites } from '../load/routing.ts';
import { routingScenarios } from '../load/routing-scenarios.ts';
import { resolveGraders } from '../schema/graders.ts';
import type { EvalConfig } from '../schema/eval-config.ts';
import { calibrateScenarios, type CalibrationReport } from './calibrate.ts';
import { calibrateRubrics, DEFAULT_RUBRIC_GRADES, type RubricCalibrationRun } from './rubrics.ts';
import type { RubricCalibration } from './rubric-verdict.ts';

interface RunCalibrationOptions {
  scenario?: string[];
  graderAvailable?: boolean;
  /** An eval config whose `grader:` calibrates the rubrics (`calibrate --config`); without it rubrics are not run. */
  config?: string;
  /** Grades per rubric and reference answer (default 3). */
  repeat?: number;
  /** The environment for the grader (API keys; `.env` in the root is read into it, never over it). */
  env?: NodeJS.ProcessEnv;
  signal?: AbortSignal;
}

/** The eval's own patience for a probe, at most 15 s (a closed network must not hold calibration). */
const PROBE_TIMEOUT_MS = 15_000;

/**
 * Loads agents and scenarios under `root` and calibrates the scenarios: the step `eval` runs before any
 * model is called. `scenario` filters by id or glob. With `config`, each rubric is also graded by that
 * config's grader on its reference answers. Load problems throw (exit 2); the report's `ok` says
 * whether calibration passed (exit 1 when not).
 *
 * @example
 * const { report, warnings } = await runCalibration('/repo', { config: 'evals/default.yaml', env: ctx.env });
 * if (!report.ok) return 1;
 */
export async function runCalibration(
  root: string,
  opts: RunCalibrationOptions = {},
): Promise<{ report: CalibrationReport; warnings: string[] }> {
  const { variants } = await loadAgents(root);
  const agentNames = [...new Set(variants.flatMap((v) => [v.name, v.id]))];
  const { scenarios, warnings } = await loadScenarios(root, { agentNames });
  // Routing suites' cases too: each expectation against its reference wrong decisions (docs/routing.md).
  const routing = await loadRoutingSuites(root);
  warnings.push(...routing.warnings);
  scenarios.push(...routingScenarios(routing.suites, variants));
  let selected = scenarios;
  if (opts.scenario?.length) {
    const patterns = opts.scenario;
    selected = scenarios.filter((s) => patterns.some((p) => p === s.id || picomatch.isMatch(s.id, p)));
    if (selected.length === 0)
      throw new UsageError(
        `--scenario ${patterns.join(', ')} matches no scenario; ids include ${scenarios
          .slice(0, 5)
          .map((s) => s.id)
          .join(', ')}`,
      );
  }
  const rubrics = await gradeRubrics(root, selected, opts);
  const report = await calibrateScenarios(selected, {
    graderAvailable: opts.graderAvailable ?? false,
    ...(rubrics ? { rubrics: rubrics.rubrics, rubricCalibration: rubrics.run } : {}),
  });
  return { report, warnings };
}

/** Rubric calibration, when the suite has rubrics: run with the config's grader, or why not. */
async function gradeRubrics(
  root: string,
  scenarios: LoadedScenario[],
  opts: RunCalibrationOptions,
): Promise<{ run: RubricCalibrationRun; rubrics: RubricCalibration[] } | undefined> {
  if (!scenarios.some((s) => s.assert.some((a) => needsGrader(a.type)))) return undefined;
  const repeat = opts.repeat ?? DEFAULT_RUBRIC_GRADES;
  const notRun = (reason: string, howTo: string) => ({ run: { status: 'not-run' as const, reason, howTo }, rubrics: [] });
  if (!opts.config)
    return notRun(
      'no eval config given',
      `\`agent-evals calibrate --config evals/default.yaml\` grades each rubric ${repeat} times on its reference answers with that config's \`grader:\``,
    );
  const { config, file } = await loadEvalConfig(root, opts.config);
  const env = opts.env ?? {};
  await readDotEnv(root, env);
  return rubricCalibrationWith(root, scenarios, {
    config,
    file,
    env,
    repeat,
    ...(opts.signal ? { signal: opts.signal } : {}),
  });
}

/**
 * Rubric calibration with a loaded eval config's grader: `not-run` (with how to enable it) when it has no
 * grader or its grader cannot run here; otherwise each rubric graded `repeat` times on each reference
 * answer (what the cache lacks). The entry point for `eval` too, which has the config loaded and `.env`
 * read already.
 *
 * @example
 * const { run, rubrics } = await rubricCalibrationWith(ctx.root, inputs.scenarios, { config, file: configFile, env: ctx.env, repeat: 3 });
 * const report = await calibrateScenarios(inputs.scenarios, { graderAvailable: false, rubrics, rubricCalibration: run });
 */
async function rubricCalibrationWith(
  root: string,
  scenarios: LoadedScenario[],
  opts: { config: EvalConfig; file: string; env: NodeJS.ProcessEnv; repeat: number; signal?: AbortSignal },
): Promise<{ run: RubricCalibrationRun; rubrics: RubricCalibration[] }> {
  const { config, file, env, repeat } = opts;
  const notRun = (reason: string, howTo: string) => ({ run: { status: 'not-run' as const, reason, howTo }, rubrics: [] });
  if (!config.grader)
    return notRun(`no \`grader:\` in ${file}`, `add \`grader: { id: <provider id> }\` to ${file} (a model other than the ones under test)`);
  const panel = resolveGraders(config.grader)!;
  const graders = [];
  for (const grader of panel.members) {
    if (grader.runtime !== 'chat') return notRun(`grader ${grader.label} is an agent runtime`, 'give `grader:` a chat model');
    const ready = await checkModel(grader, { env, timeoutMs: Math.min(config.timeoutMs, PROBE_TIMEOUT_MS) });
    if (!ready.ok) return notRun(`grader ${grader.label} cannot run: ${ready.reason}`, ready.howTo);
    const grade = await rubricGrader(grader, {
      env,
      stateDir: path.join(root, '.promptfoo'),
      maxRetries: config.maxRetries,
      concurrency: config.concurrency,
      timeoutMs: config.timeoutMs,
    });
    graders.push({ model: grader, grade });
  }
  const rubrics = await calibrateRubrics(root, scenarios, {
    graders,
    repeat,
    concurrency: config.concurrency,
    ...(opts.signal ? { signal: opts.signal } : {}),
  });
  const cost = rubrics.reduce(
    (sum, r) => ({ grades: sum.grades + r.cost.grades, fresh: sum.fresh + r.cost.fresh, tokens: sum.tokens + r.cost.tokens }),
    { grades: 0, fresh: 0, tokens: 0 },
  );
  return { run: { status: 'run', grader: panel.label, repeat, cost }, rubrics };
}

/** `.env` in the project root, without overriding variables already set (as `eval` reads it). */
async function readDotEnv(root: string, env: NodeJS.ProcessEnv): Promise<void> {
  const text = await readFile(path.join(root, '.env'), 'utf8').catch(() => undefined);
  if (!text) return;
  for (const [k, v] of Object.entries(parseEnv(text))) env[k] ??= v;
}
