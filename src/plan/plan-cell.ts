import { createHash } from 'node:crypto';
import { stableJson } from '../shared/stable-json.ts';
import { assertionIndex, needsGrader, toEngineAssertions } from '../assertions/registry.ts';
import type { LoadedScenario } from '../schema/loaded-scenario.ts';
import type { AgentVariant } from '../schema/agent.ts';
import type { RuntimeAgent } from '../shared/agent-runtime.ts';
import type { Cell } from './matrix.ts';
import type { RuntimeName } from '../schema/models.ts';
import { runtimeAgent } from './translate-agent.ts';
import { isControlVariantId } from '../shared/control-arm.ts';
import type { AgentRun, CellPlan, RoutingRun, RuntimeVersions } from './cell-plan.ts';
import { modelEntry, samplingParams, type RecordingKey } from './recording-key.ts';

/**
 * Cell → what the engine sends and how it scores: the variant's prompt as the system message, the
 * scenario's conversation after it, the variant's temperature unless the eval overrides it.
 */
export function planCell(cell: Cell<LoadedScenario>, temperatureOverride?: number, runtimeVersions?: RuntimeVersions): CellPlan {
  const { variant, scenario } = cell;
  const { assertions, assertionInfo } = scoringOf(scenario);
  return {
    cellId: cell.cellId,
    agent: variant.name,
    variantId: variant.id,
    variantHash: variant.contentHash,
    scenarioId: scenario.id,
    scenarioHash: scenario.hash,
    assertionsHash: scenario.assertionsHash,
    model: cell.model,
    repeat: cell.repeat,
    // The control arm (the bare model) sends the scenario alone: no system message at all.
    messages: isControlVariantId(variant.id)
      ? [...scenario.messages]
      : [{ role: 'system', content: variant.systemPrompt }, ...scenario.messages],
    temperature: temperatureOverride ?? variant.temperature,
    vars: scenario.vars,
    assertions,
    assertionInfo,
    threshold: scenario.threshold,
    ...(cell.model.runtime === 'chat' ? {} : { agentRun: agentRunOf(cell) }),
    ...(scenario.routing && cell.model.runtime !== 'chat'
      ? { routing: routingRunOf(cell, cell.model.runtime, runtimeVersions?.[cell.model.runtime]) }
      : {}),
  };
}

/** An agent cell: the variant as its runtime needs it, the scenario's workspace and permissions. */
function agentRunOf(cell: Cell<LoadedScenario>): AgentRun {
  const { variant, scenario } = cell;
  const runtime = cell.model.runtime as Exclude<typeof cell.model.runtime, 'chat'>;
  const agent = isControlVariantId(variant.id) ? defaultAgent(variant.name, runtime) : runtimeAgent(variant, runtime);
  return {
    agent: scenario.peers?.length ? { ...agent, peers: scenario.peers.map((p) => peerAgent(p, runtime)) } : agent,
    ...(scenario.workspace
      ? { workspace: scenario.workspace.dir, workspaceFiles: scenario.workspace.files, workspaceTexts: scenario.workspace.texts }
      : {}),
    allowBash: scenario.allowBash,
    maxTurns: cell.model.maxTurns,
  };
}

/** A routing cell's suite: every sibling as a subagent of the runtime's main agent, the variant in its own agent's place. */
function routingRunOf(cell: Cell<LoadedScenario>, runtime: Exclude<RuntimeName, 'chat'>, runtimeVersion?: string): RoutingRun {
  const routing = cell.scenario.routing!;
  const agents = routing.siblings.map((s) => (s.name === cell.variant.name ? cell.variant : s));
  if (!agents.some((a) => a.name === cell.variant.name)) agents.push(cell.variant);
  return {
    suite: routing.suite,
    expected: routing.expected,
    ...(runtimeVersion ? { runtimeVersion } : {}),
    agents: agents.map((a) => {
      const agent = peerAgent(a, runtime);
      if (runtime !== 'opencode' || agent.mode === 'subagent') return agent;
      return { ...agent, mode: 'subagent' as const, fileText: agent.fileText.replace(/^mode: *(primary|all) *$/m, 'mode: subagent') };
    }),
  };
}

/**
 * The control arm on an agent runtime: no agent file, the runtime's own default agent with its default tools
 * (`RuntimeAgent.runtimeDefault`). The scenario's peers, workspace and sandbox rules apply as for any variant.
 */
function defaultAgent(name: string, runtime: Exclude<RuntimeName, 'chat'>): RuntimeAgent {
  return { name, description: '', dialect: runtime, systemPrompt: '', fileText: '', tools: [], permissions: [], runtimeDefault: true };
}

/**
 * A peer as the runtime needs it. A Claude Code peer translated for OpenCode must be a subagent there:
 * OpenCode's task tool offers no `mode: primary` agent, and the translation writes `primary` for the
 * variant under test, which has to answer.
 */
export function peerAgent(peer: AgentVariant, runtime: Exclude<RuntimeName, 'chat'>): RuntimeAgent {
  const agent = runtimeAgent(peer, runtime);
  if (runtime !== 'opencode' || peer.dialect !== 'claude-code') return agent;
  return { ...agent, mode: 'subagent', fileText: agent.fileText.replace(/^mode: primary$/m, 'mode: subagent') };
}

/**
 * How a scenario is scored, built once per scenario and shared by all its cells: a run of 10,000 cells
 * would otherwise hold 10,000 copies of the same assertion functions and their compiled patterns.
 */
const scoring = new WeakMap<LoadedScenario, Pick<CellPlan, 'assertions' | 'assertionInfo'>>();
function scoringOf(scenario: LoadedScenario): Pick<CellPlan, 'assertions' | 'assertionInfo'> {
  let found = scoring.get(scenario);
  if (!found) {
    const info = assertionIndex(scenario);
    found = {
      assertions: toEngineAssertions(scenario),
      assertionInfo: Object.fromEntries([...info].map(([id, a]) => [id, { kind: a.kind, weight: a.weight, critical: a.critical }])),
    };
    scoring.set(scenario, found);
  }
  return found;
}

/**
 * The plan without model-graded assertions, for runs with no grader that can run: a rubric sent to
 * promptfoo's default grader would fail for want of its key and turn every such cell into an error.
 * The rubric is reported as not graded instead, and the other assertions judge the cell.
 */
export function withoutModelGraded(plan: CellPlan): CellPlan {
  const assertions = plan.assertions.filter((a) => !needsGrader(a.type));
  if (assertions.length === plan.assertions.length) return plan;
  const kept = new Set(assertions.map((a) => a.metric));
  return { ...plan, assertions, assertionInfo: Object.fromEntries(Object.entries(plan.assertionInfo).filter(([id]) => kept.has(id))) };
}

/** The fields that name a cell in results.jsonl, from its plan. */
export function cellIdentity(plan: CellPlan) {
  return {
    cellId: plan.cellId,
    agent: plan.agent,
    variantId: plan.variantId,
    variantHash: plan.variantHash,
    scenarioId: plan.scenarioId,
    scenarioHash: plan.scenarioHash,
    assertionsHash: plan.assertionsHash,
    model: plan.model.label,
    repeat: plan.repeat,
  };
}

/** The recording key of a planned cell: what `--replay` looks up and a live call records under. */
export function cellRecordingKey(plan: CellPlan): RecordingKey {
  return {
    // An agent cell's answer depends on its runtime too: `claude-code:<model>`, `opencode:<model>`.
    provider: plan.model.runtime === 'chat' ? plan.model.id : `${plan.model.runtime}:${plan.model.id}`,
    // Twins of one id (other server, other label) answer apart, so they record apart.
    model: modelEntry(plan.model),
    prompt: JSON.stringify(plan.messages),
    params: {
      ...samplingParams(plan.model.config),
      ...(plan.temperature === undefined ? {} : { temperature: plan.temperature }),
      // An agent's answer also depends on its whole file (tools, permissions), its workspace and its bounds.
      ...(plan.agentRun ? { agentRun: agentRunFingerprint(plan.agentRun) } : {}),
      // A routing decision depends on every sibling's file, not only the variant's.
      ...(plan.routing ? { routing: routingFingerprint(plan.routing) } : {}),
    },
    repeat: plan.repeat,
  };
}

function agentRunFingerprint(run: AgentRun): string {
  const { agent, workspaceFiles, allowBash, maxTurns } = run;
  // Peers enter only when there are some, so the keys of cells without peers stay as they were recorded.
  const peers = agent.peers?.length ? { peers: agent.peers.map((p) => [p.name, p.fileText]) } : {};
  // Likewise the control arm's marker: the runtime's default agent is no file, not an empty one.
  const runtimeDefault = agent.runtimeDefault ? { runtimeDefault: true } : {};
  return createHash('sha256')
    .update(stableJson({ file: agent.fileText, workspace: workspaceFiles ?? {}, allowBash, maxTurns, ...peers, ...runtimeDefault }))
    .digest('hex')
    .slice(0, 24);
}

function routingFingerprint(run: RoutingRun): string {
  const agents = run.agents.map((a) => [a.name, a.mode ?? '', a.fileText]);
  // The runtime program's version too: a decision recorded with an older program is not replayed for a newer one.
  return createHash('sha256')
    .update(stableJson({ routing: agents, ...(run.runtimeVersion ? { runtimeVersion: run.runtimeVersion } : {}) }))
    .digest('hex')
    .slice(0, 24);
}
