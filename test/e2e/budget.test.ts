/**
 * Budgets end to end (issue 28): the double charges a known 100 + 50 tokens per answer; a budget stops the
 * run at the cell that would cross it (counted at the double), every report says so, gate and bless refuse
 * the run, and `--resume --budget-usd <more>` finishes it without calling a finished cell again.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { type FakeOpenAIServer, startFakeOpenAI } from '../support/fake-openai-server.ts';
import { createMiniProject, readOnlyRun, STACK_FRAME } from '../support/mini-project.ts';

const USAGE = { prompt_tokens: 100, completion_tokens: 50 };
/** USD per million tokens: a cell costs (100 × 1 + 50 × 2) / 1e6 = $0.0002. */
const COST = { input: 1, output: 2 };

function budgetProject(server: FakeOpenAIServer, extra: Record<string, unknown>, cost: object | null = COST, concurrency = 1) {
  return createMiniProject({
    url: server.url,
    scenarios: 2,
    repeats: 2,
    concurrency,
    config: {
      models: [{ id: 'openai:chat:agent-model', config: { apiBaseUrl: server.url, apiKey: 'test-key' }, ...(cost ? { cost } : {}) }],
      ...extra,
    },
  });
}

const read = (root: string, rel: string) => readFileSync(path.join(root, rel), 'utf8');
/** Per request text (variant × scenario; its two repeats send the same messages): how often the double answered it. */
const callsPerRequest = (server: FakeOpenAIServer) => {
  const counts = new Map<string, number>();
  for (const c of server.chatCalls) {
    const key = JSON.stringify((c.body as { messages: unknown }).messages);
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
};

describe('eval with a budget', () => {
  it('stops at the cell that would cross it, says so everywhere, is refused by gate and bless, and resumes with 0 repeated calls', {
    timeout: 240_000,
  }, async () => {
    await using server = await startFakeOpenAI({ defaultReply: 'Refunds take 5 days.', usage: USAGE });
    // 8 cells of 150 tokens: after 6 (900 tokens) the 7th would make 1050 > 1000.
    using project = budgetProject(server, { budget: { tokens: 1000 } });
    const stopped = await project.cli(['eval']);
    expect(stopped.code, stopped.stdout + stopped.stderr).toBe(3);
    expect(server.chatCalls).toHaveLength(6);
    expect(stopped.stderr).toContain('stopped: budget — 6 of 8 cells ran (spent 900 tokens, $0.0012)');
    expect(stopped.stderr).not.toMatch(STACK_FRAME);

    const { runId, results, meta } = readOnlyRun(project.root);
    expect(results).toHaveLength(6);
    expect(meta.stopped).toBe('budget');
    expect(meta.finishedAt).toBeUndefined();
    expect(meta.spent).toEqual({ tokens: 900, usd: expect.closeTo(0.0012, 10) });
    // Part of a run is no history line (it would dilute the trends and the planning figures).
    expect(existsSync(path.join(project.root, 'reports', 'history.jsonl'))).toBe(false);
    expect(read(project.root, 'reports/summary.md')).toContain('stopped: budget — 6 of 8 cells ran');
    expect(read(project.root, 'reports/index.html')).toContain('stopped: budget — 6 of 8 cells ran');
    expect(read(project.root, 'reports/junit.xml')).toMatch(
      /<testcase name="budget"[^>]*>\s*<error message="stopped: budget — 6 of 8 cells ran/,
    );
    const comment = await project.cli(['report', '--format', 'pr-comment']);
    expect(comment.code, comment.stderr).toBe(0);
    expect(comment.stdout).toContain('stopped by its budget');
    expect(comment.stdout).toContain('6 of 8 cells ran');

    for (const command of [['gate'], ['bless']]) {
      const refused = await project.cli(command);
      expect(refused.code, refused.stdout + refused.stderr).toBe(2);
      expect(refused.stderr).toContain(`run ${runId} was stopped by its budget (6 of 8 cells)`);
      expect(refused.stderr).toContain(`--resume ${runId} --budget-usd`);
    }
    expect(existsSync(path.join(project.root, 'reports', 'baseline.json'))).toBe(false);

    const before = callsPerRequest(server);
    server.reset();
    // --budget-usd on a resume is what it may spend on top: $0.0004 is the two cells left, exactly.
    const resumed = await project.cli(['eval', '--resume', '--budget-usd', '0.0004']);
    expect(resumed.code, resumed.stdout + resumed.stderr).toBe(0);
    expect(resumed.stdout).toContain(`resuming ${runId}: 6 of 8 cells already finished`);
    // The two unfinished cells, each once; no finished cell called again.
    expect(server.chatCalls).toHaveLength(2);
    const after = callsPerRequest(server);
    for (const [key, n] of after) expect(n + (before.get(key) ?? 0)).toBe(2);
    const done = readOnlyRun(project.root);
    expect(done.results).toHaveLength(8);
    expect(new Set(done.results.map((r) => r.cellId)).size).toBe(8);
    expect(done.meta.stopped).toBeUndefined();
    expect(done.meta.finishedAt).toEqual(expect.any(String));
    expect(done.meta.spent).toEqual({ tokens: 1200, usd: expect.closeTo(0.0016, 10) });
    expect(read(project.root, 'reports/summary.md')).not.toContain('stopped: budget');
    expect((await project.cli(['gate'])).code).toBe(0);
  });

  it('--budget-usd stops a USD budget at the right cell, four cells at once', { timeout: 240_000 }, async () => {
    await using server = await startFakeOpenAI({ defaultReply: 'Refunds take 5 days.', usage: USAGE, latencyMs: 50 });
    using project = budgetProject(server, {}, COST, 4);
    // $0.0002 a cell: 3 cells make $0.0006; the 4th would make $0.0008 > $0.0007. Nothing is known of a cell before
    // the first answer, so the first runs alone; then the cells in flight count at their projection.
    const stopped = await project.cli(['eval', '--budget-usd', '0.0007']);
    expect(stopped.code, stopped.stdout + stopped.stderr).toBe(3);
    expect(server.chatCalls).toHaveLength(3);
    expect(stopped.stderr).toContain('stopped: budget — 3 of 8 cells ran (spent 450 tokens, $0.0006)');
  });

  it('a USD budget on a model with no known price is exit 2 before any call, naming the file and field', { timeout: 240_000 }, async () => {
    await using server = await startFakeOpenAI({ defaultReply: 'Refunds take 5 days.', usage: USAGE });
    using project = budgetProject(server, { budget: { usd: 1 } }, null);
    const refused = await project.cli(['eval']);
    expect(refused.code, refused.stdout + refused.stderr).toBe(2);
    expect(refused.stderr.trim().split('\n')).toHaveLength(1);
    expect(refused.stderr).toContain('evals/default.yaml');
    expect(refused.stderr).toContain('models[0].cost');
    expect(refused.stderr).toContain('no known price');
    expect(refused.stderr).not.toMatch(STACK_FRAME);
    expect(server.chatCalls).toHaveLength(0);
    expect(existsSync(path.join(project.root, 'reports', 'runs'))).toBe(false);
  });
});
