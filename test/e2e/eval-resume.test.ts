/**
 * Kill and resume end to end (issues 4 and 7): a run killed with SIGKILL part-way is finished by
 * `--resume` without calling any finished cell again (counted at the server), its results.jsonl has no
 * torn or duplicated line, and the final results equal an uninterrupted run's.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOpenAI, type FakeOpenAIServer } from '../support/fake-openai-server.ts';
import { evalProject, FAST_ENV, readResults, requestKey, resultsText, runIds, SEEDS, type ResultLine } from '../support/eval-project.ts';
import { comparable, config, expectCleanLog, interruptAfter, SCRIPT } from '../support/interrupt.ts';

let server: FakeOpenAIServer;
let reference: FakeOpenAIServer;
beforeAll(async () => {
  [server, reference] = await Promise.all([startFakeOpenAI(SCRIPT), startFakeOpenAI(SCRIPT)]);
});
afterAll(async () => {
  await Promise.all([server.close(), reference.close()]);
});

describe('eval: kill and resume', () => {
  // Three CLI runs (two at once): a loaded CI machine gets more than the default minute.
  it('SIGKILL mid-run, then --resume: no finished cell is called again; results equal an uninterrupted run', {
    timeout: 240_000,
  }, async () => {
    using project = evalProject({ config: config(server) });
    using uninterrupted = evalProject({ config: config(reference) });
    const [killed, full] = await Promise.all([
      interruptAfter(project, server, 6, 'SIGKILL'),
      uninterrupted.cli(['eval'], { env: FAST_ENV }),
    ]);
    expect(full.code, full.stderr).toBe(0);
    expect(killed.code).not.toBe(0);

    // What finished before the kill (a torn last line from the kill is not a finished cell).
    const finishedText = resultsText(project.root, killed.runId);
    const finished = finishedText
      .split('\n')
      .filter(Boolean)
      .flatMap((l) => {
        try {
          return [JSON.parse(l) as ResultLine];
        } catch {
          return [];
        }
      });
    expect(finished.length).toBeGreaterThanOrEqual(6);
    expect(finished.length).toBeLessThan(20);
    const before = new Map<string, number>();
    for (const c of server.chatCalls) before.set(requestKey(c), (before.get(requestKey(c)) ?? 0) + 1);
    server.reset();

    const resumed = await project.cli(['eval', '--resume'], { env: FAST_ENV });
    expect(resumed.code, resumed.stdout + resumed.stderr).toBe(0);
    expect(resumed.stdout).toContain(`resuming ${killed.runId}: ${finished.length} of 20 cells already finished`);
    expect(runIds(project.root)).toEqual([killed.runId]);

    // Per request (variant × scenario; its two repeats send the same messages): the resumed run called
    // it exactly as often as it had unfinished cells. A finished cell is never called again.
    const after = new Map<string, number>();
    for (const c of server.chatCalls) after.set(requestKey(c), (after.get(requestKey(c)) ?? 0) + 1);
    const all = expectCleanLog(project, killed.runId);
    expect(all).toHaveLength(20);
    const finishedIds = new Set(finished.map((r) => r.cellId));
    expect(server.chatCalls).toHaveLength(20 - finished.length);
    const unfinishedPerVariantScenario = new Map<string, number>();
    for (const r of all) {
      if (finishedIds.has(r.cellId)) continue;
      const k = `${r.variantId}\u0000${r.scenarioId}`;
      unfinishedPerVariantScenario.set(k, (unfinishedPerVariantScenario.get(k) ?? 0) + 1);
    }
    expect([...after.values()].sort()).toEqual([...unfinishedPerVariantScenario.values()].sort());
    // Cells that finished before the kill keep their original lines.
    for (const r of finished) expect(all.find((x) => x.cellId === r.cellId)).toEqual(r);

    // Same cells, statuses and outputs as the run nobody interrupted.
    const referenceRows = readResults(uninterrupted.root);
    expect(comparable(all)).toEqual(comparable(referenceRows));
    expect(all.filter((r) => r.status === 'fail').map((r) => r.variantId)).toEqual([SEEDS.reliability, SEEDS.reliability]);
  });
});
