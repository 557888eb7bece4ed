/**
 * The real promptfoo path: promptfoo 0.121's `openai:chat:*` provider and llm-rubric grader running
 * against the fake server. Tests of the double may import promptfoo; app code only in src/run/promptfoo.ts.
 * What these tests pin down about retries, timeouts and errors is written up in test/support/README.md.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fakeOpenAIProvider, startFakeOpenAI, type FakeOpenAIServer, type FaultKind } from '../support/fake-openai-server.ts';
import { applyPromptfooTestEnv, withEnv } from '../support/promptfoo-test-env.ts';

type Promptfoo = typeof import('promptfoo').default;
/** The parts of a promptfoo result these tests read (the summary type is a V2/V3 union). */
interface Result {
  success: boolean;
  error?: string | null;
  failureReason: number;
  vars: Record<string, unknown>;
  response?: { output?: unknown; tokenUsage?: { total?: number; prompt?: number; completion?: number } };
  gradingResult?: {
    pass: boolean;
    score: number;
    reason: string;
    componentResults?: Array<{ pass: boolean; score: number; reason: string; metadata?: Record<string, unknown> }>;
  } | null;
}
const FAILURE = { NONE: 0, ASSERT: 1, ERROR: 2 } as const; // promptfoo's ResultFailureReason

let promptfoo: Promptfoo;
let env: ReturnType<typeof applyPromptfooTestEnv>;
beforeAll(async () => {
  env = applyPromptfooTestEnv(); // before the import: promptfoo reads PROMPTFOO_CACHE_ENABLED at load
  promptfoo = (await import('promptfoo')).default;
});
afterAll(() => env.restore());

const CHAT_PROMPT = JSON.stringify([
  { role: 'system', content: 'You are a support agent.' },
  { role: 'user', content: '{{question}}' },
]);

async function run(
  server: FakeOpenAIServer,
  questions: string[],
  opts: { config?: Record<string, unknown>; suite?: Record<string, unknown>; options?: Record<string, unknown> } = {},
): Promise<Result[]> {
  const record = await promptfoo.evaluate(
    {
      prompts: [CHAT_PROMPT],
      providers: [fakeOpenAIProvider(server, 'test-model', opts.config)],
      tests: questions.map((question) => ({ vars: { question } })),
      writeLatestResults: false,
      ...opts.suite,
    } as Parameters<Promptfoo['evaluate']>[0],
    { maxConcurrency: 4, silent: true, ...opts.options },
  );
  return (await record.toEvaluateSummary()).results as unknown as Result[];
}

const byQuestion = (results: Result[]) =>
  Object.fromEntries(results.map((r) => [String(r.vars.question), r] as const)) as Record<string, Result>;

describe('promptfoo against the fake server', () => {
  it('gets scripted outputs and token usage back, sends the configured temperature, one call per repeat', async () => {
    await using server = await startFakeOpenAI({
      rules: [
        { system: 'support agent', user: /refund/, reply: (ctx) => `Refunds take 5 days (take ${ctx.sameRequestIndex})` },
        { user: 'hello', reply: 'Hi!' },
      ],
    });
    const results = await run(server, ['I want a refund', 'hello'], { config: { temperature: 0.1 }, options: { repeat: 2 } });

    expect(results.map((r) => r.response?.output).sort()).toEqual([
      'Hi!',
      'Hi!',
      'Refunds take 5 days (take 0)',
      'Refunds take 5 days (take 1)',
    ]);
    expect(server.chatCalls).toHaveLength(4);
    for (const call of server.chatCalls) {
      expect(call.body).toMatchObject({
        model: 'test-model',
        temperature: 0.1,
        messages: [{ role: 'system', content: 'You are a support agent.' }, { role: 'user' }],
      });
      expect(call.auth.present).toBe(true);
    }
    const sent = server.chatCalls.reduce((sum, c) => sum + c.usage!.total_tokens, 0);
    const received = results.reduce((sum, r) => sum + (r.response?.tokenUsage?.total ?? 0), 0);
    expect(received).toBe(sent);
    expect(results.every((r) => r.success)).toBe(true);
  });

  it('grades llm-rubric assertions through the grader rules (grader via defaultTest.options.provider)', async () => {
    await using server = await startFakeOpenAI({
      rules: [
        { user: 'refund', reply: 'Refunds take 5 days.' },
        { user: 'weather', reply: 'It is sunny.' },
      ],
      graderRules: [{ rubric: 'Mentions refunds', output: /refund/i, verdict: { pass: true, score: 0.9, reason: 'mentions refunds' } }],
      defaultVerdict: { pass: false, score: 0.1, reason: 'off topic' },
    });
    const results = byQuestion(
      await run(server, ['refund please', 'weather?'], {
        suite: {
          defaultTest: {
            options: { provider: fakeOpenAIProvider(server, 'grader-model') },
            assert: [{ type: 'llm-rubric', value: 'Mentions refunds' }],
          },
        },
      }),
    );
    expect(results['refund please']).toMatchObject({ success: true, gradingResult: { pass: true, score: 0.9 } });
    expect(results['refund please']!.gradingResult!.componentResults![0]).toMatchObject({ pass: true, reason: 'mentions refunds' });
    expect(results['weather?']).toMatchObject({
      success: false,
      failureReason: FAILURE.ASSERT,
      gradingResult: { pass: false, score: 0.1 },
    });
    expect(server.chatCalls).toHaveLength(2);
    expect(server.graderCalls).toHaveLength(2);
    for (const call of server.graderCalls) expect(call.body).toMatchObject({ model: 'grader-model', temperature: 0 });
  });

  it('retries a 429 with Retry-After and recovers', async () => {
    await using server = await startFakeOpenAI({
      defaultReply: 'after the storm',
      faults: { schedule: ['rate-limit-retry-after'], retryAfterSeconds: 0 },
    });
    const [result] = await run(server, ['q']);
    expect(result).toMatchObject({ success: true, response: { output: 'after the storm' } });
    expect(server.calls.map((c) => c.status)).toEqual([429, 200]);
  });

  it('gives up on a persistent 429 after transport × scheduler attempts, as an error result', async () => {
    await using server = await startFakeOpenAI({ faults: { schedule: () => 'rate-limit-retry-after', retryAfterSeconds: 0 } });
    const [result] = await run(server, ['q'], { config: { maxRetries: 1 } });
    // maxRetries 1 = 2 attempts in fetchWithRetries, times 2 attempts in the evaluator's rate-limit scheduler.
    expect(server.calls).toHaveLength(4);
    expect(result).toMatchObject({ success: false, failureReason: FAILURE.ERROR });
    expect(result!.error).toMatch(/^RateLimitExhaustedError: Rate limit exceeded for openai:chat:test-model.* after 2 attempts/);
  });

  it('turns a 500 into an error result without retrying, unless PROMPTFOO_RETRY_5XX is set', async () => {
    await using server = await startFakeOpenAI({ faults: { schedule: () => 'server-error' } });
    const [plain] = await run(server, ['q']);
    expect(server.calls).toHaveLength(1);
    expect(plain).toMatchObject({ success: false, failureReason: FAILURE.ERROR });
    expect(plain!.error).toMatch(/^API error: 500 Internal Server Error\n\{"error"/);

    server.reset();
    const [retried] = await withEnv({ PROMPTFOO_RETRY_5XX: 'true', PROMPTFOO_REQUEST_BACKOFF_MS: '0' }, () =>
      run(server, ['q'], { config: { maxRetries: 1 } }),
    );
    expect(server.calls.map((c) => c.status)).toEqual([500, 500]);
    expect(retried!.error).toBe(
      'API call error: Error: Request failed after 1 retries: Error: Internal Server Error: 500 Internal Server Error',
    );
  });

  it('reports 502/503, malformed JSON, empty choices and a reset body as error results, one call each', async () => {
    const faultFor: Record<string, FaultKind> = {
      a: 'bad-gateway',
      b: 'unavailable',
      c: 'malformed-json',
      d: 'empty-choices',
      e: 'reset',
    };
    await using server = await startFakeOpenAI({ faults: { schedule: (_i, ctx) => faultFor[ctx.user] ?? null } });
    const results = byQuestion(await run(server, Object.keys(faultFor)));
    expect(server.calls).toHaveLength(5);
    for (const r of Object.values(results)) expect(r).toMatchObject({ success: false, failureReason: FAILURE.ERROR });
    expect(results.a!.error).toMatch(/^API error: 502 Bad Gateway/);
    expect(results.b!.error).toMatch(/^API error: 503 Service Unavailable/);
    expect(results.c!.error).toMatch(/^API call error: Error: Error parsing response from .*: Unterminated string in JSON/);
    expect(results.d!.error).toMatch(/^API error: TypeError: Cannot read properties of undefined \(reading 'message'\)/);
    expect(results.e!.error).toMatch(/^API call error: Error: Error reading response body from .*: terminated\. HTTP 200 OK$/);
  });

  it('times out a hung request per REQUEST_TIMEOUT_MS and closes the connection', async () => {
    await using server = await startFakeOpenAI({ faults: { schedule: ['hang'] } });
    const [result] = await withEnv({ REQUEST_TIMEOUT_MS: '300' }, () => run(server, ['q'], { config: { maxRetries: 0 } }));
    expect(result!.error).toBe('API call error: Error: Request failed after 0 retries: Error: Request timed out after 300 ms');
    await expect.poll(() => server.calls[0]!.endedAt).toBeDefined();
    expect(server.calls[0]).toMatchObject({ fault: 'hang', outcome: 'hung', status: null });
  });

  it('an eval-step timeout (timeoutMs) reports an error but leaves the HTTP request open', async () => {
    await using server = await startFakeOpenAI({ faults: { schedule: ['hang'] } });
    const [result] = await run(server, ['q'], { options: { timeoutMs: 400 } });
    expect(result).toMatchObject({ success: false, failureReason: FAILURE.ERROR });
    expect(result!.error).toMatch(/^Evaluation timed out after 400ms/);
    // Still open after a later request has come and gone (an event, not a wait): held by promptfoo's pool
    // until REQUEST_TIMEOUT_MS or close.
    await (await fetch(`${server.url}/models`)).text();
    await expect.poll(() => server.calls.length).toBe(2);
    await expect.poll(() => server.calls[1]!.outcome).toBe('answered');
    expect(server.calls[0]).toMatchObject({ fault: 'hang', outcome: 'hung' });
    expect(server.calls[0]!.endedAt).toBeUndefined();
    expect(server.stats.inFlight).toBe(1);
  });

  it('reports a failing grader as an assertion failure tagged metadata.graderError', async () => {
    await using server = await startFakeOpenAI({
      rules: [
        { user: 'q500', reply: 'answer A' },
        { user: 'qbad', reply: 'answer B' },
      ],
      graderRules: [{ output: 'answer B', verdict: () => 'I cannot grade this' }],
      faults: { schedule: (_i, ctx) => (ctx.user.includes('answer A') ? 'server-error' : null), appliesTo: 'grader' },
    });
    const results = byQuestion(
      await run(server, ['q500', 'qbad'], {
        suite: {
          defaultTest: {
            options: { provider: fakeOpenAIProvider(server, 'grader-model') },
            assert: [{ type: 'llm-rubric', value: 'is fine' }],
          },
        },
      }),
    );
    for (const r of Object.values(results)) {
      expect(r).toMatchObject({ success: false, failureReason: FAILURE.ASSERT, gradingResult: { pass: false, score: 0 } });
      expect(r.gradingResult!.componentResults![0]).toMatchObject({ pass: false, metadata: { graderError: true } });
    }
    expect(results.q500!.response!.output).toBe('answer A');
    expect(results.q500!.error).toMatch(/^API error: 500 Internal Server Error/);
    expect(results.qbad!.error).toBe('Could not extract JSON from llm-rubric response');
  });

  it('keeps 4 requests in flight at maxConcurrency 16 unless PROMPTFOO_FETCH_CONNECTIONS is set', async () => {
    // Counted, not timed: the server answers nothing until 4 (then 16) requests are in flight at once. A
    // pool of fewer never gets an answer (the test times out); a pool of more shows more than 4.
    await using server = await startFakeOpenAI({ holdUntilInFlight: 4 });
    const questions = Array.from({ length: 16 }, (_, i) => `q${i}`);
    await run(server, questions, { options: { maxConcurrency: 16 } });
    expect(server.stats.maxInFlight).toBe(4);

    server.reset();
    server.configure({ holdUntilInFlight: 16 });
    await withEnv({ PROMPTFOO_FETCH_CONNECTIONS: '16' }, () => run(server, questions, { options: { maxConcurrency: 16 } }));
    expect(server.stats.maxInFlight).toBe(16);
    expect(server.chatCalls).toHaveLength(16);
  });
});

describe('promptfoo as patched here (patches/promptfoo+0.121.20.patch, applied by npm install)', () => {
  it('does no debug-log work while debug logging is off: no stack capture, no request-body sanitising per call', async () => {
    // Unpatched, every request logs at debug level: a stack capture for the caller's location (and
    // source-map-support's stack rewriting), plus a sanitised copy of the request and response.
    await using server = await startFakeOpenAI({ defaultReply: 'Refunds take 5 days.' });
    const previous = Error.prepareStackTrace;
    let captures = 0;
    Error.prepareStackTrace = (error, frames) => {
      if (error.message === 'stack trace capture') captures++;
      return previous ? previous(error, frames) : `${String(error)}\n${frames.map((f) => `    at ${String(f)}`).join('\n')}`;
    };
    try {
      const results = await run(server, ['q1', 'q2', 'q3']);
      expect(results.map((r) => r.response?.output)).toEqual(Array(3).fill('Refunds take 5 days.'));
    } finally {
      Error.prepareStackTrace = previous;
    }
    expect(server.chatCalls).toHaveLength(3);
    expect(captures).toBe(0);
  });
});
