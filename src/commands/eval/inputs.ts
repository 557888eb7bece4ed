import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseEnv } from 'node:util';
import type { Context } from '../../context.ts';
import { UserErrors } from '../../errors.ts';
import { gitInfo } from '../../io/git/git.ts';
import { changedFilesSince, resolveCommit } from '../../io/git/git-files.ts';
import { loadBaseline } from '../../io/baseline/baseline.ts';
import { formatFinding } from '../../lint/lint.ts';
import { runLint } from '../../lint/run-lint.ts';
import type { EvalInputs } from '../../plan/cell-plan.ts';
import { agentPlaces, variantsOf } from '../../load/discover-agents.ts';
import { loadEvalConfig, type ModelIdCheck } from '../../load/eval-config.ts';
import { loadRoutingSuites } from '../../load/routing.ts';
import { routingScenarios } from '../../load/routing-scenarios.ts';
import { loadScenarios } from '../../load/scenarios.ts';

/**
 * What `eval` reads before it plans (it composes load/, lint/ and io/, so it sits with the command): .env, the eval config (each model id checked by `checkModelId`), lint
 * (errors stop the eval: exit 1), agents, scenarios, and for `--changed-since` the changed files and the
 * baseline. A bad `--baseline` ref, or with `--ci` a scenario whose `agent:` names no agent, stops here,
 * before any model call.
 *
 * @example
 * const inputs = await loadEvalInputs(ctx, { config: 'evals/default.yaml' });
 * if ('lintErrors' in inputs) return 1;
 */
export async function loadEvalInputs(
  ctx: Context,
  opts: { config: string; changedSince?: string; baseline?: string; ci?: boolean; checkModelId?: ModelIdCheck },
): Promise<EvalInputs | { lintErrors: number }> {
  await readDotEnv(ctx);
  const git = gitInfo(ctx.root);
  // The model ids are asked of the engine while it loads and lint runs; a bad one stops the eval before lint's verdict.
  const { config, file: configFile, modelIds } = await loadEvalConfig(ctx.root, opts.config, { checkModelId: opts.checkModelId });
  if (opts.baseline) await resolveCommit(ctx.root, opts.baseline, '--baseline');

  // Lint is free, and a broken variant must not cost a model call.
  const places = await agentPlaces(ctx.root, config.agentsDirs, configFile);
  const lint = await runLint(ctx.root, { places });
  await modelIds;
  for (const f of lint.findings.filter((x) => x.severity === 'error')) ctx.err(formatFinding(f));
  if (lint.errors > 0) {
    ctx.err(`lint: ${lint.errors} error(s) in the agent files; fix them first (details: agent-evals lint)`);
    return { lintErrors: lint.errors };
  }
  ctx.out(`lint: ${lint.files.length} agent files, 0 errors, ${lint.warnings} warning(s) (agent-evals lint for details)`);

  // Lint read and parsed every agent file already (with no error among them): its files give the variants.
  const { variants } = variantsOf(lint.files);
  const agentNames = [...new Set(variants.flatMap((v) => [v.name, v.id]))];
  const { scenarios, warnings, unknownAgents } = await loadScenarios(ctx.root, { agentNames });
  // In CI a scenario that runs for no agent must not pass unnoticed: it is an input error there.
  if (opts.ci && unknownAgents.length) throw unknownAgents.length === 1 ? unknownAgents[0]! : new UserErrors(unknownAgents);
  for (const w of warnings) ctx.err(`warning: ${w}`);
  // Routing suites the config names: their cases join the scenarios (docs/routing.md).
  if (config.routing) {
    const routing = await loadRoutingSuites(ctx.root, {
      files: config.routing,
      agentNames: [...new Set(variants.map((v) => v.name))],
      configFile,
    });
    for (const w of routing.warnings) ctx.err(`warning: ${w}`);
    scenarios.push(...routingScenarios(routing.suites, variants));
  }
  const changed = opts.changedSince ? await loadChanged(ctx.root, opts.changedSince, opts.baseline) : undefined;
  return { config, configFile, variants, scenarios, git, ...(changed ? { changed } : {}) };
}

async function loadChanged(root: string, since: string, baselineRef: string | undefined): Promise<EvalInputs['changed']> {
  const files = new Set(await changedFilesSince(root, since));
  const baseline = await loadBaseline(root, { ref: baselineRef });
  return { since, files, ...(baseline ? { baseline } : {}), ...(baselineRef ? { baselineRef } : {}) };
}

/** `.env` in the project root, without overriding variables already set. */
async function readDotEnv(ctx: Context): Promise<void> {
  const text = await readFile(path.join(ctx.root, '.env'), 'utf8').catch(() => undefined);
  if (!text) return;
  for (const [k, v] of Object.entries(parseEnv(text))) ctx.env[k] ??= v;
}
