/**
 * Routing cases on OpenCode: its primary agent (`build`) with every agent of the suite installed as a
 * `mode: subagent` agent gets the request, in a sandbox of the runtime's pool, exactly as an agent cell runs.
 *
 * How the first delegation is caught without running the subagent: the session's rules end with `task` → `ask`
 * (last, so they win over `build`'s own). OpenCode's task tool asks that permission with the subagent's name
 * before it looks the agent up or opens the subagent's session (measured on 1.18.33), so the ask is the decision —
 * a suite agent, a built-in (`general`, `explore`) or an unknown name alike. The harness aborts the session and
 * answers the ask "no": the subagent never runs and the model gets no further turn. An answer with no
 * delegation is `none`. Every other ask is answered as in an agent cell (no shell, no web, nothing outside
 * the workspace). The version is the running server's own (`GET /global/health`).
 *
 * @example
 * const out = await routeOpenCodeCase(deps, { agents, request: 'Fix the SQL', model, workspace, sandboxHome, limits });
 * out.chosen; // 'database-engineer'
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { RoutingCellInput, RoutingCellOutput, RuntimeAgent } from '../../shared/agent-runtime.ts';
import { PLACEHOLDER_KEY } from '../sandbox/model-proxy.ts';
import { classifyAsk, type PermissionRule, sandboxRules } from './opencode-permissions.ts';
import type { OpenCodeEvent, OpenCodeServer } from './opencode-server.ts';
import { buildTrajectory, type OpenCodeMessage } from './opencode-trajectory.ts';
import { type PreparedWorkspace, prepareWorkspace } from './opencode-workspace.ts';

/** OpenCode's primary agent: the main agent of a routing case. */
const OPENCODE_MAIN_AGENT = 'build';
/** What a routing case's detail keeps, in characters. */
const DETAIL_LIMIT = 4096;

/** The slice of the runtime's sandbox slot a routing case uses. */
interface RoutingSlot {
  server: OpenCodeServer;
  proxy: { route(route: { baseUrl: string; apiKey?: string } | undefined): void };
  workRoot: string;
  served: number;
  watches: Set<{ sessions: Set<string>; onEvent(e: OpenCodeEvent): void }>;
}

/** What the runtime lends a routing case: its pool of sandboxes, and how a copy moves in and out. */
interface RoutingDeps<S extends RoutingSlot> {
  acquire(): Promise<S>;
  release(slot: S, takeBack: () => void): Promise<void>;
  move(from: string, to: string): void;
  /** The model proxy's address as the sandbox sees it. */
  modelAddress(slot: S): string;
}

/**
 * The agent file as a subagent: its frontmatter's `mode:` set to `subagent` (added when absent), so the task
 * tool offers it whatever mode the file had (a `primary` agent is never offered).
 *
 * @example asSubagent({ ...agent, fileText: '---\ndescription: x\n---\nbody' }).fileText // '---\nmode: subagent\ndescription: x\n---\nbody'
 */
export function asSubagent(agent: RuntimeAgent): RuntimeAgent {
  const front = /^---\r?\n([\s\S]*?)\r?\n---/.exec(agent.fileText);
  let fileText: string;
  if (!front) fileText = `---\nmode: subagent\n---\n${agent.fileText}`;
  else if (/^mode:.*$/m.test(front[1]!)) fileText = agent.fileText.replace(front[1]!, front[1]!.replace(/^mode:.*$/m, 'mode: subagent'));
  else fileText = agent.fileText.replace(/^---\r?\n/, '---\nmode: subagent\n');
  return { ...agent, mode: 'subagent', fileText };
}

function failed(started: number, error: string, version = ''): RoutingCellOutput {
  return { chosen: 'none', detail: '', requests: 0, latencyMs: Date.now() - started, runtimeVersion: version, error };
}

/** One routing case on a slot of the pool; never throws. */
export async function routeOpenCodeCase<S extends RoutingSlot>(deps: RoutingDeps<S>, input: RoutingCellInput): Promise<RoutingCellOutput> {
  const started = Date.now();
  if (!input.model.apiBaseUrl) return failed(started, 'the opencode runtime needs model.apiBaseUrl (an OpenAI-compatible server)');
  if (input.agents.length === 0) return failed(started, 'a routing case needs at least one agent in its suite');
  // Installed under that name, a suite agent would replace OpenCode's own main agent: the case would measure the wrong agent.
  if (input.agents.some((a) => a.name === OPENCODE_MAIN_AGENT))
    return failed(started, `a suite agent is named "${OPENCODE_MAIN_AGENT}", which is OpenCode's main agent; rename it`);
  let slot: S;
  try {
    slot = await deps.acquire();
  } catch (err) {
    return failed(started, `OpenCode server: ${(err as Error).message}`);
  }
  const srv = slot.server;
  const directory = path.join(slot.workRoot, String(++slot.served), path.basename(input.workspace));
  try {
    mkdirSync(path.dirname(directory), { recursive: true });
    deps.move(input.workspace, directory);
  } catch (err) {
    await deps.release(slot, () => {});
    return failed(started, `OpenCode: the workspace copy could not move into the sandbox: ${(err as Error).message}`);
  }
  slot.proxy.route({ baseUrl: input.model.apiBaseUrl, ...(input.model.apiKey ? { apiKey: input.model.apiKey } : {}) });
  const basePath = new URL(input.model.apiBaseUrl).pathname.replace(/\/$/, '');
  let prepared: PreparedWorkspace | undefined;
  let root: string | undefined;
  let unwatch = () => {};
  let version = '';
  try {
    version = (await srv.request<{ version?: string }>('GET', '/global/health')).version ?? '';
    if (!version) return failed(started, 'OpenCode did not report its version (GET /global/health)');
    const [first, ...rest] = input.agents.map(asSubagent);
    prepared = prepareWorkspace({
      workspace: directory,
      agent: { ...first!, peers: rest },
      model: { id: input.model.id, apiBaseUrl: `${deps.modelAddress(slot)}${basePath}` },
      apiKey: PLACEHOLDER_KEY,
    });
    const loaded = await srv.request<Array<{ name: string; mode: string; permission: PermissionRule[] }>>('GET', '/agent', { directory });
    const missing = input.agents.filter((a) => !loaded.some((l) => l.name === a.name && l.mode === 'subagent')).map((a) => a.name);
    if (missing.length)
      return failed(
        started,
        `OpenCode did not load ${missing.map((m) => `"${m}"`).join(', ')} as a subagent (its frontmatter may be invalid for OpenCode)`,
        version,
      );
    const mainRules = loaded.find((l) => l.name === OPENCODE_MAIN_AGENT)?.permission;
    if (!mainRules) return failed(started, `OpenCode has no "${OPENCODE_MAIN_AGENT}" agent`, version);
    const toolOutputDir = path.join(path.dirname(slot.workRoot), 'home', '.local', 'share', 'opencode', 'tool-output');
    const session = await srv.request<{ id: string }>('POST', '/session', {
      directory,
      body: {
        title: 'agent-evals routing case',
        permission: [...sandboxRules(mainRules, { allowBash: false, toolOutputDir }), { permission: 'task', pattern: '*', action: 'ask' }],
      },
    });
    root = session.id;
    const watch = watchCase(srv, directory, root, mainRules, input);
    slot.watches.add(watch.watch);
    unwatch = () => slot.watches.delete(watch.watch);
    const promptError = await promptMain(srv, directory, root, input, watch.stop);
    const messages = await srv.request<OpenCodeMessage[]>('GET', `/session/${root}/message`, { directory });
    return outcome(messages, watch, { started, version, promptError, directory, sandboxLimit: srv.jailed.limitError() });
  } catch (err) {
    return failed(started, srv.jailed.limitError() ?? `OpenCode: ${(err as Error).message}`, version);
  } finally {
    unwatch();
    if (root) await srv.request('DELETE', `/session/${root}`, { directory }).catch(() => {});
    await srv.request('POST', '/instance/dispose', { directory }).catch(() => {});
    prepared?.cleanup();
    await deps.release(slot, () => deps.move(directory, input.workspace));
  }
}

interface CaseWatch {
  watch: { sessions: Set<string>; onEvent(e: OpenCodeEvent): void };
  stop(why: string): void;
  readonly stopped: string | undefined;
  /** The first `task` ask of the main agent: the decision. */
  readonly decision: { agent: string; callID?: string } | undefined;
  /** Model requests of the case (the main agent's steps, retries included). */
  readonly requests: number;
  /** Sessions opened under the case's session: a subagent that ran (never expected). */
  readonly children: number;
}

/** Follows the case's events: catches the first delegation, counts requests, answers every other ask "no". */
function watchCase(srv: OpenCodeServer, directory: string, root: string, mainRules: PermissionRule[], input: RoutingCellInput): CaseWatch {
  const sessions = new Set([root]);
  const seen = new Set<string>();
  let stopped: string | undefined;
  let decision: CaseWatch['decision'];
  let requests = 0;
  let children = 0;
  const abort = () => void srv.request('POST', `/session/${root}/abort`, { directory }).catch(() => {});
  const stop = (why: string) => {
    stopped ??= why;
    abort();
  };
  const reply = (id: string, message: string) =>
    void srv.request('POST', `/permission/${id}/reply`, { directory, body: { reply: 'reject', message } }).catch(() => {});
  const count = () => {
    if (++requests > input.limits.maxRequests) stop(`more than ${input.limits.maxRequests} model requests (maxRequests)`);
  };
  const onEvent = (e: OpenCodeEvent) => {
    const p = e.payload.properties;
    switch (e.payload.type) {
      case 'session.created':
        if (p.info?.parentID && sessions.has(p.info.parentID)) {
          sessions.add(p.info.id);
          children++;
        }
        return;
      case 'message.updated':
        if (!sessions.has(p.info?.sessionID) || p.info.role !== 'assistant' || seen.has(p.info.id)) return;
        seen.add(p.info.id);
        return count();
      case 'session.status':
        if (sessions.has(p.sessionID) && p.status?.type === 'retry') count();
        return;
      case 'permission.asked': {
        if (!sessions.has(p.sessionID)) return;
        if (p.permission === 'task' && p.sessionID === root) {
          const agent = String(p.metadata?.subagent_type ?? p.patterns?.[0] ?? '');
          decision ??= { agent, ...(p.tool?.callID ? { callID: p.tool.callID } : {}) };
          // Aborted first, so the refusal gives the model no further turn.
          stop('stopped at the routing decision');
          return reply(p.id, 'A routing case stops at its first delegation.');
        }
        const verdict = classifyAsk({ permission: p.permission, patterns: p.patterns ?? [] }, mainRules, false);
        return reply(p.id, `Refused by the evaluation harness (${verdict.outcome}): ${verdict.reason}. Do not retry this call.`);
      }
    }
  };
  return {
    watch: { sessions, onEvent },
    stop,
    get stopped() {
      return stopped;
    },
    get decision() {
      return decision;
    },
    get requests() {
      return requests;
    },
    get children() {
      return children;
    },
  };
}

/** Sends the request to the main agent and waits for its answer (or the abort), within the wall time. */
async function promptMain(
  srv: OpenCodeServer,
  directory: string,
  root: string,
  input: RoutingCellInput,
  stop: (why: string) => void,
): Promise<string | undefined> {
  const wall = setTimeout(() => stop(`wall time limit (${input.limits.wallTimeMs} ms) reached`), input.limits.wallTimeMs);
  const onSignal = () => stop('cancelled');
  input.signal?.addEventListener('abort', onSignal, { once: true });
  if (input.signal?.aborted) onSignal();
  // Last resort if OpenCode ignores the abort: stop waiting a little after the wall time.
  const hardStop = AbortSignal.timeout(input.limits.wallTimeMs + 10_000);
  try {
    await srv.request('POST', `/session/${root}/message`, {
      directory,
      signal: hardStop,
      body: {
        agent: OPENCODE_MAIN_AGENT,
        model: { providerID: 'agent-evals', modelID: input.model.id },
        parts: [{ type: 'text', text: input.request }],
      },
    });
    return undefined;
  } catch (err) {
    return (err as Error).message;
  } finally {
    clearTimeout(wall);
    input.signal?.removeEventListener('abort', onSignal);
  }
}

/** The decision (or `none`) read back from the main agent's messages; a case that ended otherwise is an error. */
function outcome(
  messages: OpenCodeMessage[],
  watch: CaseWatch,
  end: { started: number; version: string; promptError: string | undefined; directory: string; sandboxLimit: string | undefined },
): RoutingCellOutput {
  const result = buildTrajectory({ messages, children: [], decisions: new Map(), agentRules: [], workspace: end.directory });
  const common = {
    requests: watch.requests,
    // A step aborted at its delegation records no usage: unknown, not zero.
    ...(result.tokens.total > 0 ? { tokens: result.tokens, costUsd: result.costUsd } : {}),
    latencyMs: Date.now() - end.started,
    runtimeVersion: end.version,
  };
  const decision = watch.decision;
  const impostors = result.agentsThatAnswered.filter((a) => a !== OPENCODE_MAIN_AGENT);
  const error =
    end.sandboxLimit ??
    (watch.children > 0 ? `a subagent ran although the case stops at its first delegation (${watch.children} session(s))` : undefined) ??
    (impostors.length ? `OpenCode answered with agent "${impostors.join(', ')}" instead of "${OPENCODE_MAIN_AGENT}"` : undefined) ??
    (!decision && watch.stopped ? `the case did not decide: ${watch.stopped}` : undefined) ??
    (!decision ? result.modelError : undefined) ??
    (!decision && end.promptError ? `OpenCode: ${end.promptError}` : undefined) ??
    (result.trajectory.turns === 0 ? 'OpenCode made no model request' : undefined);
  if (error) return { chosen: 'none', detail: '', ...common, error };
  if (decision) {
    const call = messages
      .flatMap((m) => m.parts)
      .find((part) => part.type === 'tool' && part.tool === 'task' && (!decision.callID || part.callID === decision.callID));
    return { chosen: decision.agent, detail: String(call?.state?.input?.prompt ?? '').slice(0, DETAIL_LIMIT), ...common };
  }
  return { chosen: 'none', detail: result.answer.slice(0, DETAIL_LIMIT), ...common };
}
