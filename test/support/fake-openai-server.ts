/**
 * TEST DOUBLE: a fake OpenAI chat-completions server for end-to-end tests and the benchmark.
 *
 * A real `node:http` server on 127.0.0.1 (random port) that speaks enough of the OpenAI protocol
 * (`POST /v1/chat/completions`, `GET /v1/models`) for promptfoo's real `openai:chat:*` provider to run
 * against it. Answers are scripted by rules matched on the system prompt, last user message and model;
 * promptfoo's llm-rubric grader requests get their own rules and JSON verdicts. Every request is
 * recorded (secrets redacted), latency and faults (429, 5xx, hangs, resets, bad JSON, empty choices)
 * can be injected deterministically. No model is ever called.
 *
 * @example
 * await using server = await startFakeOpenAI({ rules: [{ user: /refund/, reply: 'Refunds take 5 days.' }] });
 * const provider = fakeOpenAIProvider(server, 'test-model', { temperature: 0.1 });
 * // ... run promptfoo with `provider` ...
 * expect(server.chatCalls).toHaveLength(3);
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pickFault, validateFaultProfile } from './fake-openai-faults.ts';
import { estimateUsage, isGraderRequest, Script, splitConversation } from './fake-openai-script.ts';
import type { ChatRequestBody, FakeOpenAIOptions, FakeOpenAIStats, FaultKind, RecordedCall, ReplyContext } from './fake-openai-types.ts';

export type * from './fake-openai-types.ts';
export { FAULT_KINDS } from './fake-openai-types.ts';
export { evenRates } from './fake-openai-faults.ts';
export { GRADER_PROMPT_PREFIX } from './fake-openai-script.ts';

/** A running fake server. Dispose with `await server.close()` or `await using`. */
export interface FakeOpenAIServer extends AsyncDisposable {
  /** Base URL for OpenAI clients, e.g. `http://127.0.0.1:41234/v1` (promptfoo's `apiBaseUrl`). */
  readonly url: string;
  /** `http://127.0.0.1:PORT`, without `/v1`. */
  readonly origin: string;
  readonly port: number;
  /** Every request since start/reset, in arrival order (admin `/__fake/*` requests excluded). */
  readonly calls: readonly RecordedCall[];
  /** Agent chat-completion requests only (not grader, models or invalid requests). */
  readonly chatCalls: readonly RecordedCall[];
  /** Grader (llm-rubric) chat-completion requests only. */
  readonly graderCalls: readonly RecordedCall[];
  readonly stats: FakeOpenAIStats;
  /** Replaces some options (rules, faults, latency…) for the following requests. */
  configure(options: Partial<FakeOpenAIOptions>): void;
  /** Forgets recorded calls, counters and rule/fault indexes; options stay. */
  reset(): void;
  /** Stops listening and drops every open connection (hung requests included). Idempotent. */
  close(): Promise<void>;
}

/** promptfoo provider spec pointing at the fake server. */
export interface FakeProviderSpec {
  id: string;
  label?: string;
  config: { apiBaseUrl: string; apiKey: string; [key: string]: unknown };
}

export const FAKE_API_KEY = 'test-key';

/**
 * A promptfoo provider spec (`openai:chat:<model>`) that talks to `server`.
 *
 * @example
 * fakeOpenAIProvider(server, 'test-model', { temperature: 0.1 })
 * // { id: 'openai:chat:test-model', config: { apiBaseUrl: server.url, apiKey: 'test-key', temperature: 0.1 } }
 */
export function fakeOpenAIProvider(
  server: Pick<FakeOpenAIServer, 'url'>,
  model = 'test-model',
  config: Record<string, unknown> = {},
): FakeProviderSpec {
  return { id: `openai:chat:${model}`, config: { apiBaseUrl: server.url, apiKey: FAKE_API_KEY, ...config } };
}

const SECRET_HEADERS = new Set(['authorization', 'api-key', 'x-api-key', 'proxy-authorization']);

function redactHeaders(req: IncomingMessage): Pick<RecordedCall, 'headers' | 'auth'> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    headers[name] = SECRET_HEADERS.has(name) ? '[REDACTED]' : Array.isArray(value) ? value.join(', ') : value;
  }
  const authorization = req.headers.authorization;
  if (!authorization) return { headers, auth: { present: false } };
  const fingerprint = createHash('sha256').update(authorization).digest('hex').slice(0, 8);
  return { headers, auth: { present: true, fingerprint } };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function sendJson(res: ServerResponse, status: number, payload: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(payload);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

function errorPayload(message: string, type: string, code: string | null = null) {
  return { error: { message, type, param: null, code } };
}

function isChatBody(value: unknown): value is ChatRequestBody {
  const v = value as Partial<ChatRequestBody> | null;
  return typeof v === 'object' && v !== null && typeof v.model === 'string' && Array.isArray(v.messages);
}

function completion(body: ChatRequestBody, content: string, index: number, emptyChoices = false) {
  return {
    id: `chatcmpl-fake-${index}`,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model: body.model,
    choices: emptyChoices ? [] : [{ index: 0, message: { role: 'assistant', content }, logprobs: null, finish_reason: 'stop' }],
    usage: estimateUsage(body.messages, content),
    system_fingerprint: 'fp_fake_openai',
  };
}

/**
 * Starts the fake server on 127.0.0.1 and resolves once it listens.
 *
 * @example
 * const server = await startFakeOpenAI({ defaultReply: 'ok', latencyMs: 200 });
 * await fetch(`${server.url}/chat/completions`, { method: 'POST', body: JSON.stringify({ model: 'm', messages: [] }) });
 * await server.close();
 */
export async function startFakeOpenAI(initial: FakeOpenAIOptions = {}): Promise<FakeOpenAIServer> {
  let options: FakeOpenAIOptions = { ...initial };
  if (options.faults) validateFaultProfile(options.faults);
  const script = new Script(options);
  let calls: RecordedCall[] = [];
  let faultIndex = 0;
  let inFlight = 0;
  let maxInFlight = 0;
  let closed = false;
  const timers = new Set<{ timer: NodeJS.Timeout; resolve: () => void }>();

  /** Waits `ms`, or less when the server closes (so close() never waits on latency). */
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      if (ms <= 0 || closed) return resolve();
      const entry = { timer: setTimeout(() => (timers.delete(entry), resolve()), ms), resolve };
      timers.add(entry);
    });

  let closeNow: () => void = () => {};
  const closing = new Promise<void>((resolve) => {
    closeNow = resolve;
  });
  // `holdUntilInFlight`: each request's gate, decided when it arrives, opened when enough are in flight.
  const gates = new WeakMap<RecordedCall, Promise<void>>();
  const held = new Set<() => void>();
  let opened = false;
  const releaseHeld = () => {
    for (const resolve of held) resolve();
    held.clear();
  };
  function gateOnArrival(call: RecordedCall): void {
    const n = options.holdUntilInFlight;
    if (!n || opened) return;
    if (inFlight >= n) {
      opened = true;
      return releaseHeld();
    }
    gates.set(call, new Promise<void>((resolve) => held.add(resolve)));
  }

  function chooseFault(ctx: ReplyContext, grader: boolean): FaultKind | null {
    const profile = options.faults;
    if (!profile) return null;
    const target = profile.appliesTo ?? 'all';
    if ((target === 'agent' && grader) || (target === 'grader' && !grader)) return null;
    return pickFault(profile, faultIndex++, ctx);
  }

  function sendFault(res: ServerResponse, call: RecordedCall, fault: FaultKind, body: ChatRequestBody): void {
    switch (fault) {
      case 'rate-limit-retry-after':
        return sendJson(res, 429, errorPayload('Rate limit reached (fake)', 'requests', 'rate_limit_exceeded'), {
          'retry-after': String(options.faults?.retryAfterSeconds ?? 1),
        });
      case 'rate-limit':
        return sendJson(res, 429, errorPayload('Rate limit reached (fake)', 'requests', 'rate_limit_exceeded'));
      case 'server-error':
        return sendJson(res, 500, errorPayload('The server had an error (fake)', 'server_error'));
      case 'bad-gateway':
        return sendJson(res, 502, errorPayload('Bad gateway (fake)', 'server_error'));
      case 'unavailable':
        return sendJson(res, 503, errorPayload('Service unavailable (fake)', 'server_error'));
      case 'hang':
        call.outcome = 'hung'; // answered by nobody; the connection stays open until someone closes it
        return;
      case 'empty-choices':
        return sendJson(res, 200, completion(body, '', call.index, true));
      case 'malformed-json': {
        const text = JSON.stringify(completion(body, 'truncated', call.index));
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(text.slice(0, Math.floor(text.length / 2)));
        return;
      }
      case 'reset': {
        const text = JSON.stringify(completion(body, 'reset mid-body', call.index));
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
        res.write(text.slice(0, Math.floor(text.length / 2)), () => res.socket?.resetAndDestroy());
        call.outcome = 'reset';
        return;
      }
    }
  }

  async function handleChat(req: IncomingMessage, res: ServerResponse, call: RecordedCall): Promise<void> {
    const raw = await readBody(req);
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch {
      call.body = raw;
      call.kind = 'invalid';
      return sendJson(res, 400, errorPayload('Request body is not valid JSON', 'invalid_request_error'));
    }
    call.body = parsed;
    if (!isChatBody(parsed)) {
      call.kind = 'invalid';
      return sendJson(res, 400, errorPayload('`model` (string) and `messages` (array) are required', 'invalid_request_error'));
    }
    const grader = isGraderRequest(splitConversation(parsed.messages).system);
    call.kind = grader ? 'grader' : 'chat';
    if (options.requireApiKey !== undefined && req.headers.authorization !== `Bearer ${options.requireApiKey}`) {
      return sendJson(res, 401, errorPayload('Incorrect API key provided (fake)', 'invalid_request_error', 'invalid_api_key'));
    }
    const ctx = script.context(parsed);
    const fault = chooseFault(ctx, grader);
    call.fault = fault;
    const latency = typeof options.latencyMs === 'function' ? options.latencyMs(ctx) : (options.latencyMs ?? 0);
    await sleep(latency);
    await gates.get(call);
    const hold = options.holdAnswer?.(ctx);
    if (hold) await Promise.race([hold, closing]);
    if (res.destroyed || closed) return;
    if (fault) return sendFault(res, call, fault, parsed);
    const answer = await script.answer(ctx);
    const response = completion(parsed, answer.content, call.index);
    if (options.usage && !grader) {
      const { prompt_tokens, completion_tokens } = options.usage;
      response.usage = { prompt_tokens, completion_tokens, total_tokens: prompt_tokens + completion_tokens };
    }
    Object.assign(call, { reply: answer.content, rule: answer.rule, usage: response.usage });
    sendJson(res, 200, response);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (path.startsWith('/__fake/')) return handleAdmin(req, res, path);
    const call: RecordedCall = {
      index: calls.length,
      kind: 'not-found',
      method: req.method ?? 'GET',
      path,
      body: undefined,
      ...redactHeaders(req),
      startedAt: Date.now(),
      status: null,
      outcome: 'in-flight',
      fault: null,
    };
    calls.push(call);
    maxInFlight = Math.max(maxInFlight, ++inFlight);
    gateOnArrival(call);
    res.on('close', () => {
      inFlight--;
      call.endedAt = Date.now();
      if (res.headersSent) call.status = res.statusCode;
      if (call.outcome === 'in-flight') call.outcome = res.writableFinished ? 'answered' : 'client-closed';
    });

    if (req.method === 'POST' && path === '/v1/chat/completions') return handleChat(req, res, call);
    if (req.method === 'GET' && path === '/v1/models') {
      call.kind = 'models';
      const created = Math.floor(Date.now() / 1000);
      const data = (options.models ?? ['test-model']).map((id) => ({ id, object: 'model', created, owned_by: 'fake-openai' }));
      if (!options.modelsLatencyMs) return sendJson(res, 200, { object: 'list', data });
      setTimeout(() => sendJson(res, 200, { object: 'list', data }), options.modelsLatencyMs);
      return;
    }
    sendJson(res, 404, errorPayload(`Unknown route ${req.method} ${path} (fake-openai)`, 'invalid_request_error'));
  }

  /** Control routes for a server running in another process (see fake-openai-cli.ts). Not recorded. */
  function handleAdmin(req: IncomingMessage, res: ServerResponse, path: string): void {
    if (path === '/__fake/calls' && req.method === 'GET') return sendJson(res, 200, calls);
    if (path === '/__fake/stats' && req.method === 'GET') return sendJson(res, 200, api.stats);
    if (path === '/__fake/reset' && req.method === 'POST') {
      api.reset();
      return sendJson(res, 200, { ok: true });
    }
    sendJson(res, 404, errorPayload(`Unknown admin route ${req.method} ${path}`, 'invalid_request_error'));
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) sendJson(res, 500, errorPayload(`fake-openai handler failed: ${String(error)}`, 'fake_error'));
      else res.destroy();
    });
  });
  // Keep-alive sockets would otherwise hold close() open; hung requests must not outlive the test.
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const origin = `http://127.0.0.1:${port}`;

  const api: FakeOpenAIServer = {
    url: `${origin}/v1`,
    origin,
    port,
    get calls() {
      return calls;
    },
    get chatCalls() {
      return calls.filter((c) => c.kind === 'chat');
    },
    get graderCalls() {
      return calls.filter((c) => c.kind === 'grader');
    },
    get stats() {
      const byStatus: Record<string, number> = {};
      const byFault: FakeOpenAIStats['byFault'] = {};
      for (const c of calls) {
        const key = c.status === null ? c.outcome : String(c.status);
        byStatus[key] = (byStatus[key] ?? 0) + 1;
        if (c.fault) byFault[c.fault] = (byFault[c.fault] ?? 0) + 1;
      }
      const count = (kind: RecordedCall['kind']) => calls.filter((c) => c.kind === kind).length;
      return { total: calls.length, chat: count('chat'), grader: count('grader'), inFlight, maxInFlight, byStatus, byFault };
    },
    configure(next) {
      options = { ...options, ...next };
      if (options.faults) validateFaultProfile(options.faults);
      script.configure(options);
    },
    reset() {
      calls = [];
      faultIndex = 0;
      maxInFlight = inFlight;
      opened = false;
      script.reset();
    },
    async close() {
      if (closed) return;
      closed = true;
      releaseHeld();
      closeNow();
      for (const entry of timers) {
        clearTimeout(entry.timer);
        entry.resolve();
      }
      timers.clear();
      const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await stopped;
    },
    [Symbol.asyncDispose]() {
      return api.close();
    },
  };
  return api;
}
