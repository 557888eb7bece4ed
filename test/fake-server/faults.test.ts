/** The fake OpenAI server's fault profile (issue 7), checked with raw fetch. */
import { describe, expect, it } from 'vitest';
import { evenRates, FAULT_KINDS, startFakeOpenAI, type FakeOpenAIServer, type FaultKind } from '../support/fake-openai-server.ts';

function chat(server: FakeOpenAIServer, user = 'hi', init: RequestInit = {}): Promise<Response> {
  return fetch(`${server.url}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'test-model', messages: [{ role: 'user', content: user }] }),
    ...init,
  });
}

const GRADER = 'You are grading output according to a user-specified rubric. ...';

describe('fake OpenAI server: faults', () => {
  it('injects each scheduled fault as a client sees it, and records it', async () => {
    const schedule: FaultKind[] = ['rate-limit-retry-after', 'rate-limit', 'server-error', 'bad-gateway', 'unavailable'];
    await using server = await startFakeOpenAI({
      faults: { schedule: [...schedule, 'empty-choices', 'malformed-json', 'reset'], retryAfterSeconds: 2 },
    });

    const limited = await chat(server);
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('2');
    expect(((await limited.json()) as { error: { code: string } }).error.code).toBe('rate_limit_exceeded');
    const bare = await chat(server);
    expect(bare.status).toBe(429);
    expect(bare.headers.get('retry-after')).toBeNull();
    await bare.text();
    for (const status of [500, 502, 503]) {
      const res = await chat(server);
      expect(res.status).toBe(status);
      expect(((await res.json()) as { error: { message: string } }).error.message).toContain('fake');
    }
    const empty = await chat(server);
    expect(((await empty.json()) as { choices: unknown[] }).choices).toEqual([]);
    const malformed = await chat(server);
    expect(malformed.status).toBe(200);
    await expect(malformed.json()).rejects.toThrow(SyntaxError);
    const reset = await chat(server);
    expect(reset.status).toBe(200);
    await expect(reset.text()).rejects.toThrow();
    const normal = await chat(server); // the schedule has run out
    expect(normal.status).toBe(200);
    await normal.json();

    await expect.poll(() => server.calls.every((c) => c.endedAt !== undefined)).toBe(true);
    expect(server.calls.map((c) => c.fault)).toEqual([...schedule, 'empty-choices', 'malformed-json', 'reset', null]);
    expect(server.calls.map((c) => c.status)).toEqual([429, 429, 500, 502, 503, 200, 200, 200, 200]);
    expect(server.calls[7]!.outcome).toBe('reset');
    expect(server.stats.byFault).toEqual(Object.fromEntries([...schedule, 'empty-choices', 'malformed-json', 'reset'].map((k) => [k, 1])));
  });

  it('hangs until the client gives up, and close() does not wait for hung requests', async () => {
    await using server = await startFakeOpenAI({ faults: { schedule: ['hang', 'hang'] } });
    await expect(chat(server, 'hi', { signal: AbortSignal.timeout(200) })).rejects.toThrow(/abort|timeout/i);
    await expect.poll(() => server.calls[0]!.endedAt).toBeDefined();
    expect(server.calls[0]).toMatchObject({ fault: 'hang', outcome: 'hung', status: null });

    const pending = chat(server).catch((error: unknown) => error);
    await expect.poll(() => server.stats.inFlight).toBe(1);
    // A hung request never ends on its own: close() returning at all shows it did not wait for it.
    await server.close();
    expect(await pending).toBeInstanceOf(Error);
  });

  it('draws faults from rates deterministically by seed', async () => {
    const faultsOf = async (seed: number) => {
      await using server = await startFakeOpenAI({
        faults: { rates: evenRates(0.3, ['server-error', 'rate-limit', 'empty-choices']), seed, retryAfterSeconds: 0 },
      });
      for (let i = 0; i < 200; i++) await (await chat(server)).text();
      return server.calls.map((c) => c.fault);
    };
    const a = await faultsOf(42);
    expect(await faultsOf(42)).toEqual(a);
    expect(await faultsOf(43)).not.toEqual(a);
    const injected = a.filter((f) => f !== null).length;
    expect(injected).toBeGreaterThan(35); // 30% of 200 = 60; generous bounds for a fixed seed
    expect(injected).toBeLessThan(85);
    expect(new Set(a.filter((f) => f !== null))).toEqual(new Set(['server-error', 'rate-limit', 'empty-choices']));
  });

  it('targets agent or grader requests only when asked', async () => {
    await using server = await startFakeOpenAI({ faults: { schedule: () => 'server-error', appliesTo: 'grader' } });
    const agent = await chat(server, 'hi');
    const grader = await fetch(`${server.url}/chat/completions`, {
      method: 'POST',
      body: JSON.stringify({
        model: 'g',
        messages: [
          { role: 'system', content: GRADER },
          { role: 'user', content: '<Output>\nx\n</Output>' },
        ],
      }),
    });
    expect([agent.status, grader.status]).toEqual([200, 500]);
    expect(server.graderCalls[0]!.fault).toBe('server-error');
    expect(server.chatCalls[0]!.fault).toBeNull();
  });

  it('rejects fault profiles that cannot be right', async () => {
    await expect(startFakeOpenAI({ faults: { rates: { 'server-error': 0.7, hang: 0.5 } } })).rejects.toThrow(/more than 1/);
    await expect(startFakeOpenAI({ faults: { rates: { teapot: 0.1 } as never } })).rejects.toThrow(/unknown fault kind "teapot"/);
    expect(FAULT_KINDS).toHaveLength(9);
  });
});
