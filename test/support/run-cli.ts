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
import { spawn } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { runProgram } from '../../src/program.ts';
import { childEnv, type CliResult, REPO_ROOT } from './project-fixture.ts';
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

/**
 * The installed bin as a child process on an existing folder (`--root root`, working folder root): for
 * a live eval or where the process is the subject.
 *
 * @example
 * const r = await runCliProcess(root, ['eval', '--record']);
 */
export function runCliProcess(root: string, args: string[], env: Record<string, string | undefined> = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(REPO_ROOT, 'bin', 'agent-evals.js'), '--root', root, ...args], {
      cwd: root,
      env: childEnv(root, env),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

/**
 * `agent-evals --root root ...args` in-process, working folder root: `project.cli(args)` without a process.
 *
 * @example
 * const r = await runCliOn(project.root, ['gate']);
 */
export function runCliOn(root: string, args: string[], env: Record<string, string | undefined> = {}): Promise<InProcessResult> {
  return runCliInProcess(['--root', root, ...args], { cwd: root, env });
}
