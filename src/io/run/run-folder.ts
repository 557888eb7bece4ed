import { readdir, rmdir } from 'node:fs/promises';
import path from 'node:path';
import type { Context } from '../../context.ts';
import { UsageError } from '../../errors.ts';
import { assertRunIdName } from './run-id.ts';
import { lockRun } from './run-lock.ts';
import type { RunMeta } from '../../schema/run-meta.ts';
import { latestRunId, newRunId, runDir, streamRun } from './run-store.ts';
import { sweepDeadSandboxes } from './sweep-sandboxes.ts';
import { assertReportsWritable } from '../fs/writable.ts';

/** A run folder owned by this process: its id, its path, and the run it holds when resumed. */
export interface OwnedRun {
  runId: string;
  dir: string;
  /** The run being resumed: its meta.json (its cells are read line by line when resumed: io/run/resumed-run.ts). */
  previous?: { meta: RunMeta; warnings: string[] };
}

/**
 * Opens the run folder (a new one, or the one `--resume` names, default the latest), owns it for the
 * duration of `fn` (a second process on it is refused, naming this one), removes what dead runs left of
 * their sandboxes, checks that reports/ takes
 * writes before anything is called, and removes the folder again if `fn` failed before writing a
 * meta.json (nothing half-written).
 *
 * @example
 * await withRunFolder(ctx, { resume: true }, async (run) => {
 *   // run.previous: the run resumed; results and meta go to run.dir
 * });
 */
export async function withRunFolder<T>(ctx: Context, opts: { resume?: string | boolean }, fn: (run: OwnedRun) => Promise<T>): Promise<T> {
  if (typeof opts.resume === 'string') assertRunIdName(opts.resume, '--resume');
  const runId = !opts.resume ? newRunId() : typeof opts.resume === 'string' ? opts.resume : await latestRunId(ctx.root);
  if (!runId) throw new UsageError('--resume: no run to resume in reports/runs/');
  const dir = runDir(ctx.root, runId);
  const lock = await lockRun(dir, `reports/runs/${runId}`, ctx.pid);
  try {
    await assertReportsWritable(ctx.root);
    // A run killed mid-cell (SIGKILL) left its sandboxes: they go before this run starts any.
    await sweepDeadSandboxes(path.dirname(dir), ctx.pid, opts.resume ? dir : undefined);
    // Checked line by line (a damaged run is refused), nothing kept but its meta.json and warnings.
    const previous = opts.resume ? await streamRun(dir, () => {}) : undefined;
    for (const w of previous?.warnings ?? []) ctx.err(`warning: ${w}`);
    return await fn({ runId, dir, ...(previous ? { previous } : {}) });
  } finally {
    await lock.release();
    await rmdirIfEmpty(dir);
  }
}

async function rmdirIfEmpty(dir: string): Promise<void> {
  const entries = await readdir(dir).catch(() => undefined);
  if (entries && entries.length === 0) await rmdir(dir).catch(() => undefined);
}
