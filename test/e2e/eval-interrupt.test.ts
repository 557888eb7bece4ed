/**
 * Ctrl-C end to end (issue 7): SIGINT stops a run cleanly, keeps every finished cell (whole lines, no
 * abandoned in-flight cell), prints how to resume, and `--resume <id>` finishes it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOpenAI, type FakeOpenAIServer } from '../support/fake-openai-server.ts';
import { evalProject, FAST_ENV } from '../support/eval-project.ts';
import { config, expectCleanLog, interruptAfter, SCRIPT } from '../support/interrupt.ts';

let server: FakeOpenAIServer;
beforeAll(async () => {
  server = await startFakeOpenAI(SCRIPT);
});
afterAll(() => server.close());

describe('eval: Ctrl-C', () => {
  it('SIGINT stops cleanly: finished cells kept, the command says how to resume, exit 130', async () => {
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
