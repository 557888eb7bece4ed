/**
 * One `opencode serve` process shared by every cell of a run, and a small HTTP client for it.
 *
 * Why a server: one `opencode run` per cell costs ≈ 3 s and ≈ 640 MB at start-up alone. The server starts
 * once; each cell is a session whose requests carry `?directory=<workspace>`, and OpenCode keeps one
 * "instance" (config, agents, permissions) per directory, so cells in different workspaces do not mix.
 *
 * Why plain HTTP and not `@opencode-ai/sdk`: the SDK's server launcher passes the harness's whole environment to
 * OpenCode (the user's keys and config would leak in), and the SDK lives in a private prefix outside the
 * project's node_modules, so TypeScript cannot see it. The handful of routes used here are from the SDK's
 * generated client for 1.18.33 (`/session`, `/session/{id}/message`, `/permission/{id}/reply`, `/global/event`…).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';

/** One event from `/global/event`: `payload.type` is e.g. `message.updated`, `permission.asked`. */
export interface OpenCodeEvent {
  directory?: string;
  payload: { type: string; properties: Record<string, any> }; // any: OpenCode's event union is large; readers narrow by `type`
}

export interface OpenCodeServerOptions {
  binary: string;
  /** The server's HOME: config, sqlite database and caches live here, never in the user's home. */
  home: string;
  /** Hosts (besides loopback) the server may reach: the model servers. Everything else goes to a dead proxy. */
  allowedHosts: string[];
  /** PATH for the tools the agent runs (bash, git). */
  pathEnv: string;
  startTimeoutMs?: number;
}

export interface OpenCodeServer {
  readonly url: string;
  readonly pid: number;
  /** JSON request; `directory` selects the workspace instance. Throws on a non-2xx answer. */
  request<T>(method: string, route: string, opts?: { directory?: string; body?: unknown; signal?: AbortSignal }): Promise<T>;
  /** Subscribes to every event of the server; returns the unsubscribe function. */
  onEvent(listener: (event: OpenCodeEvent) => void): () => void;
  close(): Promise<void>;
}

/** The environment OpenCode runs with: built from nothing, so nothing of the user's leaks in. */
export function openCodeEnv(
  opts: Pick<OpenCodeServerOptions, 'home' | 'allowedHosts' | 'pathEnv'>,
  password: string,
): Record<string, string> {
  const h = opts.home;
  const deadProxy = 'http://127.0.0.1:9'; // discard port: any non-allowed host fails fast instead of reaching the network
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
    OPENCODE_SERVER_PASSWORD: password,
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
    NO_PROXY: ['127.0.0.1', 'localhost', '::1', ...opts.allowedHosts].join(','),
    no_proxy: ['127.0.0.1', 'localhost', '::1', ...opts.allowedHosts].join(','),
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

/**
 * Starts `opencode serve` on a free loopback port with a random password and resolves when it listens.
 *
 * @example
 * const server = await startOpenCodeServer({ binary, home, allowedHosts: [], pathEnv: '/usr/bin:/bin' });
 * await server.request('GET', '/agent', { directory: workspace });
 * await server.close();
 */
export async function startOpenCodeServer(opts: OpenCodeServerOptions): Promise<OpenCodeServer> {
  for (const dir of ['.config/opencode', '.local/share', '.cache', '.local/state', 'tmp'])
    mkdirSync(path.join(opts.home, dir), { recursive: true });
  stubPluginInstall(path.join(opts.home, '.config', 'opencode'));
  const password = randomBytes(18).toString('base64url');
  const auth = `Basic ${Buffer.from(`opencode:${password}`).toString('base64')}`;
  const port = await freePort();
  const child: ChildProcess = spawn(opts.binary, ['serve', '--hostname', '127.0.0.1', '--port', String(port)], {
    cwd: opts.home,
    env: openCodeEnv(opts, password),
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true, // its own process group: close() ends the tools it started too
  });
  const url = await listeningUrl(child, opts.startTimeoutMs ?? 30_000);
  const listeners = new Set<(e: OpenCodeEvent) => void>();
  const events = new AbortController();
  await readEvents(url, auth, events.signal, (e) => {
    for (const l of listeners) l(e);
  });
  let closing: Promise<void> | undefined;
  return {
    url,
    pid: child.pid ?? -1,
    request: (method, route, o) => requestJson(url, auth, method, route, o),
    onEvent(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    close: () => {
      events.abort();
      closing ??= stopServer(child);
      return closing;
    },
  };
}

/** Resolves with the URL `opencode serve` prints once it listens; kills it when it exits or times out first. */
async function listeningUrl(child: ChildProcess, timeoutMs: number): Promise<string> {
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    const fail = (err: Error) => {
      clearTimeout(timer);
      killGroup(child, 'SIGKILL');
      reject(err);
    };
    const timer = setTimeout(
      () => fail(new Error(`opencode serve did not start within ${timeoutMs} ms: ${output.slice(-500)}`)),
      timeoutMs,
    );
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const m = /opencode server listening on (http:\/\/\S+)/.exec(output);
      if (!m) return;
      clearTimeout(timer);
      resolve(m[1]!);
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('error', fail);
    child.once('exit', (code, signal) =>
      fail(new Error(`opencode serve exited (${code ?? signal}) before listening: ${output.slice(-500)}`)),
    );
  });
  child.stdout?.removeAllListeners('data');
  child.stderr?.removeAllListeners('data');
  child.stdout?.resume();
  child.stderr?.resume();
  return url;
}

/** One JSON request to the server; `directory` selects the workspace instance. Throws on a non-2xx answer. */
async function requestJson<T>(
  base: string,
  auth: string,
  method: string,
  route: string,
  o: { directory?: string; body?: unknown; signal?: AbortSignal } = {},
): Promise<T> {
  const u = new URL(route, base);
  if (o.directory) u.searchParams.set('directory', o.directory);
  const res = await fetch(u, {
    method,
    headers: { authorization: auth, ...(o.body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: o.body === undefined ? undefined : JSON.stringify(o.body),
    signal: o.signal,
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`OpenCode ${method} ${u.pathname} → ${res.status}: ${text.slice(0, 300)}`);
  return (text ? JSON.parse(text) : undefined) as T;
}

/** SIGTERM to the server's process group, SIGKILL after 3 s. */
async function stopServer(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  killGroup(child, 'SIGTERM');
  const timer = setTimeout(() => killGroup(child, 'SIGKILL'), 3000);
  await exited;
  clearTimeout(timer);
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    child.kill(signal);
  }
}

/** Reads `/global/event` (SSE) until aborted; resolves once connected. */
async function readEvents(base: string, auth: string, signal: AbortSignal, emit: (e: OpenCodeEvent) => void): Promise<void> {
  const res = await fetch(new URL('/global/event', base), {
    headers: { authorization: auth, accept: 'text/event-stream' },
    signal,
  });
  if (!res.ok || !res.body) throw new Error(`OpenCode event stream: ${res.status}`);
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  void (async () => {
    let buffer = '';
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        buffer += decoder.decode(value, { stream: true });
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
      }
    } catch {
      // aborted on close, or the server went away: cells then end by their own timeouts
    }
  })();
}
