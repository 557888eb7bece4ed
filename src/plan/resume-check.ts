import { UsageError } from '../errors.ts';
import { redactConfig } from '../shared/secrets.ts';
import { stableJson } from '../shared/stable-json.ts';
import type { AgentVariant } from '../schema/agent.ts';
import type { EvalConfig } from '../schema/eval-config.ts';
import type { LoadedScenario } from '../schema/loaded-scenario.ts';
import type { RunMeta } from '../schema/run-meta.ts';

/**
 * Whether a run may be resumed with today's inputs (pure): same cells, same prompts, same scenarios,
 * same config, same mode. Anything changed since the run started would mix two versions of a prompt in
 * one run, so it is refused with a one-line error naming what changed.
 *
 * @example
 * assertResumable(previous.meta, { planHash, variants, scenarios, config, secrets, asked: undefined });
 */
export function assertResumable(
  meta: RunMeta,
  now: {
    planHash: string;
    variants: AgentVariant[];
    scenarios: LoadedScenario[];
    config: EvalConfig;
    secrets: readonly string[];
    asked?: RunMeta['mode'];
  },
): void {
  const refuse = (what: string) =>
    new UsageError(`--resume ${meta.runId}: ${what} changed since that run started; start a new run instead`);
  if (meta.planHash !== now.planHash) throw refuse('the agents, scenarios, models or filters');
  const variants = now.variants.filter((v) => {
    const was = meta.fingerprints.variants[v.id];
    return was && was.hash !== v.contentHash;
  });
  if (variants.length) throw refuse(`agent variant ${variants.map((v) => `${v.id} (${v.file})`).join(', ')}`);
  const scenarios = now.scenarios.filter((s) => {
    const was = meta.fingerprints.scenarios[s.id];
    return was && (was.hash !== s.hash || was.assertionsHash !== s.assertionsHash);
  });
  if (scenarios.length) throw refuse(`scenario ${scenarios.map((s) => s.id).join(', ')}`);
  if (stableJson(redactConfig(now.config as unknown as Record<string, unknown>, now.secrets)) !== stableJson(meta.config)) {
    throw refuse(`the eval config (${meta.configFile})`);
  }
  if (now.asked && now.asked !== meta.mode) {
    throw new UsageError(`--resume ${meta.runId}: that run is a ${meta.mode} run; resume it without --${now.asked} (a run keeps its mode)`);
  }
}
