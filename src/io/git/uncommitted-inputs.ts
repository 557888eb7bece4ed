/**
 * What of a project's inputs no commit holds yet, for `bless`: a baseline blessed from them describes
 * prompts and scenarios that later runs cannot be checked out at.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const exec = promisify(execFile);

/** The folders whose files decide a run's cells: agent files, scenarios (with their workspaces), eval configs. */
export const INPUT_FOLDERS = ['agents', 'scenarios', 'evals'];

/**
 * Files under agents/, scenarios/ and evals/ (and `extra` paths, such as a config file kept elsewhere) that
 * differ from the last commit: modified, staged, deleted or untracked; git-ignored files do not count.
 * Paths relative to the project root (which may be a subfolder of the repository), sorted. Undefined when
 * the project is not in a git repository or git cannot be run: there is nothing to compare with.
 *
 * @example
 * await uncommittedInputs(root, ['evals/default.yaml']) // ['agents/helper/terse.md', 'scenarios/s3.yaml']
 */
export async function uncommittedInputs(root: string, extra: string[] = []): Promise<string[] | undefined> {
  const git = async (args: string[]) => (await exec('git', args, { cwd: root, maxBuffer: 64 * 1024 * 1024 })).stdout;
  let prefix: string;
  let status: string;
  try {
    prefix = (await git(['rev-parse', '--show-prefix'])).trim();
    // -z: names raw and NUL-separated (no quoting); --no-renames: one name per entry.
    status = await git(['status', '--porcelain=v1', '-z', '--untracked-files=all', '--no-renames', '--', ...INPUT_FOLDERS, ...extra]);
  } catch {
    return undefined;
  }
  const files = new Set<string>();
  for (const entry of status.split('\0')) {
    // "XY path", the path relative to the repository root.
    const file = entry.slice(3);
    if (entry.length > 3 && file.startsWith(prefix)) files.add(file.slice(prefix.length));
  }
  return [...files].sort();
}
