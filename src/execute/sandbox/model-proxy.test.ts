import http from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PLACEHOLDER_KEY, startModelProxy } from './model-proxy.ts';

let upstream: http.Server;
let origin: string;
const seen: Array<{ url: string; headers: http.IncomingHttpHeaders; body: string }> = [];
beforeAll(async () => {
  upstream = http.createServer(async (req, res) => {
    let body = '';
    for await (const chunk of req) body += chunk;
    seen.push({ url: req.url ?? '', headers: req.headers, body });
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.write('data: one\n\n');
    res.end('data: two\n\n');
  });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
  origin = `http://127.0.0.1:${(upstream.address() as { port: number }).port}`;
});
afterAll(() => new Promise<void>((r) => upstream.close(() => r())));

function post(
  target: { socketPath: string } | { port: number },
  headers: Record<string, string>,
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ ...target, host: '127.0.0.1', path: '/v1/messages?beta=true', method: 'POST', headers }, async (res) => {
      let text = '';
      for await (const chunk of res) text += chunk;
      resolve({ status: res.statusCode ?? 0, text });
    });
    req.on('error', reject);
    req.end('{"stream":true}');
  });
}

describe('model proxy', () => {
  it('forwards to the route over a Unix socket, swaps the placeholder for the real key in either header, streams the answer back', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'proxy-test-'));
    const proxy = await startModelProxy({ socket: path.join(dir, 'model.sock') });
    try {
      proxy.route({ baseUrl: `${origin}/v1`, apiKey: 'sk-real-123' });
      seen.length = 0;
      const a = await post({ socketPath: proxy.address }, { 'x-api-key': PLACEHOLDER_KEY });
      const b = await post({ socketPath: proxy.address }, { authorization: `Bearer ${PLACEHOLDER_KEY}` });
      expect([a, b]).toEqual([
        { status: 200, text: 'data: one\n\ndata: two\n\n' },
        { status: 200, text: 'data: one\n\ndata: two\n\n' },
      ]);
      expect(seen.map((s) => [s.url, s.headers['x-api-key'], s.headers.authorization, s.body])).toEqual([
        ['/v1/messages?beta=true', 'sk-real-123', undefined, '{"stream":true}'],
        ['/v1/messages?beta=true', undefined, 'Bearer sk-real-123', '{"stream":true}'],
      ]);
      expect(JSON.stringify(seen)).not.toContain(PLACEHOLDER_KEY);
      // Counted: a runtime tells "stopped before asking the model anything" from a model that never answered.
      expect(proxy.requests).toBe(2);
    } finally {
      await proxy.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('with no route (between cells) answers 503 and reaches nothing; with no key, sends none', async () => {
    const proxy = await startModelProxy();
    try {
      expect(proxy.requests).toBe(0);
      const port = Number(new URL(proxy.address).port);
      seen.length = 0;
      expect((await post({ port }, { 'x-api-key': PLACEHOLDER_KEY })).status).toBe(503);
      expect(seen).toEqual([]);
      proxy.route({ baseUrl: origin });
      await post({ port }, { 'x-api-key': PLACEHOLDER_KEY });
      expect(seen[0]!.headers['x-api-key']).toBeUndefined();
    } finally {
      await proxy.close();
    }
  });
});
