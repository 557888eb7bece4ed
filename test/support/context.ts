import type { Context } from '../../src/context.ts';

/** A context for tests: collects output lines in arrays. */
export function memoryContext(root: string, env: NodeJS.ProcessEnv = {}): Context & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return {
    root,
    env,
    out: (line) => stdout.push(line),
    err: (line) => stderr.push(line),
    write: (text) => stderr.push(text),
    isTTY: false,
    debug: false,
    pid: process.pid,
    stdout,
    stderr,
  };
}
