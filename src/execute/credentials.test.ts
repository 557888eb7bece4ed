import { describe, expect, it } from 'vitest';
import { checkModel } from './credentials.ts';

const server = { label: 'local', id: 'openai:chat:m', config: { apiBaseUrl: 'http://127.0.0.1:9/v1' } };

describe('checkModel: a server probe', () => {
  it('retries a dropped or slow probe before calling the server down', async () => {
    let calls = 0;
    const flaky: typeof fetch = async () => {
      calls++;
      if (calls < 3) throw new Error('socket hang up');
      return new Response('{}');
    };
    expect(await checkModel(server, { env: {}, fetch: flaky })).toEqual({ ok: true });
    expect(calls).toBe(3);
  });

  it('calls it down only after every attempt failed, and says where', async () => {
    let calls = 0;
    const down: typeof fetch = async () => {
      calls++;
      throw new Error('ECONNREFUSED');
    };
    const r = await checkModel(server, { env: {}, fetch: down, attempts: 2 });
    expect(r).toMatchObject({ ok: false, reason: 'no server answering at http://127.0.0.1:9/v1' });
    expect(calls).toBe(2);
  });

  it('gives each attempt time: a server answering in 1.7 s is there (the eval passes its own timeoutMs)', async () => {
    const seen: number[] = [];
    const slowButThere: typeof fetch = (_url, init) =>
      new Promise((resolve, reject) => {
        const started = Date.now();
        init?.signal?.addEventListener('abort', () => reject(new Error('aborted')));
        setTimeout(() => {
          seen.push(Date.now() - started);
          resolve(new Response('{}'));
        }, 1_700);
      });
    expect(await checkModel(server, { env: {}, fetch: slowButThere, attempts: 1 })).toEqual({ ok: true });
    expect(seen).toHaveLength(1);
  });

  it('consumes the answer body so the connection is released', async () => {
    let cancelled = false;
    const body = new ReadableStream({ cancel: () => void (cancelled = true) });
    const answer: typeof fetch = async () => new Response(body);
    expect(await checkModel(server, { env: {}, fetch: answer })).toEqual({ ok: true });
    expect(cancelled).toBe(true);
  });
});
