/**
 * Routing cells through the seam: a planned cell with `routing` goes to the runtime's main agent with the suite
 * installed as subagents (`AgentRuntimes.routeCell`), and its decision comes back as an ordinary provider response,
 * so recordings, replay, grading, resume and the result line treat it like every other cell.
 */
import type { Context } from '../context.ts';
import type { RuntimeName } from '../schema/models.ts';
import type { RuntimeVersions } from '../plan/cell-plan.ts';
import type { RoutingCellOutput } from '../shared/agent-runtime.ts';
import type { AgentRuntimes } from './agent-cells.ts';
import type { AgentCellRunner, ProviderResponse } from './provider-wrapper.ts';

/**
 * The most model requests a routing case may make: the decision takes one or two (a tool call, or an answer);
 * the bound only stops a main agent that would go on working.
 */
const ROUTING_MAX_REQUESTS = 4;

/** The runner the seam calls for agent cells: routing cells to `routeCell`, the others as before. */
export function withRoutingCells(ctx: Context, agents: AgentRuntimes, timeoutMs: number): AgentCellRunner {
  return async (cell, signal) => {
    if (!cell.routing) return agents.runAgentCell(cell, signal);
    const runtime = cell.model.runtime as Exclude<RuntimeName, 'chat'>;
    // Loaded already when agent runtimes run (open-runtimes.ts imports it lazily, to keep chat-only evals light).
    const { runtimeModel } = await import('./agent-cells.ts');
    const out = await agents.routeCell({
      cellId: cell.cellId,
      runtime,
      agents: cell.routing.agents,
      request: cell.messages.filter((m) => m.role === 'user').at(-1)?.content ?? '',
      model: runtimeModel(ctx, cell.model),
      limits: { maxRequests: ROUTING_MAX_REQUESTS, wallTimeMs: Math.max(5_000, Math.floor(timeoutMs * 0.9)) },
      ...(cell.agentRun?.workspace ? { workspaceSource: cell.agentRun.workspace } : {}),
      ...(signal ? { signal } : {}),
    });
    return routingResponse(out, runtime);
  };
}

/**
 * A routing decision as a provider response: the answer's first line is the decision (what the cell's one assertion
 * reads), the rest the delegating prompt or the main agent's own answer; the trajectory holds the delegation, so the
 * report's drill-down shows it and a recording replays it.
 *
 * @example routingResponse({ chosen: 'db', detail: 'Design the schema', requests: 1, latencyMs: 9, runtimeVersion: '1.0' }, 'opencode').output // 'db\n\nDesign the schema'
 */
function routingResponse(out: RoutingCellOutput, runtime: Exclude<RuntimeName, 'chat'>): ProviderResponse {
  if (out.error) return { error: out.error };
  const delegated = out.chosen !== 'none';
  return {
    output: `${out.chosen}\n\n${out.detail}`,
    ...(out.tokens ? { tokenUsage: out.tokens } : {}),
    ...(out.costUsd !== undefined ? { cost: out.costUsd } : {}),
    metadata: {
      trajectory: {
        runtime,
        toolCalls: [],
        delegations: delegated ? [{ agent: out.chosen, prompt: out.detail, callIndex: 0 }] : [],
        turns: out.requests,
        filesRead: [],
        workspaceDiff: '',
        filesChanged: [],
      },
      routing: { requests: out.requests, runtimeVersion: out.runtimeVersion },
    },
  };
}

/**
 * The installed versions of the agent programs the eval's routing cells will run on, read without running them
 * (`''` when one is not installed: its cells then stop before any call as usual). Part of those cells' recording key.
 */
export async function routingRuntimeVersions(
  ctx: Pick<Context, 'root' | 'env'>,
  inputs: { scenarios: ReadonlyArray<{ routing?: unknown }>; config: { models: unknown } },
): Promise<RuntimeVersions | undefined> {
  if (!inputs.scenarios.some((s) => s.routing) || !Array.isArray(inputs.config.models)) return undefined;
  const runtimes = new Set<'claude-code' | 'opencode'>();
  for (const m of inputs.config.models as Array<string | { runtime?: string }>)
    if (typeof m === 'object' && (m.runtime === 'claude-code' || m.runtime === 'opencode')) runtimes.add(m.runtime);
  if (runtimes.size === 0) return undefined;
  const { installedRuntimeVersion } = await import('./runtimes/runtime-version.ts');
  const versions: RuntimeVersions = {};
  for (const runtime of runtimes) {
    try {
      versions[runtime] = installedRuntimeVersion(runtime, { projectRoot: ctx.root, env: ctx.env });
    } catch {
      versions[runtime] = '';
    }
  }
  return versions;
}
