/**
 * Issue 28, latency end to end: the history line keeps p50 / p95 per variant × model, summary.md shows
 * them, `thresholds.p95LatencyMs` gates on p95, and a bad bar is a one-line error. The figures
 * themselves are checked on fixed values in src/score/latency.test.ts; here the double only delays each
 * answer by 50 ms, so every recorded latency is far above the 10 ms bar (a busy machine only adds to it).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { type ResultLine, readResults } from '../support/eval-project.ts';
import { startFakeOpenAI } from '../support/fake-openai-server.ts';
import { createMiniProject } from '../support/mini-project.ts';

describe('latency', () => {
  it('is kept in the history line, shown in summary.md, and gated by p95LatencyMs', { timeout: 240_000 }, async () => {
    await using server = await startFakeOpenAI({ defaultReply: 'Refunds take 5 days.', latencyMs: 50 });
    using p = createMiniProject({ url: server.url, scenarios: 2, repeats: 2, config: { thresholds: { p95LatencyMs: 10 } } });

    const run = await p.cli(['eval', '--ci']);
    expect(run.code, run.stdout + run.stderr).toBe(1);
    expect(run.stdout).toMatch(/helper\/brief @ openai:chat:agent-model p95LatencyMs \d+ ms > 10 ms \(4 cells\)/);

    const line = JSON.parse(readFileSync(path.join(p.root, 'reports', 'history.jsonl'), 'utf8').trim());
    const results = readResults(p.root) as Array<ResultLine & { latencyMs?: number }>;
    expect(line.latency.map((l: { variantId: string; n: number }) => [l.variantId, l.n])).toEqual([
      ['helper/brief', 4],
      ['helper/terse', 4],
    ]);
    // The stored p95 is one of the recorded latencies (nearest rank: the 4th of 4, the largest).
    const brief = results.filter((r) => r.variantId === 'helper/brief').map((r) => r.latencyMs!);
    expect(line.latency[0].p95).toBe(Math.max(...brief));
    expect(line.latency[0].p50).toBe([...brief].sort((a, b) => a - b)[1]);
    expect(Math.min(...brief)).toBeGreaterThan(10);

    const md = readFileSync(path.join(p.root, 'reports', 'summary.md'), 'utf8');
    expect(md).toContain('### Latency');
    expect(md).toMatch(/\| helper\/brief \| openai:chat:agent-model \| 4 \| \d+ ms \| \d+ ms \| – \| – \| – \|/);
  });

  it('a bar that is not a positive number is a one-line error naming the field (exit 2)', { timeout: 240_000 }, async () => {
    await using server = await startFakeOpenAI({});
    using p = createMiniProject({ url: server.url, config: { thresholds: { p95LatencyMs: -5 } } });
    const run = await p.cli(['eval']);
    expect(run.code).toBe(2);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toMatch(/evals\/default\.yaml:\d+:\d+: thresholds\.p95LatencyMs/);
    expect(server.chatCalls).toHaveLength(0);
  });
});
