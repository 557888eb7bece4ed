/**
 * The `opencode` runtime: runs an agent file inside the real OpenCode program (1.18.33).
 *
 * Sandboxes, and why a pool of them: every `opencode serve` runs in its own sandbox (`../sandbox/`), which
 * sees one folder of work. A cell's workspace copy is moved into a free sandbox's folder for the cell, and
 * moved back after it; a sandbox serves one cell at a time, and every process a cell left behind is killed
 * before the next cell's copy moves in, so no cell can reach another's copy. The pool grows to the run's
 * concurrency (one server start each, ≈ 2 s of CPU here) instead of one server start per cell
 * (`opencode-pool.ts`). Each cell is a session addressed to the workspace with `?directory=` (OpenCode keeps
 * one instance — config, agents, permissions — per directory, disposed after the cell). The agent is installed as
 * `<workspace>/.opencode/agent/<name>.md` and the session is prompted with that agent by name: the server
 * runs a `mode: subagent` agent as asked (only the `opencode run` CLI refuses it and falls back to `build`),
 * and every answering message is checked to come from the variant.
 *
 * The sandbox is OpenCode's own permission system with harness rules put last on the session (see
 * `opencode-permissions.ts`); the harness answers every permission ask with "no", as `opencode run` does,
 * but with a reason so the agent can go on. Limits abort the session.
 *
 * @example
 * const runtime = createOpenCodeRuntime({ homeDir: '/tmp/oc-home' });
 * const out = await runtime.runCell(input);
 * await runtime.close();
 */
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AgentRuntime, RuntimeCellInput, RuntimeCellOutput } from '../../shared/agent-runtime.ts';
import { createSandbox, type Sandbox } from '../sandbox/jail.ts';
import { PLACEHOLDER_KEY } from '../sandbox/model-proxy.ts';
import { type AskVerdict, classifyAsk, type PermissionRule, sandboxRules } from './opencode-permissions.ts';
import { type CellWatch, createSlotPool, MODEL_PORT, type Slot, type SlotPool } from './opencode-pool.ts';
import type { OpenCodeEvent, OpenCodeServer } from './opencode-server.ts';
import { buildTrajectory, type ChildSession, type OpenCodeMessage } from './opencode-trajectory.ts';
import { routeOpenCodeCase } from './opencode-routing.ts';
import { type PreparedWorkspace, prepareWorkspace } from './opencode-workspace.ts';

export const OPENCODE_VERSION = '1.18.33';
/** OpenCode's own primary agent: what answers a control-arm cell (`RuntimeAgent.runtimeDefault`), with its default tools. */
const OPENCODE_DEFAULT_AGENT = 'build';
const OPENCODE_INSTALL_COMMAND = 'npx agent-evals install-runtime opencode';

export interface OpenCodeRuntimeOptions {
  /** Project root holding `.agent-evals/runtimes/opencode/` (default: the agent-evals package's own root). */
  projectRoot?: string;
  /** Explicit binary (default: `AGENT_EVALS_OPENCODE_BIN`, then the private install). */
  binary?: string;
  /** The harness's environment, to read `AGENT_EVALS_OPENCODE_BIN` and `PATH` from (default: none). Never passed to OpenCode as a whole. */
  env?: Record<string, string | undefined>;
  /** Where the sandboxes' folders (server HOME, the cell's folder) live. Default: a temp folder removed by close(). */
  homeDir?: string;
  /** The jail the servers run in. Default: bubblewrap, the user's HOME hidden. */
  sandbox?: Sandbox;
}

/**
 * The agent-evals package's own root (this repository, or `node_modules/agent-evals` in a user's project),
 * found from this file: the folder of the nearest `package.json` named agent-evals.
 */
export function findPackageRoot(): string {
  const start = path.dirname(fileURLToPath(import.meta.url));
  let dir = start;
  for (;;) {
    const pkg = path.join(dir, 'package.json');
    if (existsSync(pkg) && /"name":\s*"agent-evals"/.test(readFileSync(pkg, 'utf8'))) return dir;
    const up = path.dirname(dir);
    if (up === dir) return start;
    dir = up;
  }
}

/** The private install of a project: `<root>/.agent-evals/runtimes/opencode/` (an npm prefix). */
export function openCodePrefix(root: string): string {
  return path.join(root, '.agent-evals', 'runtimes', 'opencode');
}

/** The `opencode` binary of the private install under `root`, or undefined: the platform binary (skipping opencode-ai's Node wrapper), else `.bin/opencode`. */
export function installedOpenCodeBinary(root: string): string | undefined {
  const modules = path.join(openCodePrefix(root), 'node_modules');
  const platform = `opencode-${os.platform() === 'win32' ? 'windows' : os.platform()}-${os.arch()}`;
  return [path.join(modules, platform, 'bin', 'opencode'), path.join(modules, '.bin', 'opencode')].find((c) => existsSync(c));
}

/**
 * Where the `opencode` binary is: `AGENT_EVALS_OPENCODE_BIN`, else the private install of the project the
 * harness runs on (`projectRoot`), else the one of the agent-evals package itself (this repository's own
 * tests, whose eval projects are temp folders). Throws naming the install command when missing.
 */
export function resolveOpenCodeBinary(
  opts: Pick<OpenCodeRuntimeOptions, 'projectRoot' | 'binary' | 'env'> = {},
  packageRoot = findPackageRoot(),
): string {
  const env = opts.env ?? {};
  const explicit = opts.binary ?? env.AGENT_EVALS_OPENCODE_BIN;
  if (explicit) {
    if (!existsSync(explicit))
      throw new Error(
        `OpenCode binary not found at ${explicit} (AGENT_EVALS_OPENCODE_BIN); unset it to use the project's install, made with: ${OPENCODE_INSTALL_COMMAND}`,
      );
    return explicit;
  }
  const root = opts.projectRoot ?? packageRoot;
  const found = installedOpenCodeBinary(root) ?? (root === packageRoot ? undefined : installedOpenCodeBinary(packageRoot));
  if (found) return found;
  throw new Error(
    `OpenCode ${OPENCODE_VERSION} is not installed (looked in ${openCodePrefix(root)}); install it with: ${OPENCODE_INSTALL_COMMAND} ` +
      '(or point AGENT_EVALS_OPENCODE_BIN at an opencode binary)',
  );
}

export function createOpenCodeRuntime(opts: OpenCodeRuntimeOptions = {}): AgentRuntime {
  const binary = resolveOpenCodeBinary(opts);
  const ownHome = !opts.homeDir;
  const home = opts.homeDir ?? mkdtempSync(path.join(os.tmpdir(), 'agent-evals-opencode-'));
  const sandbox = opts.sandbox ?? createSandbox({ kind: 'bubblewrap', hidden: [os.homedir()] });
  const pool = createSlotPool({ binary, home, sandbox, pathEnv: opts.env?.PATH ?? '/usr/local/bin:/usr/bin:/bin' });
  return {
    name: 'opencode',
    runCell: (input) => runOpenCodeCell(pool, sandbox, input),
    route: (input) =>
      routeOpenCodeCase(
        {
          acquire: pool.acquire,
          release: pool.release,
          move,
          modelAddress: (slot) => (sandbox.kind === 'none' ? slot.proxy.address : `http://127.0.0.1:${MODEL_PORT}`),
        },
        input,
      ),
    prepare: (cells) => pool.warm(cells),
    async close() {
      await pool.close();
      if (ownHome) rmSync(home, { recursive: true, force: true });
    },
  };
}

function failedCell(started: number, error: string): RuntimeCellOutput {
  return {
    answer: '',
    trajectory: { runtime: 'opencode', toolCalls: [], delegations: [], turns: 0, filesRead: [], workspaceDiff: '', filesChanged: [] },
    latencyMs: Date.now() - started,
    error,
  };
}

/** Moves a folder (a rename; a copy where the two lie on different file systems). */
function move(from: string, to: string): void {
  try {
    renameSync(from, to);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EXDEV') throw err;
    cpSync(from, to, { recursive: true, verbatimSymlinks: true });
    rmSync(from, { recursive: true, force: true });
  }
}

/**
 * One cell: the workspace copy moved into a free sandbox, the agent (and its peers) installed in it, one
 * session prompted once, its trajectory read back, and the copy moved back where the harness diffs it.
 */
async function runOpenCodeCell(pool: SlotPool, sandbox: Sandbox, given: RuntimeCellInput): Promise<RuntimeCellOutput> {
  const started = Date.now();
  // The control arm: OpenCode's own `build` agent answers (no file installed for it), checked like any variant.
  const control = given.agent.runtimeDefault === true;
  if (control && given.agent.peers?.some((p) => p.name === OPENCODE_DEFAULT_AGENT))
    return failedCell(
      started,
      `a peer is named "${OPENCODE_DEFAULT_AGENT}", which would replace OpenCode's own agent in the control arm; rename it`,
    );
  const input = control ? { ...given, agent: { ...given.agent, name: OPENCODE_DEFAULT_AGENT } } : given;
  if (!input.model.apiBaseUrl) return failedCell(started, 'the opencode runtime needs model.apiBaseUrl (an OpenAI-compatible server)');
  let slot: Slot;
  try {
    slot = await pool.acquire();
  } catch (err) {
    return failedCell(started, `OpenCode server: ${(err as Error).message}`);
  }
  const directory = path.join(slot.workRoot, String(++slot.served), path.basename(input.workspace));
  mkdirSync(path.dirname(directory), { recursive: true });
  move(input.workspace, directory);
  slot.proxy.route({ baseUrl: input.model.apiBaseUrl, apiKey: input.model.apiKey });
  const basePath = new URL(input.model.apiBaseUrl).pathname.replace(/\/$/, '');
  const inside = sandbox.kind === 'none' ? slot.proxy.address : `http://127.0.0.1:${MODEL_PORT}`;
  let prepared: PreparedWorkspace | undefined;
  const srv = slot.server;
  const home = path.dirname(slot.workRoot);
  const cell: OpenCell = {
    srv,
    directory,
    input,
    home: path.join(home, 'home'),
    decisions: new Map(),
    peerRules: new Map(),
    sessions: new Set(),
  };
  let unwatch: () => void = () => {};
  try {
    // Inside the try: a workspace the harness refuses to prepare still gives its slot and its copy back.
    prepared = prepareWorkspace({
      workspace: directory,
      agent: input.agent,
      model: { id: input.model.id, apiBaseUrl: `${inside}${basePath}` },
      apiKey: PLACEHOLDER_KEY,
    });
    const agentRules = await loadedAgentRules(cell);
    if (!agentRules && control) return failedCell(started, `OpenCode has no "${OPENCODE_DEFAULT_AGENT}" agent`);
    if (!agentRules)
      return failedCell(
        started,
        `OpenCode did not load the agent "${input.agent.name}" from .opencode/agent/${input.agent.name}.md (its frontmatter may be invalid for OpenCode)`,
      );
    cell.root = await openSession(cell, agentRules);
    const limits = watchLimits(cell, agentRules);
    slot.watches.add(limits.watch);
    unwatch = () => slot.watches.delete(limits.watch);
    const promptError = await prompt(cell, limits.abort);
    const outcome = await readOutcome(cell, agentRules, limits.stopped(), promptError);
    const sandboxLimit = srv.jailed.limitError();
    return {
      ...outcome,
      ...(sandboxLimit ? { error: sandboxLimit } : {}),
      workspaceAliases: [directory],
      latencyMs: Date.now() - started,
    };
  } catch (err) {
    return failedCell(started, srv.jailed.limitError() ?? `OpenCode: ${(err as Error).message}`);
  } finally {
    unwatch();
    if (cell.root) await srv.request('DELETE', `/session/${cell.root}`, { directory }).catch(() => {});
    await srv.request('POST', '/instance/dispose', { directory }).catch(() => {});
    prepared?.cleanup();
    await pool.release(slot, () => move(directory, input.workspace));
  }
}

/** A cell in progress on the shared server. */
interface OpenCell {
  srv: OpenCodeServer;
  directory: string;
  input: RuntimeCellInput;
  home: string;
  /** The root session, once created. */
  root?: string;
  /** The root session and the sessions it delegated to. */
  sessions: Set<string>;
  /** The harness's answer to each permission ask, by tool call id. */
  decisions: Map<string, AskVerdict>;
  /** Each peer's rules as OpenCode loaded them. */
  peerRules: Map<string, PermissionRule[]>;
}

/**
 * The agent's own permission rules as OpenCode loaded them, or undefined when OpenCode did not load the agent;
 * each peer's rules are kept on the cell, for its calls in a delegated session.
 */
async function loadedAgentRules(cell: OpenCell): Promise<PermissionRule[] | undefined> {
  const agents = await cell.srv.request<Array<{ name: string; mode: string; permission: PermissionRule[] }>>('GET', '/agent', {
    directory: cell.directory,
  });
  for (const peer of cell.input.agent.peers ?? []) {
    const loaded = agents.find((a) => a.name === peer.name);
    if (loaded) cell.peerRules.set(peer.name, loaded.permission);
  }
  return agents.find((a) => a.name === cell.input.agent.name)?.permission;
}

/** Creates the root session with the sandbox rules last, so they win over the agent's own. */
async function openSession(cell: OpenCell, agentRules: PermissionRule[]): Promise<string> {
  const toolOutputDir = path.join(cell.home, '.local', 'share', 'opencode', 'tool-output');
  const session = await cell.srv.request<{ id: string }>('POST', '/session', {
    directory: cell.directory,
    body: {
      title: `agent-evals ${cell.input.agent.name}`,
      permission: sandboxRules(agentRules, { allowBash: cell.input.allowBash, toolOutputDir }),
    },
  });
  cell.sessions.add(session.id);
  return session.id;
}

/**
 * Follows the cell's events: counts turns and requests (retries included) against the limits, aborting the
 * session when one is passed, and answers every permission ask with "no" and a reason.
 */
function watchLimits(cell: OpenCell, agentRules: PermissionRule[]) {
  const { srv, directory, input } = cell;
  const root = cell.root!;
  let stopped: { why: string; kind: 'limit' | 'error' } | undefined;
  const abort = (why: string, kind: 'limit' | 'error' = 'limit') => {
    stopped ??= { why, kind };
    void srv.request('POST', `/session/${root}/abort`, { directory }).catch(() => {});
  };
  let rootSteps = 0;
  let requests = 0;
  const seenMessages = new Set<string>();
  const countRequest = (sessionID: string) => {
    requests++;
    if (sessionID === root) rootSteps++;
    if (rootSteps > input.limits.maxTurns) abort(`limit: more than ${input.limits.maxTurns} turns (maxTurns)`);
    else if (requests > input.limits.maxRequests) abort(`limit: more than ${input.limits.maxRequests} model requests (maxRequests)`);
  };
  const onEvent = (e: OpenCodeEvent) => {
    const p = e.payload.properties;
    switch (e.payload.type) {
      case 'session.created':
        if (p.info?.parentID && cell.sessions.has(p.info.parentID)) cell.sessions.add(p.info.id);
        return;
      case 'message.updated':
        if (!cell.sessions.has(p.info?.sessionID) || p.info.role !== 'assistant' || seenMessages.has(p.info.id)) return;
        seenMessages.add(p.info.id);
        return countRequest(p.info.sessionID);
      case 'session.status':
        if (cell.sessions.has(p.sessionID) && p.status?.type === 'retry' && ++requests > input.limits.maxRequests)
          // Requests the model server failed and OpenCode retried are the provider's fault, not the agent's.
          abort(
            `more than ${input.limits.maxRequests} model requests, counting retries of failed requests: ${p.status.message ?? ''}`,
            'error',
          );
        return;
      case 'permission.asked':
        if (cell.sessions.has(p.sessionID)) refuseAsk(cell, agentRules, p);
        return;
    }
  };
  return { watch: { sessions: cell.sessions, onEvent } satisfies CellWatch, abort, stopped: () => stopped };
}

/** The harness answers every ask "no", as `opencode run` does, but with a reason so the agent can go on. */
function refuseAsk(cell: OpenCell, agentRules: PermissionRule[], p: OpenCodeEvent['payload']['properties']): void {
  const verdict = classifyAsk({ permission: p.permission, patterns: p.patterns ?? [] }, agentRules, cell.input.allowBash);
  if (p.tool?.callID) cell.decisions.set(p.tool.callID, verdict);
  const message = `Refused by the evaluation harness (${verdict.outcome}): ${verdict.reason}. Do not retry this call.`;
  void cell.srv
    .request('POST', `/permission/${p.id}/reply`, { directory: cell.directory, body: { reply: 'reject', message } })
    .catch(() => {});
}

/** Sends the request (earlier turns as a transcript) and waits for the answer, within the wall time. Returns the prompt's error, if any. */
async function prompt(cell: OpenCell, abort: (why: string, kind?: 'limit' | 'error') => void): Promise<string | undefined> {
  const { input } = cell;
  const wall = setTimeout(() => abort(`limit: wall time ${input.limits.wallTimeMs} ms`), input.limits.wallTimeMs);
  const onSignal = () => abort('aborted by the harness', 'error');
  input.signal?.addEventListener('abort', onSignal, { once: true });
  // Last resort if OpenCode ignores the abort: stop waiting a little after the wall time.
  const hardStop = AbortSignal.timeout(input.limits.wallTimeMs + 10_000);
  const history = (input.history ?? []).map((t) => `${t.role}: ${t.content}`).join('\n\n');
  const text = history ? `Earlier in this conversation:\n\n${history}\n\n---\n\n${input.request}` : input.request;
  try {
    await cell.srv.request('POST', `/session/${cell.root}/message`, {
      directory: cell.directory,
      signal: hardStop,
      body: { agent: input.agent.name, model: { providerID: 'agent-evals', modelID: input.model.id }, parts: [{ type: 'text', text }] },
    });
    return undefined;
  } catch (err) {
    if (hardStop.aborted) abort(`limit: wall time ${input.limits.wallTimeMs} ms (OpenCode did not stop when aborted)`);
    return (err as Error).message;
  } finally {
    clearTimeout(wall);
    input.signal?.removeEventListener('abort', onSignal);
  }
}

/**
 * Reads the sessions' messages back into the trajectory, and names how the cell ended: a bound of the cell the
 * agent reached is a `limit` (a scored failure); a cancel, a fallback agent, a model or prompt error is an `error`.
 */
async function readOutcome(
  cell: OpenCell,
  agentRules: PermissionRule[],
  stopped: { why: string; kind: 'limit' | 'error' } | undefined,
  promptError: string | undefined,
): Promise<Omit<RuntimeCellOutput, 'latencyMs'>> {
  const { srv, directory, input } = cell;
  const messages = await srv.request<OpenCodeMessage[]>('GET', `/session/${cell.root}/message`, { directory });
  const children: ChildSession[] = [];
  for (const id of [...cell.sessions].filter((s) => s !== cell.root)) {
    children.push({ id, messages: await srv.request<OpenCodeMessage[]>('GET', `/session/${id}/message`, { directory }).catch(() => []) });
  }
  const result = buildTrajectory({
    messages,
    children,
    decisions: cell.decisions,
    agentRules,
    peerRules: cell.peerRules,
    allowBash: input.allowBash,
    workspace: directory,
    isFile: (relative) => statSync(path.join(directory, relative), { throwIfNoEntry: false })?.isFile() === true,
    ...(stopped?.kind === 'limit' ? { limit: stopped.why } : {}),
  });
  const impostors = result.agentsThatAnswered.filter((a) => a !== input.agent.name);
  const limit = stopped?.kind === 'limit' ? stopped.why : undefined;
  const error =
    (stopped?.kind === 'error' ? stopped.why : undefined) ??
    (impostors.length
      ? `OpenCode answered with agent "${impostors.join(', ')}" instead of "${input.agent.name}" (silent fallback)`
      : undefined) ??
    (limit ? undefined : result.modelError) ??
    (limit ? undefined : promptError ? `OpenCode: ${promptError}` : undefined) ??
    (result.trajectory.turns === 0 ? 'OpenCode made no model request' : undefined);
  const approximated = input.agent.approximated;
  return {
    answer: result.answer,
    trajectory: approximated?.length ? { ...result.trajectory, approximated } : result.trajectory,
    tokens: result.tokens,
    costUsd: result.costUsd,
    ...(error ? { error } : limit ? { limit } : {}),
  };
}
