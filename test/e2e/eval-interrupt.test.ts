/**
 * Ctrl-C end to end (issue 7): SIGINT stops a run cleanly, keeps every finished cell (whole lines, no
 * abandoned in-flight cell), prints how to resume, and `--resume <id>` finishes it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOpenAI, type FakeOpenAIServer } from '../support/fake-openai-server.ts';
import { evalProject, fakeModel, FAST_ENV } from '../support/eval-project.ts';
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
    const stopped = await interruptAfter(project, server, 3, 'SIGINT', ['eval', '-c', 'evals/slow.yaml', '--repeat', '1']);
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
