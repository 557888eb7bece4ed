/**
 * The real command line run in this test process: `runProgram` (src/program.ts) with argv, a captured
 * stdout and stderr, and the environment a child CLI would get (`childEnv`). Same commands, options,
 * messages and exit codes as the installed bin, without a process start per case; spawn the bin only
 * where the process is the subject (signals, pipes, packaging).
 *
 * @example
 * const r = await runCliInProcess(['--root', root, 'lint'], { cwd: root });
 * r.code // 1
 * r.stdout // 'agents/helper/x.md:4  error  …\n'
 */
import { afterAll, beforeAll } from 'vitest';
import { runProgram } from '../../src/program.ts';
import { childEnv } from './project-fixture.ts';
import { applyPromptfooTestEnv } from './promptfoo-test-env.ts';

export interface InProcessResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs `agent-evals ...args` with `cwd` as the working folder. Output is not a terminal (like a piped
 * child). An error the program does not turn into an exit code (a bug) rejects, as it would crash a process.
 */
export async function runCliInProcess(
  args: string[],
  opts: { cwd: string; env?: Record<string, string | undefined> },
): Promise<InProcessResult> {
  let stdout = '';
  let stderr = '';
  const code = await runProgram(args, {
    cwd: opts.cwd,
    env: childEnv(opts.cwd, opts.env),
    pid: process.pid,
    stdout: { write: (text) => void (stdout += text), isTTY: false },
    stderr: { write: (text) => void (stderr += text), isTTY: false },
  });
  return { code, stdout, stderr };
}

/**
 * For a test file that runs `eval` in-process: promptfoo, once a command imports it, reads its settings
 * from this process's environment (not from the command's `env`), so they point at a temp folder for the
 * file's duration. Only for offline evals (usage errors, bad input, replay): the per-run settings the
 * eval hands promptfoo through the environment (connections, timeout, 5xx retries) reach only a child
 * CLI, so an eval that calls a model server runs through `project.cli` (a process).
 */
export function usePromptfooInProcess(): void {
  let env: ReturnType<typeof applyPromptfooTestEnv> | undefined;
  beforeAll(() => {
    env = applyPromptfooTestEnv();
  });
  afterAll(() => env?.restore());
}
