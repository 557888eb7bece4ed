/**
 * Paths in what an agent did, relative to its workspace. Pure.
 *
 * A cell's workspace copy lives under `reports/runs/<run>/cells/<cell>/workspace` (and, on OpenCode, in a
 * folder of its server's sandbox), so every absolute path an agent uses or a tool reports names the run,
 * the cell and the machine. Rewritten to `README.md`, `src/x.ts` (the workspace itself: `.`), a trajectory
 * is the same for the same behaviour on any run or machine: recordings stay byte for byte as they were,
 * and hold no local path.
 */
import type { TrajectoryRecord } from '../schema/trajectory.ts';

/** A character that continues a file name: `/ws` in `/ws2` or `/ws-old` is not the workspace. */
const NAME_CHAR = '[A-Za-z0-9._~+@-]';
/** What cannot start a path segment after a `/`: the path ended there (`/ws/` followed by a quote, a space…). */
const PATH_END = '[\\s\'"`,;:)\\]}>]';

/**
 * `text` with every occurrence of the workspace paths `roots` made relative to the workspace.
 * @example relativeToWorkspace('cat /tmp/c/workspace/README.md', ['/tmp/c/workspace']) // 'cat README.md'
 * @example relativeToWorkspace('cd /tmp/c/workspace', ['/tmp/c/workspace']) // 'cd .'
 */
export function relativeToWorkspace(text: string, roots: readonly string[]): string {
  return rewriter(roots)(text);
}

/**
 * The trajectory with every workspace path made relative: tool inputs (at any depth), outputs and
 * reasons, delegation prompts, files read, the diff and the changed files' text. `roots` are the paths
 * the agent saw as its workspace (the path given to the runtime, its realpath, the runtime's aliases).
 */
export function relativizeTrajectory(trajectory: TrajectoryRecord, roots: readonly string[]): TrajectoryRecord {
  return mapStrings(trajectory, rewriter(roots));
}

/** The rewrite for `roots`: one pattern, longest root first (a root inside another wins). */
function rewriter(roots: readonly string[]): (text: string) => string {
  const usable = [...new Set(roots.map((r) => r.replace(/\/+$/, '')))].filter((r) => r.length > 0).sort((a, b) => b.length - a.length);
  if (usable.length === 0) return (text) => text;
  const alternatives = usable.map((r) => r.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|');
  // The root, not followed by more of a name; then its `/` when a path inside it follows (`/ws/a` → `a`).
  const pattern = new RegExp(`(?:${alternatives})(?!${NAME_CHAR})(/+(?!${PATH_END}|$))?`, 'g');
  return (text) => text.replace(pattern, (_m, slash: string | undefined) => (slash ? '' : '.'));
}

/** `value` with `f` applied to every string in it (object keys kept). */
function mapStrings<T>(value: T, f: (s: string) => string): T {
  if (typeof value === 'string') return f(value) as T;
  if (Array.isArray(value)) return value.map((v) => mapStrings(v, f)) as T;
  if (value !== null && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, mapStrings(v, f)])) as T;
  return value;
}
