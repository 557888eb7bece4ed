import type { EvalInputs } from './cell-plan.ts';
import type { AgentVariant } from '../schema/agent.ts';
import type { GitInfo } from '../schema/aggregate.ts';
import type { LoadedScenario } from '../schema/loaded-scenario.ts';
import type { RunMeta } from '../schema/run-meta.ts';
import { redactConfig } from '../shared/secrets.ts';
import type { EvalPlan } from './plan-eval.ts';

const HARNESS_VERSION = '0.1.0';

/**
 * A new run's meta.json (pure): what was run, on what, by which versions; the config with secrets
 * redacted; fingerprints of every variant and scenario, so a later run can tell what changed.
 */
export function newRunMeta(input: {
  runId: string;
  inputs: Pick<EvalInputs, 'config' | 'configFile' | 'variants' | 'scenarios'>;
  plan: EvalPlan;
  mode: RunMeta['mode'];
  git: GitInfo;
  engineVersion: string;
  secrets: readonly string[];
  grader?: string;
  notRun: Record<string, string>;
  sandbox?: RunMeta['sandbox'];
  now?: Date;
}): RunMeta {
  const { inputs, plan } = input;
  return {
    runId: input.runId,
    startedAt: (input.now ?? new Date()).toISOString(),
    git: input.git,
    harnessVersion: HARNESS_VERSION,
    promptfooVersion: input.engineVersion,
    config: redactConfig(inputs.config as unknown as Record<string, unknown>, input.secrets),
    configFile: inputs.configFile,
    planHash: plan.planHash,
    plannedCells: plan.plans.size,
    ...(plan.shard ? { shard: plan.shard } : {}),
    mode: input.mode,
    ...(input.grader ? { grader: input.grader } : {}),
    fingerprints: { variants: variantPrints(inputs.variants), scenarios: scenarioPrints(inputs.scenarios) },
    notRun: input.notRun,
    ...(input.sandbox ? { sandbox: input.sandbox } : {}),
  };
}

const variantPrints = (variants: AgentVariant[]) =>
  Object.fromEntries(variants.map((v) => [v.id, { hash: v.contentHash, agent: v.name, file: v.file, systemPrompt: v.systemPrompt }]));
const scenarioPrints = (scenarios: LoadedScenario[]) =>
  Object.fromEntries(scenarios.map((s) => [s.id, { hash: s.hash, assertionsHash: s.assertionsHash, title: s.title }]));
