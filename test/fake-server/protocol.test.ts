/** The fake OpenAI server's protocol, scripting and recording, checked with raw fetch. */
import { describe, expect, it, vi } from 'vitest';
import {
  fakeOpenAIProvider,
  GRADER_PROMPT_PREFIX,
  startFakeOpenAI,
  type ChatMessage,
  type FakeOpenAIServer,
} from '../support/fake-openai-server.ts';

function chat(server: FakeOpenAIServer, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${server.url}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer sk-secret-123', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

const conversation = (system: string, user: string): ChatMessage[] => [
  { role: 'system', content: system },
  { role: 'user', content: user },
];

async function replyOf(server: FakeOpenAIServer, system: string, user: string, model = 'test-model'): Promise<string> {
  const res = await chat(server, { model, messages: conversation(system, user) });
  const json = (await res.json()) as { choices: Array<{ message: { content: string } }> };
  return json.choices[0]!.message.content;
}

describe('fake OpenAI server: protocol', () => {
  it('answers chat completions in the OpenAI response shape', async () => {
    await using server = await startFakeOpenAI({ defaultReply: 'hello there' });
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1$/);
    const res = await chat(server, { model: 'test-model', messages: conversation('Be brief.', 'Hi'), temperature: 0.1 });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json');
    const json = (await res.json()) as Record<string, any>; // any: asserting on the wire shape
    expect(json).toMatchObject({
      id: expect.stringMatching(/^chatcmpl-/),
      object: 'chat.completion',
      created: expect.any(Number),
      model: 'test-model',
      choices: [{ index: 0, message: { role: 'assistant', content: 'hello there' }, finish_reason: 'stop' }],
    });
    const { prompt_tokens, completion_tokens, total_tokens } = json.usage;
    expect(prompt_tokens).toBeGreaterThan(0);
    expect(completion_tokens).toBeGreaterThan(0);
    expect(total_tokens).toBe(prompt_tokens + completion_tokens);
  });

  it('lists models', async () => {
    await using server = await startFakeOpenAI({ models: ['a-model', 'b-model'] });
    const res = await fetch(`${server.url}/models`);
    const json = (await res.json()) as { object: string; data: Array<{ id: string; object: string }> };
    expect(json.object).toBe('list');
    expect(json.data.map((m) => m.id)).toEqual(['a-model', 'b-model']);
    expect(json.data[0]!.object).toBe('model');
    expect(server.calls[0]).toMatchObject({ kind: 'models', status: 200 });
  });

  it('rejects bad requests with OpenAI-style errors', async () => {
    await using server = await startFakeOpenAI({ requireApiKey: 'right-key' });
    expect((await chat(server, '{not json')).status).toBe(400);
    expect((await chat(server, { model: 'm' })).status).toBe(400);
    const unauthorized = await chat(server, { model: 'm', messages: [] });
    expect(unauthorized.status).toBe(401);
    expect(((await unauthorized.json()) as { error: { code: string } }).error.code).toBe('invalid_api_key');
    expect((await chat(server, { model: 'm', messages: [] }, { authorization: 'Bearer right-key' })).status).toBe(200);
    expect((await fetch(`${server.origin}/v2/nothing`)).status).toBe(404);
    expect(server.calls.map((c) => [c.kind, c.status])).toEqual([
      ['invalid', 400],
      ['invalid', 400],
      ['chat', 401],
      ['chat', 200],
      ['not-found', 404],
    ]);
  });
});

describe('fake OpenAI server: scripted answers', () => {
  it('matches rules on system prompt, user message and model; first match wins, else the default', async () => {
    await using server = await startFakeOpenAI({
      rules: [
        { system: 'You are a pirate', reply: 'Arr' },
        { user: /refund/i, model: 'big-model', reply: 'Big refund answer' },
        { user: /refund/i, reply: 'Refunds take 5 days' },
        { user: (text) => text.length > 40, name: 'long', reply: 'That is long' },
      ],
      defaultReply: 'no rule',
    });
    expect(await replyOf(server, 'You are a pirate.', 'refund?')).toBe('Arr');
    expect(await replyOf(server, 'Support agent', 'I want a REFUND', 'big-model')).toBe('Big refund answer');
    expect(await replyOf(server, 'Support agent', 'I want a refund')).toBe('Refunds take 5 days');
    expect(await replyOf(server, 'Support agent', 'x'.repeat(41))).toBe('That is long');
    expect(await replyOf(server, 'Support agent', 'hello')).toBe('no rule');
    expect(server.calls.map((c) => c.rule)).toEqual(['rule 0', 'rule 1', 'rule 2', 'long', 'default']);
  });

  it('lets a reply function answer per call and per repeat of the same request', async () => {
    await using server = await startFakeOpenAI({
      rules: [{ user: 'count', reply: (ctx) => `call ${ctx.callIndex} rule-call ${ctx.ruleCallIndex} repeat ${ctx.sameRequestIndex}` }],
    });
    expect(await replyOf(server, 's', 'count a')).toBe('call 0 rule-call 0 repeat 0');
    expect(await replyOf(server, 's', 'count a')).toBe('call 1 rule-call 1 repeat 1');
    expect(await replyOf(server, 's', 'count b')).toBe('call 2 rule-call 2 repeat 0');
    server.reset();
    expect(server.calls).toHaveLength(0);
    expect(await replyOf(server, 's', 'count a')).toBe('call 0 rule-call 0 repeat 0');
  });

  it('answers grader requests from grader rules with the JSON promptfoo parses', async () => {
    await using server = await startFakeOpenAI({
      rules: [{ user: /./, reply: 'agent rules never answer graders' }],
      graderRules: [
        { rubric: 'mentions refunds', output: /refund/i, verdict: { pass: true, score: 0.9, reason: 'mentions it' } },
        { rubric: 'mentions refunds', verdict: { pass: false } },
        { rubric: 'raw', verdict: () => 'not json at all' },
      ],
    });
    const grade = (output: string, rubric: string) =>
      replyOf(server, `${GRADER_PROMPT_PREFIX}. If the statement ...`, `<Output>\n${output}\n</Output>\n<Rubric>\n${rubric}\n</Rubric>`);
    expect(JSON.parse(await grade('Refunds take 5 days', 'mentions refunds'))).toEqual({ reason: 'mentions it', pass: true, score: 0.9 });
    expect(JSON.parse(await grade('Hello', 'mentions refunds'))).toEqual({ reason: 'fake grader: fail', pass: false, score: 0 });
    expect(await grade('x', 'raw')).toBe('not json at all');
    expect(JSON.parse(await grade('x', 'anything else'))).toMatchObject({ pass: true, score: 1 });
    expect(await replyOf(server, 'agent', 'hi')).toBe('agent rules never answer graders');
    expect(server.graderCalls).toHaveLength(4);
    expect(server.chatCalls).toHaveLength(1);
    expect(server.stats).toMatchObject({ total: 5, chat: 1, grader: 4 });
  });
});

describe('fake OpenAI server: recording', () => {
  it('records bodies, redacts the API key to a fingerprint, and counts', async () => {
    await using server = await startFakeOpenAI();
    await chat(server, { model: 'test-model', messages: conversation('s', 'u'), temperature: 0.1 });
    await chat(server, { model: 'test-model', messages: conversation('s', 'u') }, { authorization: 'Bearer other-key' });
    await fetch(`${server.url}/chat/completions`, { method: 'POST', body: JSON.stringify({ model: 'm', messages: [] }) });
    const [first, second, third] = server.calls;
    expect(first).toMatchObject({
      index: 0,
      kind: 'chat',
      method: 'POST',
      path: '/v1/chat/completions',
      status: 200,
      outcome: 'answered',
      fault: null,
    });
    expect((first!.body as { temperature: number }).temperature).toBe(0.1);
    expect(first!.headers.authorization).toBe('[REDACTED]');
    expect(first!.auth).toEqual({ present: true, fingerprint: expect.stringMatching(/^[0-9a-f]{8}$/) });
    expect(second!.auth.fingerprint).not.toBe(first!.auth.fingerprint);
    expect(third!.auth).toEqual({ present: false });
    expect(JSON.stringify(server.calls)).not.toContain('sk-secret-123');
    expect(first!.endedAt! >= first!.startedAt).toBe(true);
    expect(server.stats.byStatus).toEqual({ '200': 3 });
  });

  it('applies latency and observes the peak number of requests in flight', async () => {
    // The delay on the server's clock, faked (no wall time is measured): nothing is answered 1 ms before it
    // ends, everything at its end; "no delay" as an event: the fast answer arrives while the slow ones are held.
    await using server = await startFakeOpenAI({ latencyMs: (ctx) => (ctx.user === 'slow' ? 150 : 0) });
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      const answers = Array.from({ length: 5 }, () => chat(server, { model: 'm', messages: conversation('s', 'slow') }));
      // A call is a 'chat' once its body is read, in the same turn its latency timer is set. (Not expect.poll:
      // it advances a faked clock itself.)
      while (server.calls.filter((c) => c.kind === 'chat').length < 5) await new Promise((resolve) => setImmediate(resolve));
      vi.advanceTimersByTime(149);
      await new Promise((resolve) => setImmediate(resolve));
      expect(server.calls.filter((c) => c.outcome === 'answered')).toHaveLength(0);
      vi.advanceTimersByTime(1);
      await Promise.all(answers);
    } finally {
      vi.useRealTimers();
    }
    expect(server.calls.map((c) => c.outcome)).toEqual(Array(5).fill('answered'));
    expect(server.stats.maxInFlight).toBe(5);
    expect(server.stats.inFlight).toBe(0);

    server.reset();
    server.configure({ latencyMs: (ctx) => (ctx.user === 'slow' ? 10 * 60_000 : 0) });
    const slow = Array.from({ length: 2 }, () => chat(server, { model: 'm', messages: conversation('s', 'slow') }).catch(() => 'closed'));
    await expect.poll(() => server.stats.inFlight).toBe(2);
    const fast = await chat(server, { model: 'm', messages: conversation('s', 'fast') });
    expect(fast.status).toBe(200);
    await fast.json();
    expect(server.calls.slice(0, 2).map((c) => c.outcome)).toEqual(['in-flight', 'in-flight']);
    await server.close();
    await Promise.all(slow);
  });

  it('holds answers until N requests are in flight (holdUntilInFlight), then answers them all and holds no more', async () => {
    await using server = await startFakeOpenAI({ holdUntilInFlight: 3 });
    const first = [
      chat(server, { model: 'm', messages: conversation('s', 'a') }),
      chat(server, { model: 'm', messages: conversation('s', 'b') }),
    ];
    await expect.poll(() => server.stats.inFlight).toBe(2);
    expect(server.calls.filter((c) => c.outcome === 'answered')).toHaveLength(0);
    await Promise.all([...first, chat(server, { model: 'm', messages: conversation('s', 'c') })]);
    expect(server.stats.maxInFlight).toBe(3);
    await expect.poll(() => server.calls.map((c) => c.outcome)).toEqual(['answered', 'answered', 'answered']);
    expect((await chat(server, { model: 'm', messages: conversation('s', 'd') })).status).toBe(200);
  });

  it('holds an answer until the promise holdAnswer returns settles', async () => {
    let release: () => void = () => {};
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    await using server = await startFakeOpenAI({ holdAnswer: (ctx) => (ctx.user === 'held' ? released : undefined) });
    const held = chat(server, { model: 'm', messages: conversation('s', 'held') });
    await expect.poll(() => server.stats.inFlight).toBe(1);
    expect((await chat(server, { model: 'm', messages: conversation('s', 'free') })).status).toBe(200);
    expect(server.calls[0]!.outcome).toBe('in-flight');
    release();
    expect((await held).status).toBe(200);
  });

  it('exposes calls, stats and reset over admin routes for servers in another process', async () => {
    await using server = await startFakeOpenAI();
    await chat(server, { model: 'm', messages: conversation('s', 'u') });
    const calls = (await (await fetch(`${server.origin}/__fake/calls`)).json()) as unknown[];
    expect(calls).toHaveLength(1);
    expect(((await (await fetch(`${server.origin}/__fake/stats`)).json()) as { chat: number }).chat).toBe(1);
    await fetch(`${server.origin}/__fake/reset`, { method: 'POST' });
    expect(server.calls).toHaveLength(0);
  });

  it('builds a promptfoo provider spec and disposes with await using', async () => {
    let url = '';
    {
      await using server = await startFakeOpenAI();
      url = server.url;
      expect(fakeOpenAIProvider(server, 'gpt-x', { temperature: 0.2 })).toEqual({
        id: 'openai:chat:gpt-x',
        config: { apiBaseUrl: server.url, apiKey: 'test-key', temperature: 0.2 },
      });
      expect((await fetch(`${url}/models`)).status).toBe(200);
    }
    await expect(fetch(`${url}/models`)).rejects.toThrow();
  });
});
