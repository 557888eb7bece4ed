/**
 * TEST DOUBLE: a fake OpenAI chat-completions server that streams, for agent runtimes (OpenCode).
 *
 * Agent programs do not send one request and read one answer: OpenCode posts `stream: true` requests,
 * reads SSE chunks (`data: {...}\n\n` with `delta.content` and `delta.tool_calls`, a final chunk with
 * `finish_reason` and `usage`, then `data: [DONE]`), runs the tools the model asked for, and posts again
 * with the tool results. It also opens every session with a title-generation request (no tools). This
 * double speaks that, on 127.0.0.1 at a random port, so the real program runs with no model:
 *
 * - `POST /v1/chat/completions`: streamed when the body says `stream: true`, plain JSON otherwise;
 * - `GET /v1/models`: lists the model ids seen so far plus `test-model`;
 * - title requests (no tools offered, system prompt about a title) get `titleReply`;
 * - agent requests are answered by the first matching rule, tried in order. A rule matches on the system
 *   prompt, the last user text, the agent turn (1 + assistant messages already in the conversation, so it is
 *   per session and deterministic), the tool results sent back so far, or any predicate; its reply is final
 *   text or tool calls (name + JSON arguments, several per turn allowed: they run in parallel);
 * - every request is recorded: kind, system prompt, user text, tools offered, tool results, turn, reply;
 * - `latencyMs` delays each answer's first byte.
 *
 * Nothing here ever reaches a real model. The older `fake-openai-server.ts` (promptfoo's chat provider)
 * does not stream and stays as it is.
 *
 * @example
 * await using server = await startFakeOpenAIStream({
 *   rules: [
 *     { turn: 1, reply: { toolCalls: [{ name: 'read', arguments: { filePath: 'README.md' } }] } },
 *     { reply: (ctx) => ({ text: `read: ${ctx.toolResults.length} result(s)` }) },
 *   ],
 * });
 * // point the agent at server.url (http://127.0.0.1:PORT/v1) ... then:
 * server.agentCalls[0].tools; // ['bash', 'edit', 'read', ...]
 * server.agentCalls[1].toolResults[0].content; // the file as the tool returned it
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type Matcher = string | RegExp | ((text: string) => boolean);

/** A tool call the scripted model makes. `arguments` is sent as JSON text (a string is sent as is). */
export interface ScriptedToolCall {
  name: string;
  arguments: Record<string, unknown> | string;
  id?: string;
}

export type StreamReply = { text: string } | { toolCalls: ScriptedToolCall[]; text?: string };

export interface ToolResultSeen {
  toolCallId: string;
  /** Tool name, from the assistant message that asked for it. */
  name: string;
  content: string;
}

/** What a rule sees about the request it answers. */
export interface StreamContext {
  system: string;
  user: string;
  /** 1-based agent turn in this conversation: 1 + assistant messages already in the request. */
  turn: number;
  /** Every tool result in the conversation so far, in order. */
  toolResults: ToolResultSeen[];
  /** Names of the tools offered in this request. */
  tools: string[];
  model: string;
  /** 0-based index among all agent requests since start/reset. */
  agentIndex: number;
  body: Record<string, unknown>;
}

export interface StreamRule {
  system?: Matcher;
  user?: Matcher;
  turn?: number;
  when?: (ctx: StreamContext) => boolean;
  reply: StreamReply | ((ctx: StreamContext) => StreamReply);
  name?: string;
}

export interface StreamServerOptions {
  rules?: StreamRule[];
  /** Answer when no rule matches (default: a short final text). */
  fallback?: StreamReply;
  titleReply?: string;
  latencyMs?: number;
  /**
   * Called for each agent request: a promise returned holds that answer until it settles, the client gives
   * up or the server closes. Keeps an agent from running a turn ahead of what the harness has seen, as an
   * event rather than a delay long enough on a quiet machine.
   */
  holdAnswer?: (ctx: StreamContext) => Promise<void> | undefined;
}

export interface StreamCall extends Omit<StreamContext, 'body' | 'agentIndex'> {
  index: number;
  kind: 'title' | 'agent' | 'models' | 'invalid';
  stream: boolean;
  reply?: StreamReply;
  rule?: string;
  body?: Record<string, unknown>;
}

export interface FakeOpenAIStreamServer extends AsyncDisposable {
  /** `http://127.0.0.1:PORT/v1`: the `baseURL` of an OpenAI-compatible provider. */
  readonly url: string;
  readonly port: number;
  readonly calls: readonly StreamCall[];
  /** Agent requests only (not title, models or invalid requests). */
  readonly agentCalls: readonly StreamCall[];
  configure(options: Partial<StreamServerOptions>): void;
  reset(): void;
  close(): Promise<void>;
}

type Msg = { role?: string; content?: unknown; tool_calls?: Array<{ id?: string; function?: { name?: string } }>; tool_call_id?: string };

function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) return content.map((p) => (typeof p?.text === 'string' ? p.text : '')).join('');
  return '';
}

function matches(m: Matcher | undefined, text: string): boolean {
  if (m === undefined) return true;
  if (typeof m === 'string') return text.includes(m);
  if (m instanceof RegExp) return m.test(text);
  return m(text);
}

function contextOf(body: Record<string, unknown>, agentIndex: number): StreamContext {
  const messages = (Array.isArray(body.messages) ? body.messages : []) as Msg[];
  const names = new Map<string, string>();
  const toolResults: ToolResultSeen[] = [];
  for (const m of messages) {
    for (const c of m.tool_calls ?? []) if (c.id) names.set(c.id, c.function?.name ?? '');
    if (m.role === 'tool') {
      const id = m.tool_call_id ?? '';
      toolResults.push({ toolCallId: id, name: names.get(id) ?? '', content: textOf(m.content) });
    }
  }
  const users = messages.filter((m) => m.role === 'user');
  const tools = (Array.isArray(body.tools) ? body.tools : []) as Array<{ function?: { name?: string } }>;
  return {
    system: messages
      .filter((m) => m.role === 'system')
      .map((m) => textOf(m.content))
      .join('\n\n'),
    user: textOf(users[users.length - 1]?.content),
    turn: 1 + messages.filter((m) => m.role === 'assistant').length,
    toolResults,
    tools: tools
      .map((t) => t.function?.name ?? '')
      .filter(Boolean)
      .sort(),
    model: String(body.model ?? ''),
    agentIndex,
    body,
  };
}

const isTitleRequest = (ctx: StreamContext) => ctx.tools.length === 0 && /title/i.test(ctx.system);

function usageOf(ctx: StreamContext, reply: StreamReply) {
  const prompt = Math.ceil(JSON.stringify(ctx.body.messages ?? []).length / 4);
  const completion = Math.ceil(JSON.stringify(reply).length / 4);
  return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
}

function toolCallsOf(reply: StreamReply, index: number) {
  if (!('toolCalls' in reply)) return [];
  return reply.toolCalls.map((c, i) => ({
    id: c.id ?? `call_${index}_${i}`,
    type: 'function' as const,
    function: { name: c.name, arguments: typeof c.arguments === 'string' ? c.arguments : JSON.stringify(c.arguments) },
  }));
}

function sendStream(res: ServerResponse, ctx: StreamContext, reply: StreamReply, index: number): void {
  const base = { id: `chatcmpl-fake-${index}`, object: 'chat.completion.chunk', created: Math.floor(Date.now() / 1000), model: ctx.model };
  const chunk = (delta: object, finish: string | null = null, extra: object = {}) =>
    `data: ${JSON.stringify({ ...base, choices: [{ index: 0, delta, finish_reason: finish }], ...extra })}\n\n`;
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
  res.write(chunk({ role: 'assistant', content: '' }));
  const text = 'text' in reply && reply.text ? reply.text : '';
  // Two content pieces, so a client that only reads the first delta is caught.
  if (text)
    for (const piece of [text.slice(0, Math.ceil(text.length / 2)), text.slice(Math.ceil(text.length / 2))])
      if (piece) res.write(chunk({ content: piece }));
  toolCallsOf(reply, index).forEach((call, i) => {
    res.write(chunk({ tool_calls: [{ index: i, id: call.id, type: 'function', function: { name: call.function.name, arguments: '' } }] }));
    res.write(chunk({ tool_calls: [{ index: i, function: { arguments: call.function.arguments } }] }));
  });
  res.write(chunk({}, 'toolCalls' in reply ? 'tool_calls' : 'stop'));
  res.write(`data: ${JSON.stringify({ ...base, choices: [], usage: usageOf(ctx, reply) })}\n\n`);
  res.end('data: [DONE]\n\n');
}

function sendJson(res: ServerResponse, status: number, payload: unknown): void {
  const text = JSON.stringify(payload);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function completion(ctx: StreamContext, reply: StreamReply, index: number) {
  const calls = toolCallsOf(reply, index);
  const message = {
    role: 'assistant',
    content: 'text' in reply ? (reply.text ?? null) : null,
    ...(calls.length ? { tool_calls: calls } : {}),
  };
  return {
    id: `chatcmpl-fake-${index}`,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model: ctx.model,
    choices: [{ index: 0, message, finish_reason: calls.length ? 'tool_calls' : 'stop' }],
    usage: usageOf(ctx, reply),
  };
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * Starts the streaming double on 127.0.0.1 (random port).
 *
 * @example
 * const server = await startFakeOpenAIStream({ rules: [{ user: /hello/, reply: { text: 'hi' } }], latencyMs: 50 });
 * await server.close();
 */
export async function startFakeOpenAIStream(initial: StreamServerOptions = {}): Promise<FakeOpenAIStreamServer> {
  let options: StreamServerOptions = { ...initial };
  let calls: StreamCall[] = [];
  let agentIndex = 0;
  const models = new Set<string>(['test-model']);

  function answer(ctx: StreamContext): { reply: StreamReply; rule?: string } {
    for (const [i, rule] of (options.rules ?? []).entries()) {
      if (!matches(rule.system, ctx.system) || !matches(rule.user, ctx.user)) continue;
      if (rule.turn !== undefined && rule.turn !== ctx.turn) continue;
      if (rule.when && !rule.when(ctx)) continue;
      return { reply: typeof rule.reply === 'function' ? rule.reply(ctx) : rule.reply, rule: rule.name ?? `rule ${i}` };
    }
    return { reply: options.fallback ?? { text: 'Done (fake fallback).' } };
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const index = calls.length;
    if (req.method === 'GET' && url.pathname.replace(/\/$/, '').endsWith('/models')) {
      calls.push({ index, kind: 'models', stream: false, system: '', user: '', turn: 0, toolResults: [], tools: [], model: '' });
      return sendJson(res, 200, { object: 'list', data: [...models].map((id) => ({ id, object: 'model', owned_by: 'fake' })) });
    }
    let body: Record<string, unknown> | undefined;
    try {
      body = req.method === 'POST' && url.pathname.endsWith('/chat/completions') ? JSON.parse(await readBody(req)) : undefined;
    } catch {
      body = undefined;
    }
    if (!body || !Array.isArray(body.messages)) {
      calls.push({ index, kind: 'invalid', stream: false, system: '', user: '', turn: 0, toolResults: [], tools: [], model: '' });
      return sendJson(res, 400, { error: { message: 'not a chat completion request (fake)', type: 'invalid_request_error' } });
    }
    const title = isTitleRequest(contextOf(body, -1));
    const ctx = contextOf(body, title ? -1 : agentIndex++);
    models.add(ctx.model);
    const { reply, rule } = title ? { reply: { text: options.titleReply ?? 'Fake session title' }, rule: 'title' } : answer(ctx);
    const { body: _b, agentIndex: _a, ...seen } = ctx;
    calls.push({ index, kind: title ? 'title' : 'agent', stream: body.stream === true, reply, ...(rule ? { rule } : {}), body, ...seen });
    if (options.latencyMs) await new Promise((r) => setTimeout(r, options.latencyMs));
    const hold = title ? undefined : options.holdAnswer?.(ctx);
    // close() ends every connection, so a held answer ends with the server too.
    if (hold) await Promise.race([hold, new Promise((r) => res.once('close', r))]);
    if (res.destroyed) return;
    if (body.stream === true) sendStream(res, ctx, reply, index);
    else sendJson(res, 200, completion(ctx, reply, index));
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err) => {
      if (!res.headersSent) sendJson(res, 500, { error: { message: String(err), type: 'server_error' } });
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }));

  return {
    url: `http://127.0.0.1:${port}/v1`,
    port,
    get calls() {
      return calls;
    },
    get agentCalls() {
      return calls.filter((c) => c.kind === 'agent');
    },
    configure(next) {
      options = { ...options, ...next };
    },
    reset() {
      calls = [];
      agentIndex = 0;
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}
