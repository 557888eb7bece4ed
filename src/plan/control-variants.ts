/**
 * The control arm (issue 28): `control:` in the eval config adds, per agent, one variant with no agent
 * prompt, so reports can say what the agent file adds over the bare model. Pure.
 *
 * A control variant is `<agent>@control` (reports label it `(no agent)`): the same agent name, so it runs
 * the scenarios written for that agent, on the same models; no system message; no tools (on an agent runtime:
 * the runtime's own default agent with its default tools, `RuntimeAgent.runtimeDefault`). Its fingerprint
 * (`variantHash`) is one constant, never any agent file's text, and its prompt is the scenario's alone, so
 * its cells are recorded, cached and carried from the baseline (`--changed-since`) like any variant's and
 * run again only when the model, the scenario or the eval config changes.
 */
import { createHash } from 'node:crypto';
import { EvalConfigError } from '../errors.ts';
import type { AgentVariant } from '../schema/agent.ts';
import type { EvalConfig } from '../schema/eval-config.ts';
import { CONTROL_LABEL, CONTROL_SUFFIX, controlVariantId, isControlVariantId } from '../shared/control-arm.ts';

/** The control arm's fingerprint: the same for every agent and every version of its files. */
export const CONTROL_HASH = createHash('sha256').update('agent-evals control arm: the bare model, no agent prompt').digest('hex');

/**
 * The loaded variants plus one control per agent the config asks for (`control: true`: every agent;
 * a list: those agents), each right after its agent's last variant. A loaded variant whose id ends in
 * `@control` is refused whether or not the control is on (the suffix names the control in every report),
 * and so is a listed agent that no variant belongs to.
 * @example withControlVariants(variants, { control: true }, 'evals/default.yaml').map((v) => v.id) // ['rev/a', 'rev/b', 'rev@control']
 */
export function withControlVariants(
  variants: readonly AgentVariant[],
  config: Pick<EvalConfig, 'control'>,
  configFile: string,
): AgentVariant[] {
  const clash = variants.find((v) => isControlVariantId(v.id));
  if (clash) {
    throw new EvalConfigError(
      `agent file id "${clash.id}" ends in "${CONTROL_SUFFIX}", which names the control arm (no agent) in every report; rename the file`,
      { file: clash.file },
    );
  }
  if (!config.control) return [...variants];
  const agents = [...new Set(variants.map((v) => v.name))];
  const wanted = config.control === true ? agents : config.control;
  if (Array.isArray(config.control)) {
    config.control.forEach((name, i) => {
      if (!agents.includes(name))
        throw new EvalConfigError(
          `"${name}" is not an agent name (known: ${agents.slice(0, 8).join(', ')}); expected the name of an agent`,
          {
            file: configFile,
            field: `control[${i}]`,
          },
        );
    });
  }
  const out: AgentVariant[] = [];
  for (const agent of agents) {
    const own = variants.filter((v) => v.name === agent);
    out.push(...own);
    if (wanted.includes(agent)) out.push(controlVariant(own[0]!));
  }
  return out;
}

/**
 * The bare model for `agent`'s scenarios. It takes the model hint of the agent's first variant, so that
 * `models: from-agent` runs it on that variant's model.
 */
function controlVariant(first: AgentVariant): AgentVariant {
  return {
    id: controlVariantId(first.name),
    file: CONTROL_LABEL,
    origin: 'control',
    name: first.name,
    dialect: first.dialect,
    description: CONTROL_LABEL,
    ...(first.modelHint !== undefined ? { modelHint: first.modelHint } : {}),
    tools: [],
    permissions: [],
    systemPrompt: '',
    contentHash: CONTROL_HASH,
    fileText: '',
    promptTokens: 0,
    extra: {},
    lines: {},
  };
}
