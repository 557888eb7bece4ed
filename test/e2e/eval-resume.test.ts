/**
 * Kill and resume end to end (issues 4 and 7): a run killed with SIGKILL part-way is finished by
 * `--resume` without calling any finished cell again (counted at the server), its results.jsonl has no
 * torn or duplicated line, and the final results equal an uninterrupted run's. Ctrl-C (SIGINT) stops
 * cleanly, keeps what finished and prints how to resume.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOpenAI, type FakeOpenAIOptions, type FakeOpenAIServer } from '../support/fake-openai-server.ts';
import type { Project } from '../support/project-fixture.ts';
import { byCell, evalProject, fakeModel, FAST_ENV, readResults, requestKey, resultsText, runIds, SEEDS, type ResultLine } from '../fixtures/eval/support.ts';

/**
 * Answers depend only on the request (never on how often it was seen), so a resumed run and an
 * uninterrupted one get the same answers. The reliability seed forgets the 429: some cells fail.
 */
const SCRIPT: FakeOpenAIOptions = {
  latencyMs: 250,
  defaultReply: (ctx) => {
    const who = createHash('sha256').update(ctx.system).digest('hex').slice(0, 8);
    const forgets = ctx.system.includes('reliable, secure, and scalable server-side systems');
    return `[${who}] Use JWT access tokens${forgets ? '' : '; answer 429 with Retry-After'}. (${ctx.user})`;
  },
};

let server: FakeOpenAIServer;
let reference: FakeOpenAIServer;
beforeAll(async () => {
  [server, reference] = await Promise.all([startFakeOpenAI(SCRIPT), startFakeOpenAI(SCRIPT)]);
});
afterAll(async () => {
  await Promise.all([server.close(), reference.close()]);
});

// 5 variants × 1 model × 2 scenarios × 2 repeats = 20 cells, 2 at a time, 250 ms each: ≈ 2.5 s of calls.
const config = (s: FakeOpenAIServer) => ({ models: [fakeModel(s, 'model-a')], repeats: 2, concurrency: 2 });

/** The real CLI process: `project.spawnCli` starts tsx, which runs the CLI in a child of its own. */
function cliPid(wrapperPid: number): number {
  const file = `/proc/${wrapperPid}/task/${wrapperPid}/children`;
  const children = existsSync(file) ? readFileSync(file, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number) : [];
  return children[0] ?? wrapperPid;
}

/** Starts `eval`, waits until `lines` results are on disk, sends `signal` to the CLI process. */
async function interruptAfter(project: Project, lines: number, signal: NodeJS.Signals) {
  const child = project.spawnCli(['eval'], { env: FAST_ENV });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  const closed = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  const deadline = Date.now() + 40_000;
  for (;;) {
    const id = runIds(project.root).at(-1);
    const text = id && existsSync(path.join(project.root, 'reports', 'runs', id, 'results.jsonl')) ? resultsText(project.root, id) : '';
    if (text.split('\n').filter(Boolean).length >= lines) break;
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`run ended before ${lines} results: ${stderr}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  process.kill(cliPid(child.pid!), signal);
  const code = await closed;
  return { code, stdout, stderr, runId: runIds(project.root).at(-1)! };
}

const comparable = (rows: ResultLine[]) => byCell(rows).map((r) => ({ cellId: r.cellId, status: r.status, output: r.output, score: r.score }));

/** Every line of results.jsonl is whole JSON and no cell appears twice. */
function expectCleanLog(project: Project, runId: string): ResultLine[] {
  const text = resultsText(project.root, runId);
  expect(text.endsWith('\n')).toBe(true);
  const rows = readResults(project.root, runId);
  expect(new Set(rows.map((r) => r.cellId)).size).toBe(rows.length);
  return rows;
}

describe('eval: kill and resume', () => {
  it('SIGKILL mid-run, then --resume: no finished cell is called again; results equal an uninterrupted run', async () => {
    using project = evalProject({ config: config(server) });
    using uninterrupted = evalProject({ config: config(reference) });
    const [killed, full] = await Promise.all([interruptAfter(project, 6, 'SIGKILL'), uninterrupted.cli(['eval'], { env: FAST_ENV })]);
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

  it('SIGINT stops cleanly: finished cells kept, the command says how to resume, exit 130', async () => {
    server.reset();
    using project = evalProject({ config: config(server) });
    const stopped = await interruptAfter(project, 4, 'SIGINT');
    expect(stopped.code, stopped.stderr).toBe(130);
    expect(stopped.stderr).toContain('stopping: finished cells are kept');
    expect(stopped.stderr).toContain(`resume with: npm run eval -- --resume ${stopped.runId}`);
    expect(stopped.stderr).not.toContain('internal error');
    const kept = expectCleanLog(project, stopped.runId);
    expect(kept.length).toBeGreaterThanOrEqual(4);
    expect(kept.length).toBeLessThan(20);
    // Abandoned in-flight cells are not results: every kept line is a finished, scored cell.
    expect(kept.every((r) => r.status === 'pass' || r.status === 'fail')).toBe(true);

    const resumed = await project.cli(['eval', '--resume', stopped.runId], { env: FAST_ENV });
    expect(resumed.code, resumed.stdout + resumed.stderr).toBe(0);
    expect(expectCleanLog(project, stopped.runId)).toHaveLength(20);
  });
});
