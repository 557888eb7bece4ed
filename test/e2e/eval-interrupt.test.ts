/**
 * Ctrl-C end to end (issue 7): SIGINT stops a run cleanly, keeps every finished cell (whole lines, no
 * abandoned in-flight cell), prints how to resume, and `--resume <id>` finishes it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOpenAI, type FakeOpenAIServer } from '../support/fake-openai-server.ts';
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Project } from '../support/project-fixture.ts';
import { evalProject, fakeModel, FAST_ENV, resultsText, runIds } from '../support/eval-project.ts';
import { config, expectCleanLog, interruptAfter, SCRIPT } from '../support/interrupt.ts';

let server: FakeOpenAIServer;
beforeAll(async () => {
  server = await startFakeOpenAI(SCRIPT);
});
afterAll(() => server.close());

describe('eval: Ctrl-C', () => {
  it('SIGINT stops cleanly: finished cells kept, the command says how to resume, exit 130', async () => {
    using project = evalProject({ config: config(server) });
    const stopped = await interruptAfter(project, server, 4, 'SIGINT');
    expect(stopped.code, stopped.stderr).toBe(130);
    expect(stopped.stderr).toContain('stopping: finished cells are kept');
    expect(stopped.stderr).toContain(`resume with: npx agent-evals eval --resume ${stopped.runId}`);
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

  it('the resume hint is the command that resumes: -c and --repeat kept, and running it finishes the run', async () => {
    using project = evalProject({ config: config(server) });
    // Another config than the default (one call at a time), and fewer repeats than it says: 5 × 2 × 1 = 10 cells.
    project.write('evals/slow.yaml', { models: [fakeModel(server, 'model-a')], repeats: 2, concurrency: 1, timeoutMs: 10_000 });
    const stopped = await interruptRun(project, 3, ['eval', '-c', 'evals/slow.yaml', '--repeat', '1']);
    expect(stopped.code, stopped.stderr).toBe(130);
    const hint = stopped.stderr.split('\n').find((l) => l.startsWith('resume with: '));
    expect(hint).toBe(`resume with: npx agent-evals eval -c evals/slow.yaml --repeat 1 --resume ${stopped.runId}`);
    const args = hint!.slice('resume with: npx agent-evals '.length).split(' ');
    const resumed = await project.cli(args, { env: FAST_ENV });
    expect(resumed.code, resumed.stdout + resumed.stderr).toBe(0);
    expect(resumed.stdout).toContain(`resuming ${stopped.runId}`);
    expect(expectCleanLog(project, stopped.runId)).toHaveLength(10);
  });
});

/**
 * Starts `agent-evals <args>`, waits until `lines` results are on disk, sends SIGINT (as Ctrl-C does). The
 * server holds every answer after the first `lines` until then: the run is part-way, however slow the machine.
 */
async function interruptRun(project: Project, lines: number, args: string[]) {
  let release: () => void = () => {};
  const signalled = new Promise<void>((resolve) => {
    release = resolve;
  });
  let answered = 0;
  server.configure({ holdAnswer: () => (answered++ < lines ? undefined : signalled) });
  const child = project.spawnCli(args, { env: FAST_ENV });
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  child.stdout!.resume();
  const closed = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  try {
    for (;;) {
      const id = runIds(project.root).at(-1);
      const text = id && existsSync(path.join(project.root, 'reports', 'runs', id, 'results.jsonl')) ? resultsText(project.root, id) : '';
      if (text.split('\n').filter(Boolean).length >= lines) break;
      if (child.exitCode !== null) throw new Error(`run ended before ${lines} results: ${stderr}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    process.kill(child.pid!, 'SIGINT');
  } finally {
    release();
    server.configure({ holdAnswer: undefined });
  }
  const code = await closed;
  return { code, stderr, runId: runIds(project.root).at(-1)! };
}
