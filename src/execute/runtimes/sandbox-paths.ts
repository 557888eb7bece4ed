/**
 * Where a tool call's paths lead, for the workspace sandbox of agent runtimes.
 *
 * A path is inside the workspace when, after resolving it against the workspace (so `..` is applied)
 * and following symlinks as far as the path exists (a symlink in the workspace that points out counts as
 * out), it is the workspace itself or below it. A path that does not exist yet (a file about to be
 * written) is judged by its deepest existing ancestor, so `new-dir/../../x` and a write through a
 * symlinked folder are both caught.
 *
 * Shell commands cannot be judged this way in general (variables, `$(…)`, interpreters, `cd` chains):
 * {@link shellCommandEscapes} is a conservative screen over the command's words, not a parser. See the
 * honest limits in `claude-code.ts`.
 *
 * @example
 * const ws = await realWorkspace('/tmp/cell-1/ws');
 * isInsideWorkspace(ws, '../outside');          // false
 * isInsideWorkspace(ws, 'src/app.ts');          // true
 */
import { existsSync, realpathSync } from 'node:fs';
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';

/** The workspace's own real path (symlinks in its parents resolved), the root every check compares with. */
export function realWorkspace(workspace: string): string {
  return realpathSync(resolve(workspace));
}

/** Resolves `path` against `root`, following symlinks through the deepest part of the path that exists. */
function resolveReal(root: string, path: string): string {
  const absolute = resolve(root, path);
  let existing = absolute;
  const rest: string[] = [];
  while (!existsSync(existing)) {
    const parent = dirname(existing);
    if (parent === existing) break;
    rest.unshift(existing.slice(parent.length).replace(/^[/\\]/, ''));
    existing = parent;
  }
  let real: string;
  try {
    real = realpathSync(existing);
  } catch {
    real = existing; // a dangling symlink or an unreadable folder: judge the path as written
  }
  return rest.length > 0 ? resolve(real, ...rest) : real;
}

/** True when `path` (relative to `root`, or absolute) stays inside `root` once `..` and symlinks are resolved. */
export function isInsideWorkspace(root: string, path: string): boolean {
  const real = resolveReal(root, path.startsWith('~') ? `/nonexistent-home${path.slice(1)}` : path);
  const rel = relative(root, real);
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel));
}

/** `path` relative to the workspace root (for `filesRead`), or undefined when it leads outside. */
export function workspaceRelative(root: string, path: string): string | undefined {
  if (!isInsideWorkspace(root, path)) return undefined;
  return relative(root, resolveReal(root, path)).split(sep).join('/');
}

/** The part of a glob before its first wildcard (`/etc/*.conf` → `/etc/`), which is what a search walks from. */
export function globBase(pattern: string): string {
  const wildcard = pattern.search(/[*?[{]/);
  const head = wildcard === -1 ? pattern : pattern.slice(0, wildcard);
  return head === '' ? '.' : head;
}

/**
 * Words of a shell command that name a path leaving the workspace (every word is resolved as a path:
 * absolute paths, `..` segments, `~`, symlinks in the workspace that lead out), and the things this screen
 * cannot follow (`$VAR`/`${…}`/`$(…)`/backticks, which may expand to anything).
 * Returns the offending words (empty when none). Quotes are stripped; redirections (`>file`) are split off.
 *
 * @example
 * shellCommandEscapes('/ws', 'touch ../outside-marker') // ['../outside-marker']
 * shellCommandEscapes('/ws', 'ls -la src && cat README.md') // []
 */
export function shellCommandEscapes(root: string, command: string): string[] {
  const offending: string[] = [];
  if (/\$[({A-Za-z_]|`/.test(command)) offending.push('shell expansion ($VAR, $(…) or backticks)');
  const words = command
    .split(/[\s;&|()<>]+/)
    .map((w) => w.replace(/^[0-9]*>+|^<+/, '').replace(/^['"]|['"]$/g, ''))
    .filter((w) => w !== '');
  for (const word of words) {
    // A flag's value (`--output=/tmp/x`) is a path too.
    const value = word.includes('=') ? word.slice(word.indexOf('=') + 1) : word;
    const candidate = value.replace(/^['"]|['"]$/g, '');
    if (candidate === '') continue;
    // Every word is judged as a path: a plain word resolves inside, `up/x` through a symlink that leads out does not.
    // /dev/null and friends are harmless and common in scripts.
    if (/^\/dev\/(null|stdout|stderr|stdin)$/.test(candidate)) continue;
    if (!isInsideWorkspace(root, globBase(candidate))) offending.push(candidate);
  }
  return offending;
}
