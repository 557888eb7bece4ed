import type { Context } from '../context.ts';
import type { CellPlans } from '../plan/cell-plans.ts';
import type { RuntimeName } from '../schema/models.ts';
import type { SandboxKind } from './sandbox/jail.ts';
import type { AgentRuntimes } from './agent-cells.ts';
import type { PlannedCell } from './decide-cells.ts';

/**
 * Starts the agent programs the live cells need, before anything is written: a missing one is exit 2
 * with its install command. Undefined for a chat-only run. (Imported when needed, not at the top: the
 * runtimes stay off the start-up of every chat-only eval.)
 *
 * @example
 * const agents = await openRuntimes(ctx, decided.live, { plans: plan.plans, runDir, timeoutMs, concurrency: 4 });
 */
export async function openRuntimes(
  ctx: Context,
  live: readonly PlannedCell[],
  input: { plans: CellPlans; runDir: string; timeoutMs: number; sandbox?: SandboxKind; concurrency: number },
): Promise<AgentRuntimes | undefined> {
  // The runtimes are started from one plan per runtime that has live cells (a plan says which it needs).
  const agentCells = [...new Map(live.filter((c) => c.model.runtime !== 'chat').map((c) => [c.model.runtime, c])).values()];
  if (!agentCells.length) return undefined;
  const setup = { runDir: input.runDir, timeoutMs: input.timeoutMs, sandbox: input.sandbox ?? 'bubblewrap' } as const;
  const needs = { plans: agentCells.map((c) => input.plans.of(c)), atOnce: cellsAtOnce(live, input.concurrency) };
  const agents = await (await import('./agent-cells.ts')).openAgentRuntimes(ctx, setup, needs);
  if (input.sandbox === 'none')
    ctx.err('warning: sandbox: none — agent programs run unjailed, with access to every file, key and network this user can reach');
  return agents;
}

/** How many live cells of each agent runtime may run at once: the run's concurrency, or fewer cells. */
function cellsAtOnce(live: ReadonlyArray<{ model: { runtime: RuntimeName } }>, concurrency: number): Partial<Record<RuntimeName, number>> {
  const counts: Partial<Record<RuntimeName, number>> = {};
  for (const cell of live) counts[cell.model.runtime] = (counts[cell.model.runtime] ?? 0) + 1;
  for (const runtime of Object.keys(counts) as RuntimeName[]) counts[runtime] = Math.min(counts[runtime]!, concurrency);
  return counts;
}
