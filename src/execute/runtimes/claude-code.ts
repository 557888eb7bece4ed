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
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, realpathSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { ProviderUnavailableError } from '../../errors.ts';
import type {
  AgentRuntime,
  RoutingCellInput,
  RoutingCellOutput,
  RuntimeAgent,
  RuntimeCellInput,
  RuntimeCellOutput,
} from '../../shared/agent-runtime.ts';
import {
  agentAllows,
  decideToolCall,
  offeredTools,
  type ToolDecision,
  type ToolPolicy,
  toolPolicy,
  WEB_TOOLS,
} from './claude-code-permissions.ts';
import { bundledClaudeCodeVersion, createRoutingWatch, ROUTED, type RoutingWatch, routingAsCell } from './claude-code-routing.ts';
import { createTrajectoryRecorder, type StreamMessage, type TrajectoryRecorder } from './claude-code-trajectory.ts';
import { createSandbox, type Jailed, type Sandbox } from '../sandbox/jail.ts';
import { PLACEHOLDER_KEY, startModelProxy } from '../sandbox/model-proxy.ts';
import { realWorkspace } from './sandbox-paths.ts';

/** The loopback port inside the sandbox where Claude Code finds its model (the bridge forwards it to the model proxy). */
const MODEL_PORT = 41001;

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

interface ClaudeCodeRuntimeOptions {
  /** PATH for Claude Code and its Bash tool (the only variable of the user's passed on; the harness gives the CLI's). Default: the system folders. */
  path?: string;
  /** Bash tool timeout in ms (default and maximum). Default 30 000. */
  bashTimeoutMs?: number;
  /** Loads the SDK. Default: `import('@anthropic-ai/claude-agent-sdk')`. */
  loadSdk?: () => Promise<ClaudeAgentSdk>;
  /** Receives Claude Code's stderr (debugging). */
  onStderr?: (text: string) => void;
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
 * Claude Code's environment, built from nothing: nothing of the parent's leaks in but PATH. The model is
 * reached at `modelUrl` (the model proxy, seen from inside the sandbox) with a placeholder key: the real key
 * stays in the proxy.
 */
function claudeCodeEnv(input: RuntimeCellInput, opts: { path: string; bashTimeoutMs: number; modelUrl: string }): Record<string, string> {
  const home = input.sandboxHome;
  const dirs = {
    config: join(home, '.claude'),
    xdgConfig: join(home, '.config'),
    cache: join(home, '.cache'),
    data: join(home, '.local', 'share'),
    state: join(home, '.local', 'state'),
    tmp: join(home, 'tmp'),
  };
  for (const dir of Object.values(dirs)) mkdirSync(dir, { recursive: true });
  const env: Record<string, string> = {
    PATH: opts.path,
    HOME: home,
    USER: 'agent',
    LANG: 'C.UTF-8',
    SHELL: '/bin/bash',
    CLAUDE_CONFIG_DIR: dirs.config,
    XDG_CONFIG_HOME: dirs.xdgConfig,
    XDG_CACHE_HOME: dirs.cache,
    XDG_DATA_HOME: dirs.data,
    XDG_STATE_HOME: dirs.state,
    TMPDIR: dirs.tmp,
    CLAUDE_CODE_TMPDIR: dirs.tmp,
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
    DISABLE_TELEMETRY: '1',
    DISABLE_ERROR_REPORTING: '1',
    DISABLE_AUTOUPDATER: '1',
    CLAUDE_CODE_DISABLE_BACKGROUND_TASKS: '1',
    CLAUDE_CODE_DISABLE_AUTO_MEMORY: '1',
    BASH_DEFAULT_TIMEOUT_MS: String(opts.bashTimeoutMs),
    BASH_MAX_TIMEOUT_MS: String(opts.bashTimeoutMs),
    // Every model alias Claude Code may pick for side work or subagents is the cell's model.
    ANTHROPIC_MODEL: input.model.id,
    ANTHROPIC_DEFAULT_OPUS_MODEL: input.model.id,
    ANTHROPIC_DEFAULT_SONNET_MODEL: input.model.id,
    ANTHROPIC_DEFAULT_HAIKU_MODEL: input.model.id,
    CLAUDE_CODE_SUBAGENT_MODEL: input.model.id,
  };
  env.ANTHROPIC_BASE_URL = opts.modelUrl;
  env.ANTHROPIC_API_KEY = PLACEHOLDER_KEY;
  return env;
}

/** The request as Claude Code gets it: earlier turns (if any) as a transcript, then the request. */
function renderPrompt(input: Pick<RuntimeCellInput, 'request' | 'history'>): string {
  if (!input.history?.length) return input.request;
  const earlier = input.history.map((t) => `${t.role === 'user' ? 'User' : 'Assistant'}: ${t.content}`).join('\n\n');
  return `Earlier in this conversation:\n\n${earlier}\n\nUser: ${input.request}`;
}

function peerDefinitions(peers: RuntimeAgent[] | undefined, maxTurns: number): Record<string, Record<string, unknown>> | undefined {
  if (!peers?.length) return undefined;
  return Object.fromEntries(
    peers.map((peer) => {
      const tools = offeredTools(peer.tools);
      return [
        peer.name,
        {
          description: peer.description,
          prompt: peer.systemPrompt,
          model: 'inherit',
          maxTurns,
          disallowedTools: [...WEB_TOOLS],
          ...(tools ? { tools } : {}),
        },
      ];
    }),
  );
}

function deny(decision: Exclude<ToolDecision, { outcome: 'allow' }>) {
  return {
    hookSpecificOutput: {
      hookEventName: 'PreToolUse',
      permissionDecision: 'deny',
      permissionDecisionReason: decision.reason,
    },
  };
}

function tokensOf(result: StreamMessage | undefined): RuntimeCellOutput['tokens'] {
  const models = result?.modelUsage as Record<string, Record<string, number>> | undefined;
  if (!models || Object.keys(models).length === 0) return undefined;
  let prompt = 0;
  let completion = 0;
  for (const m of Object.values(models)) {
    prompt += (m.inputTokens ?? 0) + (m.cacheReadInputTokens ?? 0) + (m.cacheCreationInputTokens ?? 0);
    completion += m.outputTokens ?? 0;
  }
  return { prompt, completion, total: prompt + completion };
}

function resultError(result: StreamMessage | undefined): string | undefined {
  if (!result) return 'Claude Code ended without a result';
  if (result.subtype === 'success')
    return result.is_error === true ? `Claude Code reported an error: ${String(result.result ?? '')}`.slice(0, 500) : undefined;
  const errors = Array.isArray(result.errors) ? result.errors.join('; ') : '';
  return `${String(result.subtype)}${errors ? `: ${errors}` : ''}`.slice(0, 500);
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
    await proxy.close();
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
function cellEnd(control: CellControl, crash: string | undefined, result: StreamMessage | undefined, maxTurns: number, requests: number) {
  const sandboxLimit = control.jailed?.limitError();
  if (sandboxLimit) return { error: sandboxLimit };
  // A bound reached before the program asked the model anything measures its start-up, not the agent: an
  // error (not scored), as on OpenCode ("made no model request").
  if (control.stopReason && control.stopKind === 'limit' && requests === 0)
    return { error: `Claude Code made no model request before it was stopped: ${control.stopReason}` };
  if (control.stopReason) return control.stopKind === 'limit' ? { limit: control.stopReason } : { error: control.stopReason };
  if (crash) return { error: crash };
  if (result?.subtype === 'error_max_turns') return { limit: `maxTurns (${maxTurns}) reached` };
  const error = resultError(result);
  return error ? { error } : {};
}

/** The tool policy of the agent and of each peer; a built-in subagent (general-purpose…) is held to the delegating agent's own list. */
function toolPolicies(input: RuntimeCellInput, workspace: string): (agent?: string) => ToolPolicy {
  const policyOf = (agent: RuntimeAgent): ToolPolicy =>
    toolPolicy(agent.tools, { workspace, allowBash: input.allowBash, rules: agent.permissions });
  const main = policyOf(input.agent);
  const peers = new Map((input.agent.peers ?? []).map((peer) => [peer.name, policyOf(peer)]));
  return (agent) => (agent !== undefined ? peers.get(agent) : undefined) ?? main;
}

/** What stops a cell (a limit, the harness's signal) and the Claude Code process it must kill when it does. */
interface CellControl {
  readonly stopReason: string | undefined;
  /** A stop for a bound the agent reached (`limit`: a scored failure) or for anything else (`error`). */
  readonly stopKind: 'limit' | 'error';
  readonly abortController: AbortController;
  jailed: Jailed | undefined;
  stop(reason: string, kind?: 'limit' | 'error'): void;
  dispose(): void;
}

function cellControl(input: RuntimeCellInput): CellControl {
  const abort = new AbortController();
  let stopReason: string | undefined;
  let stopKind: 'limit' | 'error' = 'limit';
  const control: CellControl = {
    get stopReason() {
      return stopReason;
    },
    get stopKind() {
      return stopKind;
    },
    abortController: abort,
    jailed: undefined,
    // Aborting or close() leaves Claude Code a ~2 s grace period in which it keeps calling the model
    // (measured: 10 more requests); a limit must stop it now, with the shell commands it started.
    stop(reason, kind = 'limit') {
      if (stopReason === undefined) [stopReason, stopKind] = [reason, kind];
      control.jailed?.kill();
      abort.abort();
    },
    dispose() {
      clearTimeout(timer);
      input.signal?.removeEventListener('abort', onCancel);
    },
  };
  const timer = setTimeout(() => control.stop(`wall time limit (${input.limits.wallTimeMs} ms) reached`), input.limits.wallTimeMs);
  const onCancel = () => control.stop('cancelled', 'error');
  if (input.signal?.aborted) onCancel();
  input.signal?.addEventListener('abort', onCancel, { once: true });
  return control;
}

/**
 * The PreToolUse hook and `canUseTool`: the same decision for every call, refusals recorded. In a routing case
 * the main agent's first delegation is refused and stops the cell: the subagent never runs.
 */
function permissionCallbacks(
  policyFor: (agent?: string) => ToolPolicy,
  recorder: TrajectoryRecorder,
  routing?: { watch: RoutingWatch; control: CellControl },
) {
  const agentTypes = new Map<string, string>(); // subagent id → its agent type, learned from hooks
  const decide = (tool: string, toolInput: Record<string, unknown>, toolUseId: string | undefined, agent: string | undefined) => {
    if (routing && agent === undefined && routing.watch.onToolUse(tool, toolInput)) {
      routing.control.stop(ROUTED);
      return { outcome: 'denied-by-sandbox', reason: 'a routing case stops at its first delegation' } as const;
    }
    const decision = decideToolCall(policyFor(agent), tool, toolInput);
    if (decision.outcome !== 'allow' && toolUseId) recorder.recordDecision(toolUseId, decision);
    return decision;
  };
  const preToolUse = async (hookInput: Record<string, unknown>, toolUseId: string | undefined) => {
    const agentType = typeof hookInput.agent_type === 'string' && hookInput.agent_id ? hookInput.agent_type : undefined;
    if (typeof hookInput.agent_id === 'string' && agentType) agentTypes.set(hookInput.agent_id, agentType);
    const toolInput = (hookInput.tool_input ?? {}) as Record<string, unknown>;
    const id = toolUseId ?? (hookInput.tool_use_id as string | undefined);
    const decision = decide(String(hookInput.tool_name), toolInput, id, agentType);
    return decision.outcome === 'allow' ? {} : deny(decision);
  };
  const canUseTool = async (tool: string, toolInput: Record<string, unknown>, options: { toolUseID?: string; agentID?: string }) => {
    const decision = decide(tool, toolInput, options.toolUseID, options.agentID ? agentTypes.get(options.agentID) : undefined);
    return decision.outcome === 'allow' ? { behavior: 'allow', updatedInput: toolInput } : { behavior: 'deny', message: decision.reason };
  };
  return { preToolUse, canUseTool };
}

/** The SDK's `query()` options: the variant's prompt and tools, nothing of the user's, every call through the callbacks. */
function queryOptions(
  input: RuntimeCellInput,
  opts: ClaudeCodeRuntimeOptions,
  cell: {
    workspace: string;
    control: CellControl;
    modelUrl: string;
    jail: { sandbox: Sandbox; home: string; socket: string };
    /** A routing case: Claude Code's own system prompt, not an agent file's. */
    routing?: boolean;
  } & ReturnType<typeof permissionCallbacks>,
): Record<string, unknown> {
  const agentTools = offeredTools(input.agent.tools);
  return {
    abortController: cell.control.abortController,
    cwd: cell.workspace,
    model: input.model.id,
    // A routing case or the control arm (no agent file): Claude Code's own default agent, its preset system prompt.
    systemPrompt: cell.routing || input.agent.runtimeDefault ? { type: 'preset', preset: 'claude_code' } : input.agent.systemPrompt,
    settingSources: [],
    tools: agentTools ?? { type: 'preset', preset: 'claude_code' },
    disallowedTools: [...WEB_TOOLS],
    allowedTools: [],
    permissionMode: 'default',
    canUseTool: cell.canUseTool,
    hooks: { PreToolUse: [{ hooks: [cell.preToolUse], onFailure: 'block' }] },
    agents: peerDefinitions(input.agent.peers, input.limits.maxTurns),
    maxTurns: input.limits.maxTurns,
    mcpServers: {},
    strictMcpConfig: true,
    plugins: [],
    persistSession: false,
    forwardSubagentText: true,
    env: claudeCodeEnv(input, {
      path: opts.path ?? '/usr/local/bin:/usr/bin:/bin',
      bashTimeoutMs: opts.bashTimeoutMs ?? 30_000,
      modelUrl: cell.modelUrl,
    }),
    // Claude Code and everything it starts (Bash, subagents' tools) run in the cell's jail.
    spawnClaudeCodeProcess: (spawnOptions: { command: string; args: string[]; cwd?: string; env: Record<string, string | undefined> }) => {
      const env = Object.fromEntries(Object.entries(spawnOptions.env).filter((e): e is [string, string] => e[1] !== undefined));
      const jailed = cell.jail.sandbox.spawn({
        command: [spawnOptions.command, ...spawnOptions.args],
        cwd: spawnOptions.cwd ?? cell.workspace,
        env,
        writable: [cell.workspace, cell.jail.home],
        readOnly: [dirname(realpathSync(spawnOptions.command))],
        forward: [{ port: MODEL_PORT, socket: cell.jail.socket }],
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      cell.control.jailed = jailed;
      jailed.child.stderr?.on('data', (chunk: Buffer) => opts.onStderr?.(chunk.toString('utf8')));
      if (cell.control.stopReason) jailed.kill();
      return jailed.child as ChildProcess;
    },
  };
}

/**
 * Reads the stream into the recorder until the result, or until a limit stops the cell; in a routing case,
 * until the main agent's first delegation. `seen.version` gets Claude Code's version from its init message.
 */
async function consume(
  stream: AsyncIterable<StreamMessage>,
  recorder: TrajectoryRecorder,
  maxRequests: number,
  control: CellControl,
  routing: RoutingWatch | undefined,
  seen: { version?: string },
) {
  for await (const message of stream) {
    recorder.onMessage(message);
    if (message.type === 'system' && message.subtype === 'init' && typeof message.claude_code_version === 'string')
      seen.version = message.claude_code_version;
    if (routing && message.type === 'assistant' && !message.parent_tool_use_id && Array.isArray(message.message?.content)) {
      for (const block of message.message.content)
        if (block.type === 'tool_use' && routing.onToolUse(String(block.name), (block.input ?? {}) as Record<string, unknown>))
          control.stop(ROUTED);
      if (control.stopReason) break;
    }
    if (message.type === 'assistant') {
      const asksTools = Array.isArray(message.message?.content) && message.message.content.some((b) => b.type === 'tool_use');
      // One more request would follow a tool call: stop before it would pass the limit.
      if (recorder.requests > maxRequests || (recorder.requests === maxRequests && asksTools)) {
        // Requests the model server failed and Claude Code retried are the provider's fault, not the agent's.
        if (recorder.retries > 0)
          control.stop(
            `request limit (${maxRequests} model requests, ${recorder.retries} of them retries of failed requests) reached`,
            'error',
          );
        else control.stop(`request limit (${maxRequests} model requests) reached`);
      }
    }
    if (control.stopReason || message.type === 'result') break;
  }
}
