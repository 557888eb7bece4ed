/**
 * One `opencode serve` process inside its own sandbox, and a small HTTP client for it.
 *
 * Why a server: one `opencode run` per cell costs ≈ 3 s and ≈ 640 MB at start-up alone. A server starts once
 * per sandbox and serves its cells one after another (see `opencode.ts`); each cell is a session whose
 * requests carry `?directory=<workspace>`.
 *
 * How the harness reaches it: the sandbox has no network, so the server listens on a loopback port inside it
 * and the sandbox's bridge exposes that port as a Unix socket in a folder only the harness can reach (0700).
 * No password is set: nothing outside the sandbox but the harness can reach the socket, and everything inside
 * can reach the port anyway. With `sandbox: none`, the server listens on the host's loopback.
 *
 * Why plain HTTP and not `@opencode-ai/sdk`: the SDK's server launcher passes the harness's whole environment to
 * OpenCode (the user's keys and config would leak in), and the SDK lives in a private prefix outside the
 * project's node_modules, so TypeScript cannot see it. The handful of routes used here are from the SDK's
 * generated client for 1.18.33 (`/session`, `/session/{id}/message`, `/permission/{id}/reply`, `/global/event`…).
 */
import http from 'node:http';
import { existsSync, mkdirSync, realpathSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import type { Jailed, Sandbox } from '../sandbox/jail.ts';

/** The loopback port the server listens on inside its sandbox. */
const SERVER_PORT = 41002;

/** One event from `/global/event`: `payload.type` is e.g. `message.updated`, `permission.asked`. */
export interface OpenCodeEvent {
  directory?: string;
  payload: { type: string; properties: Record<string, any> }; // any: OpenCode's event union is large; readers narrow by `type`
}

interface OpenCodeServerOptions {
  binary: string;
  /** The server's HOME: config, sqlite database and caches live here, never in the user's home. */
  home: string;
  /** The folder the server's cells work in (writable inside the sandbox besides HOME). */
  workRoot: string;
  /** A short folder (a socket path has ≈ 100 bytes) of the harness's for the sandbox's sockets. */
  ctl: string;
  /** The model proxy's socket (in its own folder, bound read-only), reached inside at `modelPort`. */
  modelSocket: string;
  modelPort: number;
  /** PATH for the tools the agent runs (bash, git). */
  pathEnv: string;
  sandbox: Sandbox;
  startTimeoutMs?: number;
}

export interface OpenCodeServer {
  /** The jailed process tree (the server and anything its tools start). */
  readonly jailed: Jailed;
  /** JSON request; `directory` selects the workspace instance. Throws on a non-2xx answer. */
  request<T>(method: string, route: string, opts?: { directory?: string; body?: unknown; signal?: AbortSignal }): Promise<T>;
  /** Subscribes to every event of the server; returns the unsubscribe function. */
  onEvent(listener: (event: OpenCodeEvent) => void): () => void;
  close(): Promise<void>;
}

/** The environment OpenCode runs with: built from nothing, so nothing of the user's leaks in. */
function openCodeEnv(opts: Pick<OpenCodeServerOptions, 'home' | 'pathEnv'>): Record<string, string> {
  const h = opts.home;
  // Discard port: with `sandbox: none`, any host but loopback fails fast instead of reaching the network.
  const deadProxy = 'http://127.0.0.1:9';
  return {
    PATH: opts.pathEnv,
    HOME: h,
    USERPROFILE: h,
    XDG_CONFIG_HOME: path.join(h, '.config'),
    XDG_DATA_HOME: path.join(h, '.local', 'share'),
    XDG_CACHE_HOME: path.join(h, '.cache'),
    XDG_STATE_HOME: path.join(h, '.local', 'state'),
    TMPDIR: path.join(h, 'tmp'),
    LANG: 'C.UTF-8',
    OPENCODE_DISABLE_AUTOUPDATE: '1',
    OPENCODE_DISABLE_SHARE: '1',
    OPENCODE_DISABLE_MODELS_FETCH: '1',
    OPENCODE_DISABLE_LSP_DOWNLOAD: '1',
    OPENCODE_DISABLE_DEFAULT_PLUGINS: '1',
    OPENCODE_DISABLE_EXTERNAL_SKILLS: '1',
    OPENCODE_DISABLE_EMBEDDED_WEB_UI: '1',
    OPENCODE_PURE: '1',
    OPENCODE_EXPERIMENTAL_DISABLE_FILEWATCHER: '1',
    HTTP_PROXY: deadProxy,
    HTTPS_PROXY: deadProxy,
    ALL_PROXY: deadProxy,
    http_proxy: deadProxy,
    https_proxy: deadProxy,
    NO_PROXY: '127.0.0.1,localhost,::1',
    no_proxy: '127.0.0.1,localhost,::1',
  };
}

/**
 * OpenCode runs `npm install @opencode-ai/plugin` in every config folder it loads (network, and files
 * written into the workspace). It skips the install when `node_modules/` exists and `package-lock.json`
 * already lists the package (its `Npm.install`), so this stub keeps it offline.
 */
export function stubPluginInstall(configDir: string): string[] {
  const created: string[] = [];
  mkdirSync(configDir, { recursive: true });
  const modules = path.join(configDir, 'node_modules');
  if (!existsSync(modules)) {
    mkdirSync(modules);
    created.push(modules);
  }
  const lock = path.join(configDir, 'package-lock.json');
  if (!existsSync(lock)) {
    writeFileSync(lock, `${JSON.stringify({ packages: { '': { dependencies: { '@opencode-ai/plugin': '*' } } } })}\n`);
    created.push(lock);
  }
  return created;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** Where the harness reaches the server: a Unix socket (jailed) or a loopback origin (`sandbox: none`). */
type Endpoint = { socketPath: string } | { origin: string };

/**
 * Starts `opencode serve` in its sandbox and resolves when it listens.
 *
 * @example
 * const server = await startOpenCodeServer({ binary, home, workRoot, ctl, modelSocket, modelPort: 41001, pathEnv, sandbox });
 * await server.request('GET', '/agent', { directory: workspace });
 * await server.close();
 */
export async function startOpenCodeServer(opts: OpenCodeServerOptions): Promise<OpenCodeServer> {
  for (const dir of ['.config/opencode', '.local/share', '.cache', '.local/state', 'tmp'])
    mkdirSync(path.join(opts.home, dir), { recursive: true });
  stubPluginInstall(path.join(opts.home, '.config', 'opencode'));
  // OpenCode writes a .gitignore into every config folder it loads, unless there is one: the folder is read-only inside.
  const gitignore = path.join(opts.home, '.config', 'opencode', '.gitignore');
  if (!existsSync(gitignore)) writeFileSync(gitignore, 'node_modules\npackage.json\nbun.lock\n.gitignore\n');
  const jailedMode = opts.sandbox.kind !== 'none';
  const port = jailedMode ? SERVER_PORT : await freePort();
  const apiSocket = path.join(opts.ctl, 'api', 'api.sock');
  mkdirSync(path.dirname(apiSocket), { recursive: true, mode: 0o700 });
  const jailed = opts.sandbox.spawn({
    command: [opts.binary, 'serve', '--hostname', '127.0.0.1', '--port', String(port)],
    cwd: opts.home,
    env: openCodeEnv(opts),
    writable: [opts.home, opts.workRoot],
    // The server's own config folder read-only: an agent cannot change what the next cell's server loads.
    readOnly: [path.dirname(realpathSync(opts.binary)), path.join(opts.home, '.config', 'opencode')],
    forward: [{ port: opts.modelPort, socket: opts.modelSocket }],
    expose: jailedMode ? [{ socket: apiSocket, port }] : [],
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const endpoint: Endpoint = jailedMode ? { socketPath: apiSocket } : { origin: `http://127.0.0.1:${port}` };
  await listening(jailed, opts.startTimeoutMs ?? 30_000);
  const listeners = new Set<(e: OpenCodeEvent) => void>();
  const events = new AbortController();
  await readEvents(endpoint, events.signal, (e) => {
    for (const l of listeners) l(e);
  });
  let closing: Promise<void> | undefined;
  return {
    jailed,
    request: (method, route, o) => requestJson(endpoint, method, route, o),
    onEvent(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    close: () => {
      events.abort();
      closing ??= stopServer(jailed);
      return closing;
    },
  };
}

/** Resolves once `opencode serve` prints that it listens; kills the sandbox when it exits or times out first. */
async function listening(jailed: Jailed, timeoutMs: number): Promise<void> {
  const child = jailed.child;
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const fail = (err: Error) => {
      clearTimeout(timer);
      jailed.kill();
      reject(err);
    };
    const timer = setTimeout(
      () => fail(new Error(`opencode serve did not start within ${timeoutMs} ms: ${output.slice(-500)}`)),
      timeoutMs,
    );
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (!/opencode server listening on http:\/\/\S+/.test(output)) return;
      clearTimeout(timer);
      resolve();
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('error', fail);
    child.once('exit', (code, signal) =>
      fail(new Error(`opencode serve exited (${jailed.limitError() ?? code ?? signal}) before listening: ${output.slice(-500)}`)),
    );
  });
  child.stdout?.removeAllListeners('data');
  child.stderr?.removeAllListeners('data');
  child.stdout?.resume();
  child.stderr?.resume();
}

/** One HTTP request to the server, over its socket or its loopback port. */
function send(
  endpoint: Endpoint,
  method: string,
  route: string,
  o: { headers?: Record<string, string>; body?: string; signal?: AbortSignal },
): Promise<http.IncomingMessage> {
  return new Promise((resolve, reject) => {
    const options = { method, headers: o.headers ?? {}, ...(o.signal ? { signal: o.signal } : {}) };
    const req =
      'socketPath' in endpoint
        ? http.request({ ...options, socketPath: endpoint.socketPath, path: route }, resolve)
        : http.request(new URL(route, endpoint.origin), options, resolve);
    req.on('error', reject);
    req.end(o.body);
  });
}

/** One JSON request to the server; `directory` selects the workspace instance. Throws on a non-2xx answer. */
async function requestJson<T>(
  endpoint: Endpoint,
  method: string,
  route: string,
  o: { directory?: string; body?: unknown; signal?: AbortSignal } = {},
): Promise<T> {
  const u = new URL(route, 'http://opencode');
  if (o.directory) u.searchParams.set('directory', o.directory);
  const res = await send(endpoint, method, `${u.pathname}${u.search}`, {
    headers: o.body === undefined ? {} : { 'content-type': 'application/json' },
    ...(o.body === undefined ? {} : { body: JSON.stringify(o.body) }),
    ...(o.signal ? { signal: o.signal } : {}),
  });
  let text = '';
  for await (const chunk of res) text += chunk;
  const status = res.statusCode ?? 0;
  if (status < 200 || status >= 300) throw new Error(`OpenCode ${method} ${u.pathname} → ${status}: ${text.slice(0, 300)}`);
  return (text ? JSON.parse(text) : undefined) as T;
}

/**
 * SIGTERM to the sandbox (bubblewrap does not pass it on: it dies, and its first process with it, by its death
 * signal, so OpenCode is killed, not shut down: nothing of it is kept), SIGKILL to the whole sandbox after 3 s.
 */
async function stopServer(jailed: Jailed): Promise<void> {
  const child = jailed.child;
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => jailed.kill(), 3000);
  await exited;
  clearTimeout(timer);
}

/** Reads `/global/event` (SSE) until aborted; resolves once connected. */
async function readEvents(endpoint: Endpoint, signal: AbortSignal, emit: (e: OpenCodeEvent) => void): Promise<void> {
  const res = await send(endpoint, 'GET', '/global/event', { headers: { accept: 'text/event-stream' }, signal });
  if (res.statusCode !== 200) throw new Error(`OpenCode event stream: ${res.statusCode}`);
  res.setEncoding('utf8');
  let buffer = '';
  res.on('data', (chunk: string) => {
    buffer += chunk;
    let cut: number;
    while ((cut = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, cut);
      buffer = buffer.slice(cut + 2);
      const data = block
        .split('\n')
        .filter((l) => l.startsWith('data:'))
        .map((l) => l.slice(5).trim())
        .join('\n');
      if (!data) continue;
      try {
        const parsed = JSON.parse(data) as OpenCodeEvent;
        if (parsed?.payload?.type) emit(parsed);
      } catch {
        // a malformed event is skipped; the cell reads the authoritative messages at its end anyway
      }
    }
  });
  // aborted on close, or the server went away: cells then end by their own timeouts
  res.on('error', () => {});
}
