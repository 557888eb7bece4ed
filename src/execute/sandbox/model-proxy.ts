/**
 * The model proxy: the only way out of a sandbox. It listens on a Unix socket bound into the sandbox (or,
 * with `sandbox: none`, on a loopback port) and forwards every request to the cell's model server, putting
 * the real API key into the request on the way. The agent program holds a placeholder key only, so no tool
 * call can read the key — not from the environment, not from `/proc/*\/environ`, not from a config file —
 * and nothing but the model can be reached.
 *
 * The upstream is switchable (`route`), because one OpenCode sandbox serves its cells one after another and
 * each cell may use another model. Requests are streamed both ways (the runtimes speak SSE).
 *
 * @example
 * const proxy = await startModelProxy({ socket: '/run/cell/model.sock' });
 * proxy.route({ baseUrl: 'http://127.0.0.1:4010/v1', apiKey: 'sk-real' });
 * // inside the sandbox: POST http://127.0.0.1:41001/v1/chat/completions, Authorization: Bearer <placeholder>
 * await proxy.close();
 */
import http from 'node:http';
import https from 'node:https';
import { rmSync } from 'node:fs';

/** The key the agent program is given. It opens nothing: the proxy swaps it for the real one. */
export const PLACEHOLDER_KEY = 'agent-evals-placeholder-key';

/** Headers that carry a model API key in the protocols the runtimes speak. */
const KEY_HEADERS = ['authorization', 'x-api-key', 'api-key'];

interface ModelRoute {
  baseUrl: string;
  apiKey?: string;
}

export interface ModelProxy {
  /** Where the proxy listens: a socket path, or `http://127.0.0.1:<port>` with `sandbox: none`. */
  readonly address: string;
  /** Model requests (POSTs) the agent program sent through the proxy so far, answered or not. */
  readonly requests: number;
  route(route: ModelRoute | undefined): void;
  close(): Promise<void>;
}

/** Starts a proxy on `socket` (a path) or, when none is given, on a free loopback port. */
export async function startModelProxy(opts: { socket?: string } = {}): Promise<ModelProxy> {
  let current: ModelRoute | undefined;
  let requests = 0;
  const server = http.createServer((req, res) => {
    if (req.method === 'POST') requests++;
    forward(current, req, res);
  });
  if (opts.socket) rmSync(opts.socket, { force: true });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    if (opts.socket) server.listen(opts.socket, resolve);
    else server.listen(0, '127.0.0.1', resolve);
  });
  const address = opts.socket ?? `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  return {
    address,
    get requests() {
      return requests;
    },
    route(route) {
      current = route;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
        if (opts.socket) rmSync(opts.socket, { force: true });
      }),
  };
}

/** The request as the model server gets it: same method and path under the route's origin, the real key in. */
function forward(route: ModelRoute | undefined, req: http.IncomingMessage, res: http.ServerResponse): void {
  if (!route) {
    res.writeHead(503, { 'content-type': 'text/plain' }).end('agent-evals model proxy: no model for this sandbox now');
    return;
  }
  const upstream = new URL(route.baseUrl);
  const target = new URL(req.url ?? '/', upstream.origin);
  const headers: http.OutgoingHttpHeaders = { ...req.headers, host: upstream.host };
  for (const name of KEY_HEADERS) {
    const value = headers[name];
    if (typeof value !== 'string') continue;
    if (!route.apiKey) delete headers[name];
    else
      headers[name] =
        name === 'authorization'
          ? value.replace(/^(\w+\s+)?.*$/, (_m, scheme: string | undefined) => `${scheme ?? ''}${route.apiKey}`)
          : route.apiKey;
  }
  const client = target.protocol === 'https:' ? https : http;
  const out = client.request(target, { method: req.method, headers }, (answer) => {
    res.writeHead(answer.statusCode ?? 502, answer.headers);
    answer.pipe(res);
  });
  out.on('error', (err) => {
    if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
    res.end(`agent-evals model proxy: ${err.message}`);
  });
  req.on('aborted', () => out.destroy());
  res.on('close', () => out.destroy());
  req.pipe(out);
}
