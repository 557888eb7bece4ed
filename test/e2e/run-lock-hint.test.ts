/**
 * A finished run whose `.lock` names a process on another host (a run folder copied from CI, a runner that
 * died): the lock cannot be checked from here, so readers refuse it, and say the way out `eval` gives.
 */
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { uniform, writeRun } from '../support/ci-project.ts';
import { AGENT_FILES, scenarioYaml, STACK_FRAME } from '../support/mini-project.ts';
import { createProject } from '../support/project-fixture.ts';

const RUN = '20260101-000000-base';

describe('a run locked by a process on another host', () => {
  it('gate and bless refuse it in one line naming the lock file to delete, and take it once it is gone', async () => {
    using p = createProject({
      seedAgents: false,
      files: { ...AGENT_FILES, 'scenarios/s1.yaml': scenarioYaml(1) },
      evalConfig: { models: [{ id: 'openai:chat:m1', config: { apiBaseUrl: 'http://127.0.0.1:9', apiKey: 'test-key' } }] },
    });
    const dir = writeRun(p.root, RUN, uniform('helper/alpha', 3, 'PP'));
    const lock = path.join(dir, '.lock');
    writeFileSync(lock, `${JSON.stringify({ pid: 4_200_000, host: 'ci-runner-7', startedAt: '2026-01-01T00:00:00.000Z' })}\n`);

    for (const args of [['gate'], ['bless']]) {
      const r = await p.cli(args);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr.trim()).toBe(
        `error: ${args[0]}: run ${RUN} is still running (pid 4200000 on ci-runner-7); wait for it to finish, or delete reports/runs/${RUN}/.lock if no process on ci-runner-7 runs it`,
      );
      expect(r.stderr).not.toMatch(STACK_FRAME);
    }
    // eval gives the same way out for the same lock.
    const resumed = await p.cli(['eval', '--resume', RUN]);
    expect(resumed.code, resumed.stderr).toBe(2);
    expect(resumed.stderr).toContain(`, or delete reports/runs/${RUN}/.lock if no process on ci-runner-7 runs it`);
    expect(existsSync(lock)).toBe(true);

    rmSync(lock); // what the line says to do
    const bless = await p.cli(['bless']);
    expect(bless.code, bless.stderr).toBe(0);
  });
});
