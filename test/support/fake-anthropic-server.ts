/**
 * TEST DOUBLE: a fake Anthropic Messages API server for the `claude-code` runtime's tests.
 *
 * A real `node:http` server on 127.0.0.1 (random port) that speaks the Messages API the way the Claude
 * Agent SDK's bundled Claude Code uses it, so the real Claude Code program runs end to end with no model:
 *
 * - `POST /v1/messages` (Claude Code adds `?beta=true`): `stream: true` answers as SSE (`message_start`,
 *   `content_block_start` / `content_block_delta` (`text_delta`, `input_json_delta`) / `content_block_stop`,
 *   `message_delta` with `stop_reason` and `usage`, `message_stop`); `stream: false` answers one JSON message.
 * - `POST /v1/messages/count_tokens` → `{ input_tokens }` (a length estimate); `GET /v1/models` → the models;
 *   anything else → 404 in Anthropic's error shape (recorded, so a test sees what it missed).
 *
 * Answers are scripted per model turn. A rule matches a conversation on its system prompt, its first user
 * text, its turn (1-based: assistant messages already in the conversation + 1), the tools offered and the
 * tool results sent back so far, and answers with tool calls (name + input) or a final text. The first
 * matching rule wins; `defaultReply` (or "OK") answers the rest. A conversation that offers no tools and
 * is not matched by a rule (Claude Code's side requests) gets the default reply.
 *
 * Every request is recorded (API key redacted): the system prompt, the tools offered, the user texts,
 * the `tool_result` blocks sent back, what was answered. `latencyMs` delays each Messages answer.
 *
 * @example
 * await using server = await startFakeAnthropic({
 *   rules: [
 *     { turn: 1, reply: { toolCalls: [{ name: 'Read', input: { file_path: `${ws}/README.md` } }] } },
 *     { turn: 2, reply: (ctx) => ({ text: `read ${ctx.toolResults.length} file(s)` }) },
 *   ],
 * });
 * // env for Claude Code: ANTHROPIC_BASE_URL = server.origin, ANTHROPIC_API_KEY = FAKE_ANTHROPIC_KEY
 * expect(server.agentCalls[1]?.toolResults[0]?.content).toContain('# Readme');
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export const FAKE_ANTHROPIC_KEY = 'sk-ant-test-key';

/** One tool call the fake model asks for. `id` defaults to a unique `toolu_fake_<n>`. */
export interface ScriptedToolCall {
  name: string;
  input: Record<string, unknown>;
  id?: string;
}

/** What the fake model answers on one turn: tool calls (with an optional text before them) or a final text. */
export type ScriptedReply = { text: string; toolCalls?: undefined } | { toolCalls: ScriptedToolCall[]; text?: string };

/** A tool result Claude Code sent back to the model. */
export interface SeenToolResult {
  toolUseId: string;
  /** The tool that was called (looked up from the assistant's `tool_use` block), '' if unknown. */
  tool: string;
  /** The result's text (text blocks joined). */
  content: string;
  isError: boolean;
}

/** What a rule sees about one Messages request. */
export interface TurnContext {
  model: string;
  /** System prompt text (blocks joined with '\n'). */
  system: string;
  /** Text of the first user message (its text blocks joined; `<system-reminder>` blocks included). */
  userText: string;
  /** Text of the last user message's text blocks. */
  lastUserText: string;
  /** 1-based: assistant messages already in the conversation + 1. */
  turn: number;
  /** Names of the tools offered in this request. */
  tools: string[];
  /** Every tool_result block in the conversation so far, in order. */
  toolResults: SeenToolResult[];
  stream: boolean;
  /** The raw request body. */
  body: MessagesRequestBody;
}

export interface AnthropicRule {
  /** Substring of (or pattern over) the system prompt. */
  system?: string | RegExp;
  /** Substring of (or pattern over) the first user message's text. */
  user?: string | RegExp;
  turn?: number;
  /** Any other condition. */
  when?: (ctx: TurnContext) => boolean;
  reply: ScriptedReply | ((ctx: TurnContext) => ScriptedReply);
}

export interface FakeAnthropicOptions {
  rules?: AnthropicRule[];
  /** Answer when no rule matches; default `{ text: 'OK' }`. */
  defaultReply?: ScriptedReply | ((ctx: TurnContext) => ScriptedReply);
  /** Delay before each Messages answer (ms), or a function of the request. */
  latencyMs?: number | ((ctx: TurnContext) => number);
  /** Listed by `GET /v1/models`; default `['claude-test-model']`. */
  models?: string[];
}

/** The parts of a Messages request body the fake reads. */
export interface MessagesRequestBody {
  model: string;
  messages: Array<{
    role: 'user' | 'assistant';
    content: string | ContentBlock[];
  }>;
  system?: string | Array<{ type: string; text?: string }>;
  tools?: Array<{ name: string; [key: string]: unknown }>;
  stream?: boolean;
  max_tokens?: number;
  [key: string]: unknown;
}

type ContentBlock = {
  type: string;
  text?: string;
  id?: string;
  name?: string;
  input?: unknown;
  [key: string]: unknown;
};

export interface RecordedRequest {
  index: number;
  method: string;
  /** Path without the query string. */
  path: string;
  /** The query string ('' or e.g. `?beta=true`). */
  query: string;
  kind: 'messages' | 'count-tokens' | 'models' | 'not-found' | 'invalid';
  /** Headers, `x-api-key` / `authorization` redacted. */
  headers: Record<string, string>;
  body?: unknown;
  /** For `messages`: what a rule saw and what was answered. */
  context?: Omit<TurnContext, 'body'>;
  reply?: ScriptedReply;
  /** 0-based index of the matching rule, or -1 for the default reply. */
  rule?: number;
  status?: number;
}

export interface FakeAnthropicServer extends AsyncDisposable {
  /** `http://127.0.0.1:PORT`: Claude Code's `ANTHROPIC_BASE_URL`. */
  readonly origin: string;
  readonly port: number;
  /** Every request since start/reset, in arrival order. */
  readonly requests: readonly RecordedRequest[];
  /** Messages requests that offered tools (the agent's own loop and its subagents), in order. */
  readonly agentCalls: ReadonlyArray<Omit<TurnContext, 'body'> & { index: number; reply: ScriptedReply }>;
  configure(options: Partial<FakeAnthropicOptions>): void;
  reset(): void;
  close(): Promise<void>;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function sendJson(res: ServerResponse, status: number, payload: unknown): void {
  const text = JSON.stringify(payload);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

function apiError(res: ServerResponse, status: number, type: string, message: string): void {
  sendJson(res, status, { type: 'error', error: { type, message } });
}

function blocksOf(content: string | ContentBlock[]): ContentBlock[] {
  return typeof content === 'string' ? [{ type: 'text', text: content }] : content;
}

function textOf(content: string | ContentBlock[] | undefined): string {
  if (content === undefined) return '';
  return blocksOf(content)
    .filter((b) => b.type === 'text')
    .map((b) => b.text ?? '')
    .join('\n');
}

function systemText(system: MessagesRequestBody['system']): string {
  if (system === undefined) return '';
  if (typeof system === 'string') return system;
  return system.map((b) => b.text ?? '').join('\n');
}

function resultText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) return content.map((b: ContentBlock) => (b.type === 'text' ? (b.text ?? '') : `[${b.type}]`)).join('\n');
  return '';
}

/** Builds what rules see from a Messages request body. */
export function turnContext(body: MessagesRequestBody): TurnContext {
  const toolNames = new Map<string, string>();
  const toolResults: SeenToolResult[] = [];
  for (const message of body.messages) {
    for (const block of blocksOf(message.content)) {
      if (block.type === 'tool_use' && block.id) toolNames.set(block.id, block.name ?? '');
      if (block.type === 'tool_result') {
        const id = String(block.tool_use_id ?? '');
        toolResults.push({
          toolUseId: id,
          tool: toolNames.get(id) ?? '',
          content: resultText(block.content),
          isError: block.is_error === true,
        });
      }
    }
  }
  const users = body.messages.filter((m) => m.role === 'user');
  return {
    model: body.model,
    system: systemText(body.system),
    userText: textOf(users[0]?.content),
    lastUserText: textOf(users.at(-1)?.content),
    turn: body.messages.filter((m) => m.role === 'assistant').length + 1,
    tools: (body.tools ?? []).map((t) => t.name),
    toolResults,
    stream: body.stream === true,
    body,
  };
}

function matches(pattern: string | RegExp | undefined, text: string): boolean {
  if (pattern === undefined) return true;
  return typeof pattern === 'string' ? text.includes(pattern) : pattern.test(text);
}

/** Rough token estimate (4 characters a token), so usage figures move with the request's size. */
const estimateTokens = (text: string) => Math.max(1, Math.ceil(text.length / 4));

interface MessageShape {
  id: string;
  content: ContentBlock[];
  stopReason: 'end_turn' | 'tool_use';
  usage: { input_tokens: number; output_tokens: number };
}

function shapeReply(reply: ScriptedReply, ctx: TurnContext, nextToolId: () => string): MessageShape {
  const content: ContentBlock[] = [];
  if (reply.text !== undefined && reply.text !== '') content.push({ type: 'text', text: reply.text });
  for (const call of reply.toolCalls ?? [])
    content.push({
      type: 'tool_use',
      id: call.id ?? nextToolId(),
      name: call.name,
      input: call.input,
    });
  if (content.length === 0) content.push({ type: 'text', text: '' });
  const input = estimateTokens(JSON.stringify(ctx.body.messages) + ctx.system);
  const output = estimateTokens(JSON.stringify(content));
  return {
    id: `msg_fake_${nextToolId().slice('toolu_fake_'.length)}`,
    content,
    stopReason: reply.toolCalls?.length ? 'tool_use' : 'end_turn',
    usage: { input_tokens: input, output_tokens: output },
  };
}

function sse(res: ServerResponse, event: string, data: unknown): void {
  res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
}

function streamMessage(res: ServerResponse, model: string, message: MessageShape): void {
  res.writeHead(200, {
    'content-type': 'text/event-stream',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
  });
  sse(res, 'message_start', {
    type: 'message_start',
    message: {
      id: message.id,
      type: 'message',
      role: 'assistant',
      model,
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: {
        input_tokens: message.usage.input_tokens,
        output_tokens: 1,
        cache_creation_input_tokens: 0,
        cache_read_input_tokens: 0,
      },
    },
  });
  message.content.forEach((block, index) => {
    if (block.type === 'tool_use') {
      sse(res, 'content_block_start', {
        type: 'content_block_start',
        index,
        content_block: {
          type: 'tool_use',
          id: block.id,
          name: block.name,
          input: {},
        },
      });
      const json = JSON.stringify(block.input);
      // Two deltas, so the client really has to join partial JSON.
      const cut = Math.floor(json.length / 2);
      for (const part of [json.slice(0, cut), json.slice(cut)]) {
        sse(res, 'content_block_delta', {
          type: 'content_block_delta',
          index,
          delta: { type: 'input_json_delta', partial_json: part },
        });
      }
    } else {
      sse(res, 'content_block_start', {
        type: 'content_block_start',
        index,
        content_block: { type: 'text', text: '' },
      });
      sse(res, 'content_block_delta', {
        type: 'content_block_delta',
        index,
        delta: { type: 'text_delta', text: block.text ?? '' },
      });
    }
    sse(res, 'content_block_stop', { type: 'content_block_stop', index });
  });
  sse(res, 'message_delta', {
    type: 'message_delta',
    delta: { stop_reason: message.stopReason, stop_sequence: null },
    usage: { output_tokens: message.usage.output_tokens },
  });
  sse(res, 'message_stop', { type: 'message_stop' });
  res.end();
}

function jsonMessage(res: ServerResponse, model: string, message: MessageShape): void {
  sendJson(res, 200, {
    id: message.id,
    type: 'message',
    role: 'assistant',
    model,
    content: message.content,
    stop_reason: message.stopReason,
    stop_sequence: null,
    usage: message.usage,
  });
}

function redact(req: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    headers[name] = name === 'x-api-key' || name === 'authorization' ? '[REDACTED]' : Array.isArray(value) ? value.join(', ') : value;
  }
  return headers;
}

function isMessagesBody(value: unknown): value is MessagesRequestBody {
  const v = value as Partial<MessagesRequestBody> | null;
  return typeof v === 'object' && v !== null && typeof v.model === 'string' && Array.isArray(v.messages);
}

/**
 * Starts the fake server on 127.0.0.1 and resolves once it listens.
 *
 * @example
 * const server = await startFakeAnthropic({ defaultReply: { text: 'done' }, latencyMs: 200 });
 * await server.close();
 */
export async function startFakeAnthropic(initial: FakeAnthropicOptions = {}): Promise<FakeAnthropicServer> {
  let options: FakeAnthropicOptions = { ...initial };
  let requests: RecordedRequest[] = [];
  let toolIds = 0;
  let closed = false;
  const timers = new Set<{ timer: NodeJS.Timeout; resolve: () => void }>();
  const nextToolId = () => `toolu_fake_${String(++toolIds).padStart(4, '0')}`;

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      if (ms <= 0 || closed) return resolve();
      const entry = {
        timer: setTimeout(() => {
          timers.delete(entry);
          resolve();
        }, ms),
        resolve,
      };
      timers.add(entry);
    });

  function choose(ctx: TurnContext): { reply: ScriptedReply; rule: number } {
    const rules = options.rules ?? [];
    const index = rules.findIndex(
      (r) =>
        matches(r.system, ctx.system) &&
        matches(r.user, ctx.userText) &&
        (r.turn === undefined || r.turn === ctx.turn) &&
        (r.when === undefined || r.when(ctx)),
    );
    const chosen = index >= 0 ? rules[index]?.reply : options.defaultReply;
    const reply = chosen === undefined ? { text: 'OK' } : typeof chosen === 'function' ? chosen(ctx) : chosen;
    return { reply, rule: index };
  }

  async function handleMessages(res: ServerResponse, call: RecordedRequest, raw: string): Promise<void> {
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch {
      call.kind = 'invalid';
      call.body = raw;
      return apiError(res, 400, 'invalid_request_error', 'body is not JSON (fake-anthropic)');
    }
    call.body = parsed;
    if (!isMessagesBody(parsed)) {
      call.kind = 'invalid';
      return apiError(res, 400, 'invalid_request_error', '`model` and `messages` are required (fake-anthropic)');
    }
    const ctx = turnContext(parsed);
    const { body: _body, ...seen } = ctx;
    call.context = seen;
    const latency = typeof options.latencyMs === 'function' ? options.latencyMs(ctx) : (options.latencyMs ?? 0);
    await sleep(latency);
    if (res.destroyed || closed) return;
    const { reply, rule } = choose(ctx);
    call.reply = reply;
    call.rule = rule;
    const message = shapeReply(reply, ctx, nextToolId);
    if (ctx.stream) streamMessage(res, parsed.model, message);
    else jsonMessage(res, parsed.model, message);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://x');
    const call: RecordedRequest = {
      index: requests.length,
      method: req.method ?? 'GET',
      path: url.pathname,
      query: url.search,
      kind: 'not-found',
      headers: redact(req),
    };
    requests.push(call);
    res.on('close', () => {
      if (res.headersSent) call.status = res.statusCode;
    });
    const raw = await readBody(req);
    if (req.method === 'POST' && url.pathname === '/v1/messages') {
      call.kind = 'messages';
      return handleMessages(res, call, raw);
    }
    if (req.method === 'POST' && url.pathname === '/v1/messages/count_tokens') {
      call.kind = 'count-tokens';
      call.body = raw ? (JSON.parse(raw) as unknown) : undefined;
      return sendJson(res, 200, { input_tokens: estimateTokens(raw) });
    }
    if (req.method === 'GET' && url.pathname === '/v1/models') {
      call.kind = 'models';
      const data = (options.models ?? ['claude-test-model']).map((id) => ({
        type: 'model',
        id,
        display_name: id,
        created_at: '2025-01-01T00:00:00Z',
      }));
      return sendJson(res, 200, {
        data,
        has_more: false,
        first_id: data[0]?.id ?? null,
        last_id: data.at(-1)?.id ?? null,
      });
    }
    call.body = raw || undefined;
    apiError(res, 404, 'not_found_error', `Unknown route ${req.method} ${url.pathname} (fake-anthropic)`);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) apiError(res, 500, 'api_error', `fake-anthropic handler failed: ${String(error)}`);
      else res.destroy();
    });
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  const api: FakeAnthropicServer = {
    origin: `http://127.0.0.1:${port}`,
    port,
    get requests() {
      return requests;
    },
    get agentCalls() {
      return requests.flatMap((r) =>
        r.kind === 'messages' && r.context && r.reply && r.context.tools.length > 0
          ? [{ ...r.context, index: r.index, reply: r.reply }]
          : [],
      );
    },
    configure(next) {
      options = { ...options, ...next };
    },
    reset() {
      requests = [];
    },
    async close() {
      if (closed) return;
      closed = true;
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
