/**
 * The `claude-code` runtime: runs one agent file inside the real Claude Code program, through the Claude
 * Agent SDK (`@anthropic-ai/claude-agent-sdk`, an optional dependency, imported only when a cell runs).
 *
 * Why the SDK directly and not promptfoo's `anthropic:claude-agent-sdk` provider: that provider copies the
 * whole parent environment (HOME and every secret) into Claude Code's process, keeps Claude Code's own
 * preset system prompt unless told otherwise, and reports tool calls without saying which were refused or
 * why. A cell here must see nothing of the user's machine and must report each call's outcome, so the
 * runtime drives `query()` itself: its own env, `systemPrompt` = the variant's body, `settingSources: []`.
 *
 * The query's options, environment and permission callbacks are built in `claude-code-query.ts`; the clock,
 * stops and the cell's end in `claude-code-cell-control.ts`.
 *
 * How each tool call is decided (`claude-code-permissions.ts`):
 * 1. The tools offered are the variant's `tools:` list (no line → Claude Code's default set), never the
 *    web tools. A call to a tool not offered is refused by Claude Code itself ("No such tool available")
 *    and recorded as `denied-by-agent`.
 * 2. A PreToolUse hook sees EVERY call, before Claude Code's own permission logic (which auto-approves
 *    reads inside the working directory without asking `canUseTool`, measured). It refuses, and records,
 *    a tool the agent's file does not allow (`denied-by-agent`, for a subagent: that subagent's list), and
 *    any path argument (`file_path`, `path`, `notebook_path`, glob bases…) that leaves the workspace once
 *    `..` and symlinks are resolved, and any shell tool when the scenario does not allow Bash
 *    (`denied-by-sandbox`).
 * 3. `canUseTool` answers what Claude Code still asks (Bash, edits, writes) with the same decision, as a
 *    second line; `allowedTools` stays empty, because an entry there is approved before either is asked.
 *    `permissionMode` is `default` (`bypassPermissions` is refused as root, and would skip the checks).
 *
 * Where it runs: Claude Code and everything it starts (Bash, subagents' tools) run in the cell's bubblewrap
 * jail (`../sandbox/`): the system read-only, the workspace copy and the sandbox HOME writable, nothing else of
 * the machine mounted, no network but the model through the harness's proxy, a placeholder key. The checks
 * above are early, recorded refusals (`denied-by-sandbox`): the shell screen refuses absolute paths, `..`
 * leading out and `$VAR` / `$(…)` / backticks word by word; nothing depends on them, the jail holds without.
 * Its env is built from nothing (PATH, the model's URL and the placeholder key, HOME / CLAUDE_CONFIG_DIR / XDG /
 * TMPDIR inside the cell's sandbox home, switches for telemetry, auto-update, non-essential traffic, background
 * tasks and auto-memory); no user or project settings, no MCP servers, no plugins.
 *
 * Limits: `maxTurns` goes to Claude Code; model requests (responses seen + API retries) are counted and the
 * query is aborted as soon as one more would pass `maxRequests`; the wall time aborts it too. Either ends
 * the cell with `limit` (a scored failure), unless Claude Code had sent no model request yet: then `error`
 * (its start-up, not the agent, met the bound). Earlier `history` turns are given as a transcript before the
 * request (the SDK's one-shot prompt cannot carry assistant turns).
 *
 * @example
 * const runtime = createClaudeCodeRuntime();
 * const out = await runtime.runCell({ agent, request: 'Review the API', model: { id: 'claude-sonnet-4-5',
 *   apiBaseUrl: 'http://127.0.0.1:4010', apiKey: 'sk-test' }, workspace, sandboxHome, allowBash: false,
 *   limits: { maxTurns: 12, maxRequests: 40, wallTimeMs: 120_000 } });
 * out.trajectory.toolCalls; // [{ tool: 'Read', outcome: 'ran', … }, { tool: 'Edit', outcome: 'denied-by-agent', … }]
 */
import { realpathSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { ProviderUnavailableError } from '../../errors.ts';
import type { AgentRuntime, RoutingCellInput, RoutingCellOutput, RuntimeCellInput, RuntimeCellOutput } from '../../shared/agent-runtime.ts';
import { createSandbox, type Sandbox } from '../sandbox/jail.ts';
import { startModelProxy } from '../sandbox/model-proxy.ts';
import { cellControl, cellEnd, consume, tokensOf } from './claude-code-cell-control.ts';
import { agentAllows, WEB_TOOLS } from './claude-code-permissions.ts';
import { MODEL_PORT, permissionCallbacks, type QueryTuning, queryOptions, renderPrompt, toolPolicies } from './claude-code-query.ts';
import { bundledClaudeCodeVersion, createRoutingWatch, ROUTED, type RoutingWatch, routingAsCell } from './claude-code-routing.ts';
import { createTrajectoryRecorder, type StreamMessage } from './claude-code-trajectory.ts';
import { realWorkspace } from './sandbox-paths.ts';

export const CLAUDE_AGENT_SDK = '@anthropic-ai/claude-agent-sdk';
export const CLAUDE_AGENT_SDK_VERSION = '0.3.332';
/** What installs the SDK when it is missing (`npm install` of the pinned version, see `runtime-install.ts`). */
export const INSTALL_COMMAND = 'npx agent-evals install-runtime claude-code';

/**
 * The slice of the SDK this runtime uses, typed here so the harness type-checks without the optional
 * package. `options` is loose on purpose: the SDK's own `Options` type is the reference (sdk.d.ts).
 */
interface ClaudeAgentSdk {
  query(params: { prompt: string; options: Record<string, unknown> }): AsyncIterable<StreamMessage> & { close?: () => void };
}

interface ClaudeCodeRuntimeOptions extends QueryTuning {
  /** Loads the SDK. Default: `import('@anthropic-ai/claude-agent-sdk')`. */
  loadSdk?: () => Promise<ClaudeAgentSdk>;
  /** The jail each cell's Claude Code runs in. Default: bubblewrap, the user's HOME hidden. */
  sandbox?: Sandbox;
}

/**
 * Imports the SDK, or throws a user error naming the install command when it is not installed.
 *
 * @example
 * const sdk = await importClaudeAgentSdk();
 */
export async function importClaudeAgentSdk(importer: (specifier: string) => Promise<unknown> = (s) => import(s)): Promise<ClaudeAgentSdk> {
  try {
    return (await importer(CLAUDE_AGENT_SDK)) as ClaudeAgentSdk;
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') {
      throw new ProviderUnavailableError(
        `the claude-code runtime needs ${CLAUDE_AGENT_SDK}, which is not installed; install it with: ${INSTALL_COMMAND} ` +
          '(the Claude Agent SDK is not open-source licensed)',
      );
    }
    throw error;
  }
}

/**
 * Creates the runtime. Nothing starts until a cell runs: each cell is one Claude Code process.
 *
 * @example
 * const runtime = createClaudeCodeRuntime({ bashTimeoutMs: 10_000 });
 */
export function createClaudeCodeRuntime(opts: ClaudeCodeRuntimeOptions = {}): AgentRuntime {
  const sandbox = opts.sandbox ?? createSandbox({ kind: 'bubblewrap', hidden: [homedir()] });
  const loadSdk = opts.loadSdk ?? (() => importClaudeAgentSdk());
  let sdk: Promise<ClaudeAgentSdk> | undefined;
  const loadOnce = async () => {
    sdk ??= loadSdk();
    return sdk.catch((error: unknown) => {
      sdk = undefined; // a later install should be picked up without restarting
      throw error;
    });
  };
  return {
    name: 'claude-code',
    runCell: async (input) => {
      const started = Date.now(); // the first cell's latency includes loading the SDK, as it always did
      return runClaudeCodeCell(await loadOnce(), input, { ...opts, sandbox }, started);
    },
    route: async (input) => {
      const started = Date.now();
      return routeClaudeCodeCase(await loadOnce(), input, { ...opts, sandbox }, started);
    },
    async close() {
      // Each cell's Claude Code process ends with its query; nothing is shared across cells.
    },
  };
}

/**
 * A routing case: Claude Code's default agent with the suite as subagents, stopped at its first delegation
 * (`claude-code-routing.ts`). A case stopped by anything else than its decision is an error.
 */
async function routeClaudeCodeCase(
  sdk: ClaudeAgentSdk,
  input: RoutingCellInput,
  opts: ClaudeCodeRuntimeOptions & { sandbox: Sandbox },
  started: number,
): Promise<RoutingCellOutput> {
  const routing = createRoutingWatch();
  const out = await runClaudeCodeCell(sdk, routingAsCell(input), opts, started, routing);
  const decided = routing.decision && (out.limit === ROUTED || (!out.error && !out.limit));
  const common = {
    requests: out.requests,
    ...(out.tokens ? { tokens: out.tokens } : {}),
    ...(out.costUsd !== undefined ? { costUsd: out.costUsd } : {}),
    latencyMs: out.latencyMs,
    runtimeVersion: out.runtimeVersion || bundledClaudeCodeVersion(),
  };
  if (decided && routing.decision) return { ...routing.decision, ...common };
  const error = out.error ?? (out.limit ? `the case did not decide: ${out.limit}` : undefined);
  if (error) return { chosen: 'none', detail: out.answer.slice(0, 4096), ...common, error };
  return { chosen: 'none', detail: out.answer.slice(0, 4096), ...common };
}

/** One cell: one `query()`, bounded, its every tool call decided and recorded; `routing` makes it a routing case. */
async function runClaudeCodeCell(
  sdk: ClaudeAgentSdk,
  input: RuntimeCellInput,
  opts: ClaudeCodeRuntimeOptions & { sandbox: Sandbox },
  started: number,
  routing?: RoutingWatch,
): Promise<RuntimeCellOutput & { requests: number; runtimeVersion: string }> {
  const workspace = realWorkspace(input.workspace);
  const policyFor = toolPolicies(input, workspace);
  const recorder = createTrajectoryRecorder({
    workspace,
    agentAllows: (tool, agent) => agentAllows(policyFor(agent), tool),
    sandboxWithholds: new Set(WEB_TOOLS),
  });
  const control = cellControl(input);
  // The model proxy's socket lives in a folder of its own: short (a socket path has ≈ 100 bytes), read-only inside.
  const ctl = opts.sandbox.controlFolder('cc');
  const jailed = opts.sandbox.kind !== 'none';
  const proxy = await startModelProxy(jailed ? { socket: join(ctl, 'model.sock') } : {});
  proxy.route({ baseUrl: input.model.apiBaseUrl ?? 'https://api.anthropic.com', apiKey: input.model.apiKey });
  const basePath = input.model.apiBaseUrl ? new URL(input.model.apiBaseUrl).pathname.replace(/\/v1\/?$/, '').replace(/\/$/, '') : '';
  const options = queryOptions(input, opts, {
    workspace,
    control,
    modelUrl: `${jailed ? `http://127.0.0.1:${MODEL_PORT}` : proxy.address}${basePath}`,
    jail: { sandbox: opts.sandbox, home: realpathSync(input.sandboxHome), socket: join(ctl, 'model.sock') },
    ...permissionCallbacks(policyFor, recorder, routing && { watch: routing, control }),
    routing: routing !== undefined,
  });
  const stream = sdk.query({ prompt: renderPrompt(input), options });
  let crash: string | undefined;
  const seen: { version?: string } = {};
  try {
    await consume(stream, recorder, input.limits.maxRequests, control, routing, seen);
  } catch (error) {
    if (!control.stopReason) crash = `Claude Code failed: ${error instanceof Error ? error.message : String(error)}`.slice(0, 500);
  } finally {
    control.dispose();
    stream.close?.();
    control.jailed?.kill(); // whatever is left of the cell: its Bash commands included
    await proxy.close(); // at once: a request sent as the kill lands must not reach the model
    await control.jailed?.ended(); // and gone, not only signalled, before the cell is said to have ended
    rmSync(ctl, { recursive: true, force: true });
  }
  const result = recorder.result;
  const end = cellEnd(control, crash, result, input.limits.maxTurns, proxy.requests);
  const { trajectory, answer } = recorder.finish('limit' in end ? { limit: end.limit } : {});
  const approximated = input.agent.approximated;
  return {
    answer,
    trajectory: approximated?.length ? { ...trajectory, approximated } : trajectory,
    tokens: tokensOf(result),
    costUsd: typeof result?.total_cost_usd === 'number' ? result.total_cost_usd : undefined,
    latencyMs: Date.now() - started,
    requests: recorder.requests,
    runtimeVersion: seen.version ?? '',
    ...end,
  };
}

/**
 * How the cell ended: a bound of the cell the agent reached is a `limit` (a scored failure); a sandbox limit,
 * a cancel, a crash or a model error is an `error`.
 */
