/**
 * Files as git sees them, relative to the project root (which may be a subfolder of the repository):
 * what changed since a ref, and a file's content at a ref without a checkout. Used by affected-only
 * runs (`--changed-since`) and by `--baseline <git-ref>`.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { UsageError } from '../../errors.ts';

const exec = promisify(execFile);
const MAX_BUFFER = 64 * 1024 * 1024;

async function git(root: string, args: string[]): Promise<string> {
  const { stdout } = await exec('git', args, { cwd: root, maxBuffer: MAX_BUFFER });
  return stdout;
}

function firstLine(err: unknown): string {
  const e = err as { stderr?: string; message?: string };
  return (e.stderr || e.message || String(err)).trim().split('\n')[0] ?? '';
}

/** The project root's path inside the repository, `''` or e.g. `evals-project/` (with the slash). */
async function gitPrefix(root: string): Promise<string> {
  try {
    return (await git(root, ['rev-parse', '--show-prefix'])).trim();
  } catch (err) {
    throw new UsageError(`${root} is not inside a git repository (${firstLine(err)}); --changed-since and --baseline <git-ref> need one`);
  }
}

/** Resolves `ref` to a commit, or throws a one-line error naming the option it came from. */
export async function resolveCommit(root: string, ref: string, option: string): Promise<string> {
  try {
    return (await git(root, ['rev-parse', '--verify', '--quiet', '--end-of-options', `${ref}^{commit}`])).trim();
  } catch {
    throw new UsageError(
      `${option} ${ref}: not a commit in this repository (in CI, check out with fetch-depth: 0 so the base branch is there)`,
    );
  }
}

/**
 * Files changed since `ref`: committed on this branch since it forked from `ref` (`ref...HEAD`),
 * plus staged, unstaged and untracked files. Paths are relative to the project root with forward
 * slashes; files outside the project root are left out.
 * @example await changedFilesSince(root, 'origin/main') // ['agents/backend-architect/x.md']
 */
export async function changedFilesSince(root: string, ref: string): Promise<string[]> {
  const prefix = await gitPrefix(root);
  await resolveCommit(root, ref, '--changed-since');
  // -z: names come out raw and NUL-separated; without it git quotes non-ASCII names ("caf\303\251.md").
  const [committed, worktree, untracked] = await Promise.all([
    git(root, ['diff', '-z', '--name-only', '--no-renames', `${ref}...HEAD`, '--']),
    git(root, ['diff', '-z', '--name-only', '--no-renames', 'HEAD', '--']),
    git(root, ['ls-files', '-z', '--others', '--exclude-standard', '--full-name']),
  ]);
  const files = new Set<string>();
  for (const file of `${committed}\0${worktree}\0${untracked}`.split('\0')) {
    if (file?.startsWith(prefix)) files.add(file.slice(prefix.length));
  }
  return [...files].sort();
}

/**
 * A project file's content as it was at `ref` (`git show <ref>:<prefix><file>`), or undefined when the
 * file did not exist there. An unknown ref, or any other failure of git, is an error: it never reads
 * as "no such file".
 * @example await showFileAtRef(root, 'origin/main', 'reports/baseline.json')
 */
export async function showFileAtRef(root: string, ref: string, file: string, option = '--baseline'): Promise<string | undefined> {
  const prefix = await gitPrefix(root);
  const commit = await resolveCommit(root, ref, option);
  const object = `${commit}:${prefix}${file}`;
  try {
    // `ls-tree` answers "not there" with empty output; only a real failure throws.
    const listed = await git(root, ['ls-tree', '--full-tree', '-z', '--name-only', commit, '--', `${prefix}${file}`]);
    if (!listed) return undefined;
    return await git(root, ['show', object]);
  } catch (err) {
    throw new UsageError(`${option} ${ref}: cannot read ${file} at that commit: git says: ${firstLine(err)}`);
  }
}
