import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { GitInfo } from '../../schema/aggregate.ts';

const run = promisify(execFile);

async function git(root: string, args: string[]): Promise<string | undefined> {
  try {
    const { stdout } = await run('git', args, { cwd: root });
    return stdout.trim();
  } catch {
    return undefined;
  }
}

/** Commit, branch and dirty flag of the project, when it is a git checkout. */
export async function gitInfo(root: string): Promise<GitInfo> {
  const [commit, branch, status] = await Promise.all([
    git(root, ['rev-parse', 'HEAD']),
    git(root, ['rev-parse', '--abbrev-ref', 'HEAD']),
    git(root, ['status', '--porcelain']),
  ]);
  return {
    ...(commit ? { commit } : {}),
    ...(branch ? { branch } : {}),
    ...(status !== undefined ? { dirty: status.length > 0 } : {}),
  };
}
