import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOpenAI, fakeOpenAIProvider, type FakeOpenAIServer } from '../../test/support/fake-openai-server.ts';
import { applyPromptfooTestEnv } from '../../test/support/promptfoo-test-env.ts';
import type { CellResult } from '../schema/result.ts';
import { resolveModel } from '../schema/models.ts';
import { cellRecordingKey } from '../plan/plan-cell.ts';
import type { CellPlan } from '../plan/cell-plan.ts';
import { engineCacheDir, engineChoice } from './engine.ts';
import { runCells } from './run-cells.ts';
import { RecordingStore } from './recordings.ts';
import { tempDirs } from '../../test/support/temp-dirs.ts';
import { REPO_ROOT } from '../../test/support/project-fixture.ts';
import path from 'node:path';

const tempDir = tempDirs('agent-evals-rec-');

let server: FakeOpenAIServer;
const LEAKED = 'sk-plant-leak-5e0c9a1f7b';
let env: ReturnType<typeof applyPromptfooTestEnv>;

beforeAll(async () => {
  env = applyPromptfooTestEnv();
  server = await startFakeOpenAI({
    rules: [
      { system: 'You are terse', reply: (ctx) => `terse answer ${ctx.sameRequestIndex}` },
      { system: 'You leak', reply: `Your key is ${LEAKED}, use JWT.` },
    ],
    defaultReply: (ctx) => `Use JWT for auth. sample ${ctx.sameRequestIndex}`,
  });
});
afterAll(async () => {
  await server.close();
  env.restore();
});

function plans(model = resolveModel(fakeOpenAIProvider(server, 'test-model'))): CellPlan[] {
  const out: CellPlan[] = [];
  for (const [variantId, system, temperature] of [
    ['a/terse', 'You are terse', 0.1],
    ['a/verbose', 'You are verbose', undefined],
  ] as const) {
    for (const repeat of [0, 1]) {
      out.push({
        cellId: `${variantId}-${repeat}`,
        agent: 'a',
        variantId,
        variantHash: 'vh',
        scenarioId: 's1',
        scenarioHash: 'sh',
        assertionsHash: 'ah',
        model,
        repeat,
        messages: [
          { role: 'system', content: system },
          { role: 'user', content: 'How do I do auth? {{ not a template }}' },
        ],
        temperature,
        vars: {},
        assertions: [{ type: 'icontains', value: 'jwt', metric: 'mentions-jwt' }],
        assertionInfo: { 'mentions-jwt': { kind: 'icontains', weight: 1, critical: true } },
      });
    }
  }
  return out;
}

describe('runCells against the loopback OpenAI double', () => {
  const recordingsDir = tempDir();
  async function run(mode: 'live' | 'replay'): Promise<CellResult[]> {
    server.reset();
    const results: CellResult[] = [];
    await runCells({
      plans: plans(),
      concurrency: 4,
      timeoutMs: 10_000,
      mode,
      repeats: 2,
      recordings: new RecordingStore(recordingsDir),
      env: {},
      onResult: (r) => void results.push(r),
    });
    return results;
  }

  it('runs every planned cell once, passes temperature per variant, scores with promptfoo', async () => {
    const results = await run('live');
    expect(server.chatCalls).toHaveLength(4);
    expect(results.map((r) => r.cellId).sort()).toEqual(['a/terse-0', 'a/terse-1', 'a/verbose-0', 'a/verbose-1']);
    const terse = server.chatCalls.filter((c) => JSON.stringify(c.body).includes('You are terse'));
    expect(terse.map((c) => (c.body as { temperature?: number }).temperature)).toEqual([0.1, 0.1]);
    // The prompt text is sent verbatim: no template rendering of agent or scenario text.
    expect(JSON.stringify(terse[0]!.body)).toContain('{{ not a template }}');
    const byId = new Map(results.map((r) => [r.cellId, r]));
    expect(byId.get('a/verbose-0')).toMatchObject({ status: 'pass', score: 1, model: 'openai:chat:test-model', source: 'live' });
    expect(byId.get('a/terse-0')).toMatchObject({ status: 'fail', assertions: [{ id: 'mentions-jwt', pass: false, critical: true }] });
    expect(byId.get('a/verbose-1')!.tokens!.total).toBeGreaterThan(0);
    // Repeats are independent samples: the double answers each repeat differently.
    expect(new Set(results.filter((r) => r.variantId === 'a/verbose').map((r) => r.output)).size).toBe(2);
  });

  it('replays recorded answers with zero calls at the server', async () => {
    const results = await run('replay');
    expect(server.calls).toHaveLength(0);
    expect(results).toHaveLength(4);
    expect(results.every((r) => r.source === 'replay')).toBe(true);
    expect(results.find((r) => r.cellId === 'a/verbose-1')!.output).toBe('Use JWT for auth. sample 1');
  });
});

describe('runCells: an answer is scored as the model gave it, and written with secrets cut', () => {
  it('an answer echoing a key is scored on its raw text live, and written (and recorded, so replayed) with the key cut', async () => {
    const recordings = new RecordingStore(tempDir(), [LEAKED]);
    const seen: string[] = [];
    const plan: CellPlan = {
      ...plans()[0]!,
      cellId: 'leak-0',
      repeat: 0,
      messages: [
        { role: 'system', content: 'You leak' },
        { role: 'user', content: 'What is my key?' },
      ],
      assertions: [
        // Passes only on the raw text: the verdict must not depend on whether the answer came live or replayed.
        { type: 'icontains', value: LEAKED, metric: 'echoes-key' },
        {
          type: 'javascript',
          metric: 'sees',
          value: (output) => {
            seen.push(output);
            return { pass: true, score: 1, reason: 'recorded what was scored' };
          },
        },
      ],
      assertionInfo: {
        'echoes-key': { kind: 'icontains', weight: 1, critical: true },
        sees: { kind: 'javascript', weight: 1, critical: false },
      },
    };
    const run = async (mode: 'record' | 'replay') => {
      const results: CellResult[] = [];
      await runCells({
        plans: [plan],
        concurrency: 1,
        timeoutMs: 10_000,
        mode,
        repeats: 1,
        recordings,
        env: {},
        secrets: [LEAKED],
        onResult: (r) => void results.push(r),
      });
      return results[0]!;
    };
    server.reset();
    const live = await run('record');
    expect(server.chatCalls).toHaveLength(1);
    const replayed = await run('replay');
    expect(replayed.source).toBe('replay');
    const verdict = (r: CellResult) => ({
      status: r.status,
      score: r.score,
      output: r.output,
      assertions: r.assertions.map((a) => [a.id, a.pass]),
    });
    // Live, the assertions saw the raw answer; what was written and recorded has the key cut, so the replay
    // scores the cut text (the one case where a replay can differ: an answer that holds a real secret).
    expect(verdict(live)).toMatchObject({ status: 'pass', output: 'Your key is [redacted], use JWT.' });
    expect(verdict(replayed)).toMatchObject({ status: 'fail', output: 'Your key is [redacted], use JWT.' });
    expect(seen).toEqual([`Your key is ${LEAKED}, use JWT.`, 'Your key is [redacted], use JWT.']);
  });
});

describe('runCells: what follows an answer runs off the request path, and still in order', () => {
  it("writes a cell's recording before its result line, and reports a failing result write after the other cells finish", async () => {
    server.reset();
    const store = new RecordingStore(tempDir());
    const seen: string[] = [];
    const run = runCells({
      plans: plans(),
      concurrency: 4,
      timeoutMs: 10_000,
      mode: 'record',
      repeats: 2,
      recordings: store,
      env: {},
      onResult: async (r) => {
        // The recording this line stands for is on disk already (a kill now loses neither).
        const plan = plans().find((p) => p.cellId === r.cellId)!;
        expect(await store.has(cellRecordingKey(plan))).toBe(true);
        seen.push(r.cellId);
        if (r.cellId === 'a/terse-1') throw new Error('disk full');
      },
    });
    await expect(run).rejects.toThrow('disk full');
    expect(seen.sort()).toEqual(['a/terse-0', 'a/terse-1', 'a/verbose-0', 'a/verbose-1']);
    expect(server.chatCalls).toHaveLength(4);
  });
});

describe('engineChoice: the bundle stands in for promptfoo only when built from this install', () => {
  const installed = { version: '0.121.20', entry: '/p/node_modules/promptfoo/dist/src/index.js' };

  it('takes the bundle built from the same version at the same place', () => {
    expect(engineChoice(installed, { promptfoo: '0.121.20', entry: installed.entry })).toEqual({ bundle: true });
  });

  it('falls back to node_modules, saying why: no bundle, another version, another place, or asked to', () => {
    const why = (meta: Parameters<typeof engineChoice>[1], forced?: string) => {
      const choice = engineChoice(installed, meta, forced);
      return choice.bundle ? 'bundle' : choice.why;
    };
    expect(why(undefined)).toMatch(/no bundle in dist\/engine\/ nor in the first-use cache: agent-evals bundles it again on first use/);
    expect(why({ promptfoo: '0.121.19', entry: installed.entry })).toMatch(/bundle is of promptfoo 0\.121\.19/);
    // A project moved after install: the bundle refers to the old place's files.
    expect(why({ promptfoo: '0.121.20', entry: '/old/node_modules/promptfoo/dist/src/index.js' })).toMatch(
      /built for promptfoo at \/old\//,
    );
    expect(why({ promptfoo: '0.121.20', entry: installed.entry }, 'promptfoo')).toBe('AGENT_EVALS_ENGINE=promptfoo');
    // A first-use cache another agent-evals built (its key names both versions; the check is the same).
    const choice = engineChoice(
      { ...installed, agentEvals: '0.2.0' },
      { promptfoo: '0.121.20', entry: installed.entry, agentEvals: '0.1.0' },
    );
    expect(choice.bundle ? 'bundle' : choice.why).toMatch(/built by agent-evals 0\.1\.0/);
  });

  it('looks for the first-use cache exactly where scripts/build-engine.mjs builds it', async () => {
    const script = (await import(path.join(REPO_ROOT, 'scripts', 'build-engine.mjs'))) as {
      engineDirs: (p: { dir: string; version: string }, v: string) => { cache: string };
    };
    const promptfooDir = '/p/node_modules/promptfoo';
    expect(engineCacheDir(promptfooDir, '0.1.0', '0.121.20')).toBe(
      script.engineDirs({ dir: promptfooDir, version: '0.121.20' }, '0.1.0').cache,
    );
    expect(engineCacheDir(promptfooDir, '0.1.0', '0.121.20')).toBe('/p/node_modules/.cache/agent-evals/engine-0.1.0-promptfoo-0.121.20');
  });
});
