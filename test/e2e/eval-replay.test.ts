/**
 * Record and replay end to end (issue 4): a live run records every answer under evals/recordings/;
 * `--replay` answers from them with zero calls at the server and the same scores; after a prompt edit
 * only that variant's cells are `not-recorded` (not failed), the rest still replay.
 */
import { appendFileSync, existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOpenAI, type FakeOpenAIServer } from '../support/fake-openai-server.ts';
import { byCell, evalProject, fakeModel, FAST_ENV, readResults, runIds, SEEDS, type ResultLine } from '../support/eval-project.ts';

let server: FakeOpenAIServer;

beforeAll(async () => {
  server = await startFakeOpenAI({
    // Repeat 1 of the rate-limit question forgets the 429: a mix of passes and failures to compare.
    rules: [
      { user: 'rate limit', reply: (ctx) => (ctx.sameRequestIndex === 0 ? 'Token bucket per client; answer 429.' : 'Add more servers.') },
    ],
    defaultReply: (ctx) => `Use JWT access tokens (sample ${ctx.sameRequestIndex}).`,
  });
});
afterAll(() => server.close());

const summary = (rows: ResultLine[]) =>
  byCell(rows).map((r) => ({
    cellId: r.cellId,
    status: r.status,
    score: r.score,
    output: r.output,
    assertions: r.assertions.map((a) => [a.id, a.pass, a.score]),
  }));

describe('eval: record, then replay', () => {
  // Three CLI runs in a row: a loaded CI machine gets more than the default minute.
  it('replays with zero server calls and identical scores; a prompt edit makes only that variant not-recorded', {
    timeout: 240_000,
  }, async () => {
    using project = evalProject({ config: { models: [fakeModel(server, 'model-a')], repeats: 2 } });

    const recorded = await project.cli(['eval', '--record'], { env: FAST_ENV });
    expect(recorded.code, recorded.stdout + recorded.stderr).toBe(0);
    expect(server.chatCalls).toHaveLength(5 * 2 * 2);
    const live = readResults(project.root);
    expect(live).toHaveLength(20);
    expect(live.filter((r) => r.status === 'fail')).toHaveLength(5);
    const files = readdirSync(path.join(project.root, 'evals', 'recordings', 'openai_chat_model-a'));
    expect(files).toHaveLength(20);

    server.reset();
    const replayed = await project.cli(['eval', '--replay'], { env: FAST_ENV });
    expect(replayed.code, replayed.stdout + replayed.stderr).toBe(0);
    expect(server.calls).toHaveLength(0);
    const [, replayRun] = runIds(project.root);
    const replay = readResults(project.root, replayRun);
    expect(replay.every((r) => r.source === 'replay')).toBe(true);
    expect(summary(replay)).toEqual(summary(live));

    // Edit one variant's prompt: its recordings no longer match.
    appendFileSync(path.join(project.root, 'agents', `${SEEDS.delegating}.md`), '\nAlways state your assumptions first.\n');
    const afterEdit = await project.cli(['eval', '--replay'], { env: FAST_ENV });
    expect(afterEdit.code, afterEdit.stdout + afterEdit.stderr).toBe(0);
    expect(server.calls).toHaveLength(0);
    const third = readResults(project.root, runIds(project.root)[2]);
    expect(third).toHaveLength(20);
    const edited = third.filter((r) => r.variantId === SEEDS.delegating);
    expect(edited.map((r) => r.status)).toEqual(Array(4).fill('not-recorded'));
    expect(edited.every((r) => r.assertions.length === 0 && r.error?.includes('no recording'))).toBe(true);
    const others = third.filter((r) => r.variantId !== SEEDS.delegating);
    expect(others).toHaveLength(16);
    expect(summary(others)).toEqual(summary(live.filter((r) => r.variantId !== SEEDS.delegating)));
    // Not-recorded is not a failure: it is said, and the run still exits 0.
    expect(afterEdit.stdout).toMatch(/4 cells did not run/);
    expect(existsSync(path.join(project.root, 'reports', 'index.html'))).toBe(true);
  });
});
