import type { Context } from '../context.ts';
import type { LoadedScenario } from './scenarios.ts';
import { loadBaseline } from '../io/baseline.ts';
import { selectAffected, type CarriedCells } from '../plan/affected.ts';
import { changedFilesSince } from '../io/git-files.ts';
import { resolveModel, type Cell } from '../plan/matrix.ts';
import type { ModelSpec } from '../schema/eval-config.ts';
import { isGradedAssertion } from '../score/aggregate.ts';

/**
 * `eval --changed-since <ref>`: narrows the planned cells to those affected by the changes since the
 * ref and carries the rest from the baseline (`--baseline <ref>`, else reports/baseline.json). With
 * nothing affected, no cell is left to run: the run then holds only carried cells and the gate says
 * "nothing to evaluate".
 *
 * @example
 * const affected = await planChangedSince(ctx, { cells, since: 'origin/main', configFile, grader: config.grader });
 * // run affected.cells; pass affected.carried to finishRun
 */
export async function planChangedSince(
  ctx: Context,
  opts: { cells: Cell<LoadedScenario>[]; since: string; baselineRef?: string; configFile: string; grader?: ModelSpec },
): Promise<{ cells: Cell<LoadedScenario>[]; carried?: CarriedCells }> {
  const changed = new Set(await changedFilesSince(ctx.root, opts.since));
  const loaded = await loadBaseline(ctx.root, { ref: opts.baselineRef });
  const graderId = opts.grader ? resolveModel(opts.grader).id : undefined;
  const sel = selectAffected({ cells: opts.cells, changed, configFile: opts.configFile, baseline: loaded?.baseline, graderId });

  const what = [
    sel.configChanged ? `the eval config ${opts.configFile}` : '',
    sel.changedVariants.length ? `${sel.changedVariants.length} variant(s) (${sel.changedVariants.join(', ')})` : '',
    sel.changedScenarios.length ? `${sel.changedScenarios.length} scenario(s) (${sel.changedScenarios.join(', ')})` : '',
  ].filter(Boolean);
  ctx.out(`changed since ${opts.since}: ${what.length ? what.join(', ') : 'no agent variant, scenario or eval config'}`);
  if (!loaded) ctx.err(`warning: no baseline at ${opts.baselineRef ? `${opts.baselineRef}:` : ''}reports/baseline.json to carry unchanged cells from: every cell runs`);
  else if (sel.unbacked > 0) ctx.err(`warning: ${sel.unbacked} unchanged cell(s) run anyway: the baseline (${loaded.source}) has no matching outcome for them`);
  if (loaded && sel.carried.length) ctx.out(`carried ${sel.carried.length} cell(s) from baseline run ${loaded.baseline.runId} (${loaded.source}); running ${sel.live.length}`);
  if (sel.live.length === 0) ctx.out('nothing to evaluate: no model will be called');

  const carried = loaded && sel.carried.length ? { runId: loaded.baseline.runId, results: sel.carried, ...carriedGrader(sel.carried, graderId) } : undefined;
  return { cells: sel.live, ...(carried ? { carried } : {}) };
}

function carriedGrader(results: CarriedCells['results'], graderId: string | undefined): { grader?: string } {
  return graderId && results.some((r) => r.assertions.some(isGradedAssertion)) ? { grader: graderId } : {};
}
