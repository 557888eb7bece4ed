/**
 * Repeats are independent samples (issue 4), with promptfoo's response cache ON in the child: each
 * repeat is its own call even though its request is identical, and re-running the same eval is
 * served from the cache, each repeat from its own entry.
 */
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOpenAI, type FakeOpenAIServer } from '../support/fake-openai-server.ts';
import { listFiles, STACK_FRAME } from '../support/mini-project.ts';
import { byCell, evalProject, fakeModel, FAST_ENV, readResults, runIds, SEEDS } from '../support/eval-project.ts';

let server: FakeOpenAIServer;

beforeAll(async () => {
  // The double answers each repeat of the same request differently, as a sampling model would.
  server = await startFakeOpenAI({ defaultReply: (ctx) => `Use JWT access tokens (sample ${ctx.sameRequestIndex}).` });
});
afterAll(() => server.close());

describe('eval: repeats with the cache on', () => {
  it('each repeat is a separate call; a re-run of the same eval is served from the cache, repeat by repeat', async () => {
    using project = evalProject({
      config: {
        agents: [SEEDS.delegating, SEEDS.reliability],
        scenarios: ['auth-tokens'],
        models: [fakeModel(server, 'model-a')],
        repeats: 3,
        concurrency: 1,
      },
    });
    // The cache on disk, in the project. (Under NODE_ENV=test, as vitest sets, promptfoo keeps it in memory.)
    const env = { ...FAST_ENV, PROMPTFOO_CACHE_ENABLED: 'true', NODE_ENV: undefined };

    const first = await project.cli(['eval'], { env });
    expect(first.code, first.stdout + first.stderr).toBe(0);
    expect(server.chatCalls).toHaveLength(2 * 3);
    expect(server.chatCalls.map((c) => c.reply).filter((r) => r?.includes('sample 2'))).toHaveLength(2);
    const live = byCell(readResults(project.root));
    expect(live.every((r) => r.source === 'live')).toBe(true);
    for (const variant of [SEEDS.delegating, SEEDS.reliability]) {
      const outputs = live
        .filter((r) => r.variantId === variant)
        .sort((a, b) => a.repeat - b.repeat)
        .map((r) => r.output);
      expect(outputs).toEqual(['sample 0', 'sample 1', 'sample 2'].map((s) => `Use JWT access tokens (${s}).`));
    }
    // One file per cached answer (patches/promptfoo+0.121.20.patch), not one JSON rewritten per answer.
    const entries = path.join(project.root, '.promptfoo-cache', 'entries');
    expect(readdirSync(entries).filter((f) => !f.startsWith('.'))).toHaveLength(2 * 3);
    expect(existsSync(path.join(project.root, '.promptfoo-cache', 'cache.json'))).toBe(false);

    server.reset();
    const second = await project.cli(['eval'], { env });
    expect(second.code, second.stdout + second.stderr).toBe(0);
    expect(server.chatCalls).toHaveLength(0);
    const cached = byCell(readResults(project.root, runIds(project.root)[1]));
    expect(cached.every((r) => r.source === 'cache')).toBe(true);
    // Each repeat came back from its own cache entry: the same three different samples, cell for cell.
    expect(cached.map((r) => [r.cellId, r.repeat, r.output, r.status])).toEqual(live.map((r) => [r.cellId, r.repeat, r.output, r.status]));
  });

  it('an entry torn by a kill mid-write is a cache miss: called again, no error, no stack trace', async () => {
    using project = evalProject({
      config: {
        agents: [SEEDS.delegating],
        scenarios: ['auth-tokens'],
        models: [fakeModel(server, 'model-a')],
        repeats: 2,
        concurrency: 1,
      },
    });
    const env = { ...FAST_ENV, PROMPTFOO_CACHE_ENABLED: 'true', NODE_ENV: undefined };
    server.reset();
    expect((await project.cli(['eval'], { env })).code).toBe(0);
    expect(server.chatCalls).toHaveLength(2);
    const entries = path.join(project.root, '.promptfoo-cache', 'entries');
    const [torn, kept] = readdirSync(entries).filter((f) => !f.startsWith('.'));
    writeFileSync(path.join(entries, torn!), readFileSync(path.join(entries, torn!), 'utf8').slice(0, 40));

    server.reset();
    const again = await project.cli(['eval'], { env });
    expect(again.code, again.stdout + again.stderr).toBe(0);
    expect(again.stderr).not.toMatch(STACK_FRAME);
    expect(again.stderr).not.toMatch(/SyntaxError|key:keyv/);
    expect(server.chatCalls).toHaveLength(1);
    expect(
      readResults(project.root, runIds(project.root)[1])
        .map((r) => r.source)
        .sort(),
    ).toEqual(['cache', 'live']);
    // The miss was written back whole; the other entry was not touched.
    expect(() => JSON.parse(readFileSync(path.join(entries, torn!), 'utf8'))).not.toThrow();
    expect(existsSync(path.join(entries, kept!))).toBe(true);
  });

  it('a re-run from the cache leaves every recording untouched, byte for byte; a new answer rewrites only its own', {
    timeout: 240_000,
  }, async () => {
    using project = evalProject({
      config: {
        agents: [SEEDS.delegating, SEEDS.reliability],
        scenarios: ['auth-tokens'],
        models: [fakeModel(server, 'model-a')],
        repeats: 2,
        concurrency: 2,
      },
    });
    const env = { ...FAST_ENV, PROMPTFOO_CACHE_ENABLED: 'true', NODE_ENV: undefined };
    const recordingsDir = path.join(project.root, 'evals', 'recordings');
    const snapshot = () => Object.fromEntries(listFiles(recordingsDir).map((f) => [f, readFileSync(path.join(recordingsDir, f), 'utf8')]));
    server.reset();
    expect((await project.cli(['eval'], { env })).code).toBe(0);
    const recorded = snapshot();
    expect(Object.keys(recorded)).toHaveLength(4);

    // From the cache: same answers, so the recordings stay as they are (no new recordedAt, latency, 0/0 tokens).
    server.reset();
    const cachedRun = await project.cli(['eval'], { env });
    expect(cachedRun.code, cachedRun.stdout + cachedRun.stderr).toBe(0);
    expect(server.chatCalls).toHaveLength(0);
    expect(readResults(project.root, runIds(project.root)[1]).map((r) => r.source)).toEqual(Array(4).fill('cache'));
    expect(snapshot()).toEqual(recorded);

    // A recording missing while its answer is cached is written again, with no latency or token counts the cache did not measure.
    const [gone] = Object.keys(recorded);
    rmSync(path.join(recordingsDir, gone!));
    server.reset();
    expect((await project.cli(['eval'], { env })).code).toBe(0);
    expect(server.chatCalls).toHaveLength(0);
    const rewritten = JSON.parse(readFileSync(path.join(recordingsDir, gone!), 'utf8')) as {
      response: { output: string; latencyMs?: number; tokenUsage?: { prompt: number; completion: number } };
    };
    expect(rewritten.response.output).toBe(JSON.parse(recorded[gone!]!).response.output);
    expect(rewritten.response.latencyMs).toBeUndefined();
    expect(rewritten.response.tokenUsage).toBeUndefined();
    expect(Object.fromEntries(Object.entries(snapshot()).filter(([f]) => f !== gone))).toEqual(
      Object.fromEntries(Object.entries(recorded).filter(([f]) => f !== gone)),
    );

    // --record calls the model again: the same answers leave their files alone, a changed answer is rewritten.
    const beforeRecord = snapshot();
    server.reset();
    server.configure({ rules: [{ system: 'reliable, secure, and scalable server-side systems', reply: 'Use opaque session tokens.' }] });
    try {
      const rerecorded = await project.cli(['eval', '--record'], { env });
      expect(rerecorded.code, rerecorded.stdout + rerecorded.stderr).toBe(0);
      expect(server.chatCalls).toHaveLength(4);
    } finally {
      server.configure({ rules: [] });
    }
    const after = snapshot();
    const changed = Object.keys(after).filter((f) => after[f] !== beforeRecord[f]);
    expect(changed).toHaveLength(2);
    for (const f of changed) expect(JSON.parse(after[f]!).response.output).toBe('Use opaque session tokens.');
  });
});
