/**
 * The `opencode` runtime: runs an agent file inside the real OpenCode program (1.18.33).
 *
 * One `opencode serve` per runtime, started on the first cell and stopped by `close()`; each cell is a
 * session on it, addressed to the cell's workspace with `?directory=` (OpenCode keeps one instance —
 * config, agents, permissions — per directory, disposed after the cell). The agent is installed as
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
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AgentRuntime, RuntimeCellInput, RuntimeCellOutput } from '../../shared/agent-runtime.ts';
import { type AskVerdict, classifyAsk, type PermissionRule, sandboxRules } from './opencode-permissions.ts';
import { type OpenCodeEvent, type OpenCodeServer, startOpenCodeServer } from './opencode-server.ts';
import { buildTrajectory, type OpenCodeMessage } from './opencode-trajectory.ts';
import { prepareWorkspace } from './opencode-workspace.ts';

export const OPENCODE_VERSION = '1.18.33';
export const OPENCODE_INSTALL_COMMAND = 'node scripts/install-opencode.mjs';

export interface OpenCodeRuntimeOptions {
  /** Project root holding `.agent-evals/runtimes/opencode/` (default: found from this file). */
  projectRoot?: string;
  /** Explicit binary (default: `AGENT_EVALS_OPENCODE_BIN`, then the private install). */
  binary?: string;
  /** The harness's environment, to read `AGENT_EVALS_OPENCODE_BIN` and `PATH` from (default: none). Never passed to OpenCode as a whole. */
  env?: Record<string, string | undefined>;
  /** HOME of the shared server (config, sqlite db, caches). Default: a temp folder removed by close(). */
  homeDir?: string;
  /** Extra hosts OpenCode may reach besides loopback and the cells' model servers. */
  allowedHosts?: string[];
}

function findProjectRoot(): string {
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

/**
 * Where the `opencode` binary is: `AGENT_EVALS_OPENCODE_BIN`, else the platform binary of the private install
 * (skipping opencode-ai's Node wrapper), else its `.bin/opencode`. Throws with the install command when missing.
 */
export function resolveOpenCodeBinary(opts: Pick<OpenCodeRuntimeOptions, 'projectRoot' | 'binary' | 'env'> = {}): string {
  const env = opts.env ?? {};
  const explicit = opts.binary ?? env.AGENT_EVALS_OPENCODE_BIN;
  if (explicit) {
    if (!existsSync(explicit))
      throw new Error(`OpenCode binary not found at ${explicit} (AGENT_EVALS_OPENCODE_BIN). Install it with: ${OPENCODE_INSTALL_COMMAND}`);
    return explicit;
  }
  const prefix = path.join(opts.projectRoot ?? findProjectRoot(), '.agent-evals', 'runtimes', 'opencode', 'node_modules');
  const platform = `opencode-${os.platform() === 'win32' ? 'windows' : os.platform()}-${os.arch()}`;
  for (const candidate of [path.join(prefix, platform, 'bin', 'opencode'), path.join(prefix, '.bin', 'opencode')])
    if (existsSync(candidate)) return candidate;
  throw new Error(`OpenCode ${OPENCODE_VERSION} is not installed (looked in ${prefix}). Install it with: ${OPENCODE_INSTALL_COMMAND}`);
}

interface CellWatch {
  sessions: Set<string>;
  onEvent(e: OpenCodeEvent): void;
}

export function createOpenCodeRuntime(opts: OpenCodeRuntimeOptions = {}): AgentRuntime {
  const binary = resolveOpenCodeBinary(opts);
  const ownHome = !opts.homeDir;
  const home = opts.homeDir ?? mkdtempSync(path.join(os.tmpdir(), 'agent-evals-opencode-'));
  const watches = new Set<CellWatch>();
  let server: Promise<OpenCodeServer> | undefined;
  let serverHosts: string[] = [];
  let cellCounter = 0;

  const ensureServer = (apiBaseUrl: string) => {
    const host = new URL(apiBaseUrl).hostname;
    if (!server) {
      serverHosts = [...new Set([host, ...(opts.allowedHosts ?? [])])];
      server = startOpenCodeServer({
        binary,
        home,
        allowedHosts: serverHosts,
        pathEnv: opts.env?.PATH ?? '/usr/local/bin:/usr/bin:/bin',
      }).then((s) => {
        s.onEvent((e) => {
          for (const w of watches) w.onEvent(e);
        });
        return s;
      });
      server.catch(() => (server = undefined));
    } else if (!['127.0.0.1', 'localhost', '::1', ...serverHosts].includes(host)) {
      throw new Error(`model server host ${host} was not known when the OpenCode server started; pass it in allowedHosts`);
    }
    return server;
  };

  async function runCell(input: RuntimeCellInput): Promise<RuntimeCellOutput> {
    const started = Date.now();
    const fail = (error: string): RuntimeCellOutput => ({
      answer: '',
      trajectory: { runtime: 'opencode', toolCalls: [], delegations: [], turns: 0, filesRead: [], workspaceDiff: '', filesChanged: [] },
      latencyMs: Date.now() - started,
      error,
    });
    if (!input.model.apiBaseUrl) return fail('the opencode runtime needs model.apiBaseUrl (an OpenAI-compatible server)');
    let srv: OpenCodeServer;
    try {
      srv = await ensureServer(input.model.apiBaseUrl);
    } catch (err) {
      return fail(`OpenCode server: ${(err as Error).message}`);
    }
    const cellId = `cell-${randomUUID()}-${++cellCounter}`;
    const keyFile = path.join(home, 'keys', cellId);
    mkdirSync(path.dirname(keyFile), { recursive: true });
    writeFileSync(keyFile, input.model.apiKey ?? 'agent-evals-no-key', { mode: 0o600 });
    const prepared = prepareWorkspace({
      workspace: input.workspace,
      agent: input.agent,
      model: { id: input.model.id, apiBaseUrl: input.model.apiBaseUrl },
      apiKeyFile: keyFile,
    });
    const directory = input.workspace;
    const decisions = new Map<string, AskVerdict>();
    const watch: CellWatch = { sessions: new Set(), onEvent: () => {} };
    let limitError: string | undefined;
    let sessionId: string | undefined;
    try {
      const agents = await srv.request<Array<{ name: string; mode: string; permission: PermissionRule[] }>>('GET', '/agent', { directory });
      const loaded = agents.find((a) => a.name === input.agent.name);
      if (!loaded)
        return fail(
          `OpenCode did not load the agent "${input.agent.name}" from .opencode/agent/${input.agent.name}.md (its frontmatter may be invalid for OpenCode)`,
        );
      const agentRules = loaded.permission;
      const toolOutputDir = path.join(home, '.local', 'share', 'opencode', 'tool-output');
      const session = await srv.request<{ id: string }>('POST', '/session', {
        directory,
        body: {
          title: `agent-evals ${input.agent.name}`,
          permission: sandboxRules(agentRules, { allowBash: input.allowBash, toolOutputDir }),
        },
      });
      sessionId = session.id;
      const root = session.id;
      watch.sessions.add(root);
      const abort = (why: string) => {
        limitError ??= why;
        void srv.request('POST', `/session/${root}/abort`, { directory }).catch(() => {});
      };
      let rootSteps = 0;
      let requests = 0;
      const seenMessages = new Set<string>();
      watch.onEvent = (e) => {
        const p = e.payload.properties;
        switch (e.payload.type) {
          case 'session.created':
            if (p.info?.parentID && watch.sessions.has(p.info.parentID)) watch.sessions.add(p.info.id);
            return;
          case 'message.updated': {
            const info = p.info;
            if (!watch.sessions.has(info?.sessionID) || info.role !== 'assistant' || seenMessages.has(info.id)) return;
            seenMessages.add(info.id);
            requests++;
            if (info.sessionID === root) rootSteps++;
            if (rootSteps > input.limits.maxTurns) abort(`limit: more than ${input.limits.maxTurns} turns (maxTurns)`);
            else if (requests > input.limits.maxRequests)
              abort(`limit: more than ${input.limits.maxRequests} model requests (maxRequests)`);
            return;
          }
          case 'session.status':
            if (watch.sessions.has(p.sessionID) && p.status?.type === 'retry' && ++requests > input.limits.maxRequests) {
              abort(
                `limit: more than ${input.limits.maxRequests} model requests (maxRequests, counting retries: ${p.status.message ?? ''})`,
              );
            }
            return;
          case 'permission.asked': {
            if (!watch.sessions.has(p.sessionID)) return;
            const verdict = classifyAsk({ permission: p.permission, patterns: p.patterns ?? [] }, agentRules, input.allowBash);
            if (p.tool?.callID) decisions.set(p.tool.callID, verdict);
            const message = `Refused by the evaluation harness (${verdict.outcome}): ${verdict.reason}. Do not retry this call.`;
            void srv.request('POST', `/permission/${p.id}/reply`, { directory, body: { reply: 'reject', message } }).catch(() => {});
            return;
          }
        }
      };
      watches.add(watch);

      const wall = setTimeout(() => abort(`limit: wall time ${input.limits.wallTimeMs} ms`), input.limits.wallTimeMs);
      const onSignal = () => abort('aborted by the harness');
      input.signal?.addEventListener('abort', onSignal, { once: true });
      // Last resort if OpenCode ignores the abort: stop waiting a little after the wall time.
      const hardStop = AbortSignal.timeout(input.limits.wallTimeMs + 10_000);
      const history = (input.history ?? []).map((t) => `${t.role}: ${t.content}`).join('\n\n');
      const text = history ? `Earlier in this conversation:\n\n${history}\n\n---\n\n${input.request}` : input.request;
      let promptError: string | undefined;
      try {
        await srv.request('POST', `/session/${root}/message`, {
          directory,
          signal: hardStop,
          body: { agent: input.agent.name, model: { providerID: 'agent-evals', modelID: input.model.id }, parts: [{ type: 'text', text }] },
        });
      } catch (err) {
        promptError = (err as Error).message;
        if (hardStop.aborted) abort(`limit: wall time ${input.limits.wallTimeMs} ms (OpenCode did not stop when aborted)`);
      } finally {
        clearTimeout(wall);
        input.signal?.removeEventListener('abort', onSignal);
      }

      const messages = await srv.request<OpenCodeMessage[]>('GET', `/session/${root}/message`, { directory });
      const childMessages: OpenCodeMessage[] = [];
      for (const child of [...watch.sessions].filter((s) => s !== root)) {
        childMessages.push(...(await srv.request<OpenCodeMessage[]>('GET', `/session/${child}/message`, { directory }).catch(() => [])));
      }
      const result = buildTrajectory({ messages, childMessages, decisions, agentRules, workspace: directory });
      const impostors = result.agentsThatAnswered.filter((a) => a !== input.agent.name);
      const error =
        limitError ??
        (impostors.length
          ? `OpenCode answered with agent "${impostors.join(', ')}" instead of "${input.agent.name}" (silent fallback)`
          : undefined) ??
        result.modelError ??
        (promptError ? `OpenCode: ${promptError}` : undefined) ??
        (result.trajectory.turns === 0 ? 'OpenCode made no model request' : undefined);
      return {
        answer: result.answer,
        trajectory: result.trajectory,
        tokens: result.tokens,
        costUsd: result.costUsd,
        latencyMs: Date.now() - started,
        ...(error ? { error } : {}),
      };
    } catch (err) {
      return fail(`OpenCode: ${(err as Error).message}`);
    } finally {
      watches.delete(watch);
      if (sessionId) await srv.request('DELETE', `/session/${sessionId}`, { directory }).catch(() => {});
      await srv.request('POST', '/instance/dispose', { directory }).catch(() => {});
      prepared.cleanup();
      rmSync(keyFile, { force: true });
    }
  }

  return {
    name: 'opencode',
    runCell,
    async close() {
      const s = server;
      server = undefined;
      if (s) await s.then((x) => x.close()).catch(() => {});
      if (ownHome) rmSync(home, { recursive: true, force: true });
    },
  };
}
