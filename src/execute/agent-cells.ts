import { realpath, rm } from 'node:fs/promises';
import path from 'node:path';
import type { Context } from '../context.ts';
import { ProviderUnavailableError, UsageError } from '../errors.ts';
import type { ResolvedModel, RuntimeName } from '../schema/models.ts';
import type { CellPlan } from '../plan/cell-plan.ts';
import type { AgentRuntime, RoutingCellInput, RoutingCellOutput, RuntimeCellInput, RuntimeCellOutput } from '../shared/agent-runtime.ts';
import type { AgentCellRunner } from './provider-wrapper.ts';
import { createClaudeCodeRuntime, importClaudeAgentSdk } from './runtimes/claude-code.ts';
import { relativizeTrajectory } from './relative-paths.ts';
import { createOpenCodeRuntime, resolveOpenCodeBinary } from './runtimes/opencode.ts';
import { createSandbox, probeSandbox, type SandboxKind } from './sandbox/jail.ts';
import { diffSandbox, prepareSandbox, removeSandbox } from './workspace.ts';

/** The key variable each runtime's protocol uses when the model's config names no `apiKey`. */
const KEY_VARIABLE: Record<Exclude<RuntimeName, 'chat'>, string> = { 'claude-code': 'ANTHROPIC_API_KEY', opencode: 'OPENAI_API_KEY' };

/** One routing case as the harness asks for it: the runtime prepares the sandboxed workspace copy and HOME. */
type RoutingCellRequest = Omit<RoutingCellInput, 'workspace' | 'sandboxHome'> & {
  /** Names the case's folder under `<run>/cells/` (unique in the run). */
  cellId: string;
  runtime: Exclude<RuntimeName, 'chat'>;
  /** The suite's workspace, relative to the project root (absent: an empty workspace). */
  workspaceSource?: string;
};

export interface AgentRuntimes {
  runAgentCell: AgentCellRunner;
  /** Runs one routing case in a fresh sandboxed copy of its workspace (removed after); never throws. */
  routeCell(input: RoutingCellRequest): Promise<RoutingCellOutput>;
  close(): Promise<void>;
}

/**
 * Starts the agent runtimes the plans need (once per run: OpenCode keeps one server for every cell) and
 * returns the seam's cell runner. A runtime whose program is not installed stops the eval (exit 2) with
 * the command that installs it, before any call.
 *
 * Each cell runs in a fresh copy of its scenario's workspace under `<run>/cells/<cell id>/`, never in
 * the project's own tree; the copy's changes become the trajectory's diff, and the copy is removed.
 * Paths in the trajectory are relative to the workspace: it names no run, cell or machine, so the same
 * behaviour records the same bytes. An agent that reached a bound of its cell answers as usual, with the
 * limit beside its trajectory (`metadata.limit`): the cell is scored as a failure naming it.
 */
export async function openAgentRuntimes(
  ctx: Context,
  setup: {
    runDir: string;
    timeoutMs: number;
    sandbox: SandboxKind;
    /** Runtimes routing cases will use (besides those `cells` need). */
    routing?: Array<Exclude<RuntimeName, 'chat'>>;
  },
  /**
   * The live cells' needs: one plan per runtime to start, and how many cells of each runtime will run at once at
   * most (what is started before the first cell).
   */
  cells: { plans: CellPlan[]; atOnce?: Partial<Record<RuntimeName, number>> } = { plans: [] },
): Promise<AgentRuntimes> {
  const input = setup;
  const needed = new Set<RuntimeName>([...cells.plans.filter((p) => p.agentRun).map((p) => p.model.runtime), ...(setup.routing ?? [])]);
  const runtimes = new Map<RuntimeName, AgentRuntime>();
  // No agent program ever runs unjailed by accident: a machine that cannot start the sandbox stops here, before any call.
  if (input.sandbox === 'bubblewrap') {
    const probe = probeSandbox(ctx.env.AGENT_EVALS_BWRAP);
    if (!probe.ok) throw new UsageError(probe.reason);
  }
  // Nothing of the project (its agents, reports, .env) nor the user's HOME is visible inside, even under a system folder.
  const sandbox = createSandbox({
    kind: input.sandbox,
    hidden: [ctx.root, ...(ctx.env.HOME ? [ctx.env.HOME] : [])],
    ...(ctx.env.AGENT_EVALS_BWRAP ? { bwrap: ctx.env.AGENT_EVALS_BWRAP } : {}),
  });
  if (needed.has('claude-code')) {
    await importClaudeAgentSdk();
    runtimes.set('claude-code', createClaudeCodeRuntime({ sandbox, ...(ctx.env.PATH ? { path: ctx.env.PATH } : {}) }));
  }
  if (needed.has('opencode')) {
    try {
      resolveOpenCodeBinary({ env: ctx.env, projectRoot: ctx.root });
    } catch (err) {
      throw new ProviderUnavailableError((err as Error).message);
    }
    runtimes.set(
      'opencode',
      createOpenCodeRuntime({ env: ctx.env, projectRoot: ctx.root, sandbox, homeDir: path.join(input.runDir, 'opencode-home') }),
    );
  }
  // A program's start-up (OpenCode's servers) happens here, before the first cell, never inside a cell's own timeout.
  await Promise.all([...runtimes].map(([name, runtime]) => runtime.prepare?.(cells.atOnce?.[name] ?? 1)));
  const runAgentCell: AgentCellRunner = async (cell, signal) => {
    const runtime = runtimes.get(cell.model.runtime);
    if (!runtime || !cell.agentRun) return { error: `no agent runtime for ${cell.model.label}` };
    return runCell(ctx, runtime, cell, { runDir: input.runDir, timeoutMs: input.timeoutMs, signal });
  };
  const routeCell = async (request: RoutingCellRequest): Promise<RoutingCellOutput> => {
    const runtime = runtimes.get(request.runtime);
    if (!runtime) return routingError(`no agent runtime ${request.runtime} was started for routing`);
    return runRoutingCell(ctx, runtime, request, input.runDir);
  };
  return {
    runAgentCell,
    routeCell,
    close: async () => {
      await Promise.all([...runtimes.values()].map((r) => r.close().catch(() => undefined)));
      await rm(path.join(input.runDir, 'opencode-home'), { recursive: true, force: true });
      await rm(path.join(input.runDir, 'cells'), { recursive: true, force: true });
    },
  };
}

async function runCell(
  ctx: Context,
  runtime: AgentRuntime,
  cell: CellPlan,
  opts: { runDir: string; timeoutMs: number; signal?: AbortSignal },
) {
  const run = cell.agentRun!;
  const cellDir = path.join(opts.runDir, 'cells', cell.cellId);
  const box = await prepareSandbox(run.workspace ? path.join(ctx.root, run.workspace) : undefined, cellDir);
  try {
    const out = await runtime.runCell(cellInput(ctx, cell, box, opts));
    const trajectory = relativizeTrajectory({ ...out.trajectory, ...(await diffSandbox(box)) }, await workspacePaths(box.workspace, out));
    if (out.error) return { error: out.error, metadata: { trajectory } };
    return {
      output: out.answer,
      ...(out.tokens ? { tokenUsage: out.tokens } : {}),
      ...(out.costUsd !== undefined ? { cost: out.costUsd } : {}),
      metadata: { trajectory, ...(out.limit ? { limit: out.limit } : {}) },
    };
  } catch (err) {
    return { error: `${runtime.name}: ${err instanceof Error ? err.message : String(err)}` };
  } finally {
    await removeSandbox(cellDir);
  }
}

function routingError(error: string): RoutingCellOutput {
  return { chosen: 'none', detail: '', requests: 0, latencyMs: 0, runtimeVersion: '', error };
}

/** One routing case: a fresh copy of the suite's workspace (or an empty one) and HOME, removed after the case. */
async function runRoutingCell(
  ctx: Context,
  runtime: AgentRuntime,
  request: RoutingCellRequest,
  runDir: string,
): Promise<RoutingCellOutput> {
  const cellDir = path.join(runDir, 'cells', request.cellId);
  try {
    const box = await prepareSandbox(request.workspaceSource ? path.join(ctx.root, request.workspaceSource) : undefined, cellDir);
    const { cellId: _id, runtime: _runtime, workspaceSource: _source, ...rest } = request;
    return await runtime.route({ ...rest, workspace: box.workspace, sandboxHome: box.home });
  } catch (err) {
    return routingError(`${runtime.name}: ${err instanceof Error ? err.message : String(err)}`);
  } finally {
    await removeSandbox(cellDir);
  }
}

/**
 * The model as a runtime gets it, from a resolved model: its id, `config.apiBaseUrl`, and the key from
 * `config.apiKey`, else the variable `config.apiKeyEnvar` names, else the runtime protocol's own variable.
 */
export function runtimeModel(ctx: Context, model: ResolvedModel): RuntimeCellInput['model'] {
  const config = model.config;
  const runtime = model.runtime === 'chat' ? 'claude-code' : model.runtime;
  const keyVar = typeof config.apiKeyEnvar === 'string' ? config.apiKeyEnvar : KEY_VARIABLE[runtime];
  const apiKey = typeof config.apiKey === 'string' ? config.apiKey : ctx.env[keyVar];
  return {
    id: model.id,
    ...(typeof config.apiBaseUrl === 'string' ? { apiBaseUrl: config.apiBaseUrl } : {}),
    ...(apiKey ? { apiKey } : {}),
  };
}

/** Every absolute path the agent saw as its workspace: the copy's, its real path, and the runtime's aliases of it. */
async function workspacePaths(workspace: string, out: RuntimeCellOutput): Promise<string[]> {
  const real = await realpath(workspace).catch(() => workspace);
  const aliases = out.workspaceAliases ?? [];
  const realAliases = await Promise.all(aliases.map((a) => realpath(a).catch(() => a)));
  return [workspace, real, ...aliases, ...realAliases];
}

function cellInput(
  ctx: Context,
  cell: CellPlan,
  box: { workspace: string; home: string },
  opts: { timeoutMs: number; signal?: AbortSignal },
): RuntimeCellInput {
  const run = cell.agentRun!;
  const turns = cell.messages.filter((m) => m.role !== 'system');
  return {
    agent: run.agent,
    request: turns.at(-1)!.content,
    history: turns.slice(0, -1).map((m) => ({ role: m.role as 'user' | 'assistant', content: m.content })),
    model: runtimeModel(ctx, cell.model),
    workspace: box.workspace,
    sandboxHome: box.home,
    allowBash: run.allowBash,
    // Every cell is bounded: turns, requests to the model, and wall time (inside the engine's own timeout).
    limits: { maxTurns: run.maxTurns, maxRequests: run.maxTurns * 3, wallTimeMs: Math.max(5_000, Math.floor(opts.timeoutMs * 0.9)) },
    ...(opts.signal ? { signal: opts.signal } : {}),
  };
}
