/**
 * The SDK's `query()` for one Claude Code cell: its options (the variant's prompt and tools, nothing of the
 * user's), the environment built from nothing, the subagent definitions, and the permission callbacks through
 * which every tool call is decided and recorded (see claude-code.ts for how). Claude Code itself is spawned
 * into the cell's jail from here.
 *
 * @example
 * const options = queryOptions(input, { bashTimeoutMs: 10_000 }, { workspace, control, modelUrl, jail, ...permissionCallbacks(policyFor, recorder) });
 * sdk.query({ prompt: renderPrompt(input), options });
 */
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, realpathSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { RuntimeAgent, RuntimeCellInput } from '../../shared/agent-runtime.ts';
import type { Sandbox } from '../sandbox/jail.ts';
import { PLACEHOLDER_KEY } from '../sandbox/model-proxy.ts';
import type { CellControl } from './claude-code-cell-control.ts';
import { decideToolCall, offeredTools, type ToolDecision, type ToolPolicy, toolPolicy, WEB_TOOLS } from './claude-code-permissions.ts';
import { ROUTED, type RoutingWatch } from './claude-code-routing.ts';
import type { TrajectoryRecorder } from './claude-code-trajectory.ts';

/** The loopback port inside the sandbox where Claude Code finds its model (the bridge forwards it to the model proxy). */
export const MODEL_PORT = 41001;

/** What a caller may set about Claude Code's process. */
export interface QueryTuning {
  /** PATH for Claude Code and its Bash tool (the only variable of the user's passed on; the harness gives the CLI's). Default: the system folders. */
  path?: string;
  /** Bash tool timeout in ms (default and maximum). Default 30 000. */
  bashTimeoutMs?: number;
  /** Receives Claude Code's stderr (debugging). */
  onStderr?: (text: string) => void;
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
export function renderPrompt(input: Pick<RuntimeCellInput, 'request' | 'history'>): string {
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

/** The tool policy of the agent and of each peer; a built-in subagent (general-purpose…) is held to the delegating agent's own list. */
export function toolPolicies(input: RuntimeCellInput, workspace: string): (agent?: string) => ToolPolicy {
  const policyOf = (agent: RuntimeAgent): ToolPolicy =>
    toolPolicy(agent.tools, { workspace, allowBash: input.allowBash, rules: agent.permissions });
  const main = policyOf(input.agent);
  const peers = new Map((input.agent.peers ?? []).map((peer) => [peer.name, policyOf(peer)]));
  return (agent) => (agent !== undefined ? peers.get(agent) : undefined) ?? main;
}

/**
 * The PreToolUse hook and `canUseTool`: the same decision for every call, refusals recorded. In a routing case
 * the main agent's first delegation is refused and stops the cell: the subagent never runs.
 */
export function permissionCallbacks(
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
export function queryOptions(
  input: RuntimeCellInput,
  opts: QueryTuning,
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
