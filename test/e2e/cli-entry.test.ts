/**
 * The entry itself (bin/agent-evals.js → dist/cli.mjs → src/cli.ts), where the process is the subject:
 * argv reaches the program, its exit code becomes the process's, stdout and stderr are the process's
 * streams. What each command prints and returns is tested in-process (cli-usage.test.ts and others,
 * through test/support/run-cli.ts); these few cases hold the thin entry to the same behaviour.
 */
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createProject } from '../support/project-fixture.ts';
import { STACK_FRAME } from '../support/mini-project.ts';

const project = createProject({ seedAgents: false });
afterAll(() => project[Symbol.dispose]());

describe('the installed entry', () => {
  it('a usage error: one line on stderr, exit 2', async () => {
    const r = await project.cli(['eval', '--repeat', '0']);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe("error: option '--repeat <n>' argument '0' is invalid: expected a whole number from 1 to 100\n");
  });

  it('--version on stdout with the pinned runtimes, exit 0', async () => {
    const r = await project.cli(['--version']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^agent-evals \d+\.\d+\.\d+\nClaude Code runtime: .+\nOpenCode runtime: .+\n$/);
    expect(r.stderr).toBe('');
  });

  it("a command's exit code and output: lint of an empty project, exit 0 with its summary on stdout", async () => {
    const r = await project.cli(['lint']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).not.toBe('');
    expect(r.stderr).not.toMatch(STACK_FRAME);
  });

  it('a reader that goes away (`agent-evals --help | head -1`): no crash, no stack, the exit code of the command', async () => {
    const child = project.spawnCli(['--help']);
    // The read end is closed before the child writes anything: its first write meets a closed pipe (EPIPE).
    child.stdout!.destroy();
    let stderr = '';
    child.stderr!.on('data', (d) => (stderr += d));
    const [code] = await once(child, 'close');
    expect(stderr).not.toMatch(STACK_FRAME);
    expect(stderr).not.toMatch(/EPIPE/);
    expect(code, stderr).toBe(0);
  });

  it('--root defaults to the working folder: a missing one is named', async () => {
    const gone = mkdtempSync(path.join(tmpdir(), 'agent-evals-gone-'));
    rmSync(gone, { recursive: true });
    const r = await project.cli(['--root', gone, 'agents']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`error: --root ${gone}: no such folder`);
  });
});
