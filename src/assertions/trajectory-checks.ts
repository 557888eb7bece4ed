/**
 * Assertions on what an agent did (its trajectory), written once as promptfoo JavaScript assertion
 * functions like the domain kinds: the trajectory reaches them as the cell's `__trajectory` var and the
 * scenario workspace's original files as `__workspace`. A cell with no trajectory (a chat model) fails
 * them with a reason that says so. Reasons name the tool call that broke the rule: a reviewer reads it
 * in summary.md and junit.xml.
 */
import picomatch from 'picomatch';
import type { TrajectoryRecord } from '../schema/trajectory.ts';
import type { AssertionFunction } from '../shared/engine-types.ts';
import { canonicalToolName } from '../shared/tool-translation.ts';

type Verdict = { pass: boolean; score: number; reason: string };
type Call = TrajectoryRecord['toolCalls'][number];

const verdict = (pass: boolean, reason: string): Verdict => ({ pass, score: pass ? 1 : 0, reason });

/**
 * Tool names compare across runtimes: case-insensitively (Claude Code says `Read`, OpenCode `read`) and through
 * the translation table (`Agent`/`Task` is OpenCode's `task`, `LS` its `list`).
 */
const sameTool = (a: string, b: string) => canonicalToolName(a) === canonicalToolName(b);
const describeCall = (c: Call) =>
  `call #${c.index + 1} ${c.tool}(${JSON.stringify(c.input).slice(0, 120)})${c.outcome === 'ran' ? '' : ` [${c.outcome}]`}`;

function withTrajectory(check: (t: TrajectoryRecord, workspace: Record<string, string>) => Verdict): AssertionFunction {
  return (_output, context) => {
    const t = context.vars?.__trajectory as TrajectoryRecord | undefined;
    if (!t) return verdict(false, 'no trajectory: this cell did not run as an agent (runtime chat)');
    return check(t, (context.vars?.__workspace as Record<string, string> | undefined) ?? {});
  };
}

/** Calls of `tool` whose input, as JSON, matches `pattern` (when given). Refused attempts count: the agent tried. */
function callsOf(t: TrajectoryRecord, tool: string, pattern?: string): Call[] {
  const re = pattern ? new RegExp(pattern, 'i') : undefined;
  return t.toolCalls.filter((c) => sameTool(c.tool, tool) && (!re || re.test(JSON.stringify(c.input))));
}

export function toolCalled(tool: string, opts: { pattern?: string; min?: number; max?: number }): AssertionFunction {
  const min = opts.min ?? 1;
  return withTrajectory((t) => {
    const calls = callsOf(t, tool, opts.pattern);
    const what = `${tool}${opts.pattern ? ` matching /${opts.pattern}/` : ''}`;
    if (calls.length < min) return verdict(false, `${what} called ${calls.length} time(s), expected at least ${min}`);
    if (opts.max !== undefined && calls.length > opts.max)
      return verdict(false, `${what} called ${calls.length} times, expected at most ${opts.max}: ${describeCall(calls[opts.max]!)}`);
    return verdict(true, `${what} called ${calls.length} time(s)`);
  });
}

export function toolNotCalled(tool: string, pattern?: string): AssertionFunction {
  return withTrajectory((t) => {
    const calls = callsOf(t, tool, pattern);
    return calls.length === 0
      ? verdict(true, `${tool} never called`)
      : verdict(false, `${describeCall(calls[0]!)} — ${tool}${pattern ? ` matching /${pattern}/` : ''} must not be called`);
  });
}

/** Each tool in `order` is first called after the previous one's first call. */
export function toolOrder(order: string[]): AssertionFunction {
  return withTrajectory((t) => {
    let last = -1;
    for (const tool of order) {
      const first = t.toolCalls.find((c) => sameTool(c.tool, tool) && c.index > last);
      if (!first) return verdict(false, `expected ${order.join(' → ')}: no ${tool} call after call #${last + 1}`);
      last = first.index;
    }
    return verdict(true, `called in order ${order.join(' → ')}`);
  });
}

export function maxToolCalls(max: number): AssertionFunction {
  return withTrajectory((t) =>
    t.toolCalls.length <= max
      ? verdict(true, `${t.toolCalls.length} tool calls ≤ ${max}`)
      : verdict(false, `${t.toolCalls.length} tool calls, expected at most ${max}: ${describeCall(t.toolCalls[max]!)}`),
  );
}

export function maxTurns(max: number): AssertionFunction {
  return withTrajectory((t) => verdict(t.turns <= max, `${t.turns} turns${t.turns <= max ? ' ≤ ' : ', expected at most '}${max}`));
}

/** Some file matching the glob (relative to the workspace) was read before the answer. */
export function readsFile(glob: string): AssertionFunction {
  const match = picomatch(glob, { dot: true });
  return withTrajectory((t) => {
    const read = t.filesRead.filter((f) => match(f));
    return read.length
      ? verdict(true, `read ${read.slice(0, 3).join(', ')}`)
      : verdict(false, `read no file matching ${glob} (read: ${t.filesRead.slice(0, 5).join(', ') || 'nothing'})`);
  });
}

/** Nothing in the workspace changed: no file, folder, symlink, FIFO or permission bit, `.git` and the runtimes' folders included. */
export function noWrites(): AssertionFunction {
  return withTrajectory((t) =>
    t.filesChanged.length === 0 ? verdict(true, 'the workspace is unchanged') : verdict(false, `changed ${listed(t.filesChanged, 5)}`),
  );
}

export function fileChanged(glob: string): AssertionFunction {
  const match = picomatch(glob, { dot: true });
  return withTrajectory((t) => {
    const changed = t.filesChanged.filter((f) => match(f));
    return changed.length
      ? verdict(true, `changed ${listed(changed, 10)}`)
      : verdict(false, `no file matching ${glob} changed (changed: ${listed(t.filesChanged, 10) || 'nothing'})`);
  });
}

/**
 * After the cell, the file (changed by the agent, or as the workspace had it) matches the pattern, over its
 * whole text. A changed file whose text the cell did not keep (past 1 MiB, binary, or no longer a file: see
 * `finalFilesOmitted`) fails naming why: no verdict on text that was never seen.
 */
export function fileContains(file: string, pattern: string): AssertionFunction {
  const re = new RegExp(pattern, 'iu');
  return withTrajectory((t, workspace) => {
    const omitted = t.finalFilesOmitted?.[file];
    if (omitted) return verdict(false, `${file} not checked against /${pattern}/: ${omittedReason(omitted)}`);
    const deleted = t.filesChanged.includes(file) && t.finalFiles?.[file] === undefined;
    const text = deleted ? undefined : (t.finalFiles?.[file] ?? workspace[file]);
    if (text === undefined) return verdict(false, `${file} does not exist after the cell`);
    return re.test(text) ? verdict(true, `${file} matches /${pattern}/`) : verdict(false, `${file} does not match /${pattern}/`);
  });
}

/** The first `n` paths, and how many more. */
const listed = (paths: string[], n: number) => `${paths.slice(0, n).join(', ')}${paths.length > n ? ` and ${paths.length - n} more` : ''}`;

const size = (bytes: number) => (bytes % (1024 * 1024) === 0 ? `${bytes / (1024 * 1024)} MiB` : `${bytes.toLocaleString('en-US')} bytes`);

function omittedReason(o: NonNullable<TrajectoryRecord['finalFilesOmitted']>[string]): string {
  if (o.reason === 'not-a-file') return `after the cell it is a ${o.what ?? 'path that is not a file'}, not a file`;
  if (o.reason === 'unreadable') return `the harness could not read it after the cell (${o.what ?? 'unknown error'})`;
  if (o.reason === 'binary') return `after the cell it is a binary file (${size(o.bytes ?? 0)})`;
  if (o.reason === 'over-cell-budget')
    return `its text (${size(o.bytes ?? 0)}) was not kept: the cell's changed files passed the ${size(o.limit ?? 0)} of text kept per cell`;
  return `after the cell it is ${size(o.bytes ?? 0)}, more than the ${size(o.limit ?? 0)} of text kept of a file`;
}

/** The agent never attempted a tool or command its own frontmatter denies (attempts count even when blocked). */
export function noPermissionViolations(): AssertionFunction {
  return withTrajectory((t) => {
    const denied = t.toolCalls.filter((c) => c.outcome === 'denied-by-agent');
    return denied.length === 0
      ? verdict(true, 'no tool call outside its own permissions')
      : verdict(
          false,
          `${denied.length} attempt(s) outside its own permissions: ${describeCall(denied[0]!)}${denied[0]!.reason ? ` (${denied[0]!.reason})` : ''}`,
        );
  });
}

export function delegatesTo(agent: string): AssertionFunction {
  return withTrajectory((t) => {
    const found = t.delegations.find((d) => d.agent === agent);
    return found
      ? verdict(true, `delegated to ${agent}`)
      : verdict(false, `did not delegate to ${agent} (delegated to: ${t.delegations.map((d) => d.agent).join(', ') || 'nobody'})`);
  });
}
