import { mkdir } from 'node:fs/promises';
import { hostname } from 'node:os';
import path from 'node:path';
import { UsageError } from '../../errors.ts';
import { type HeldLock, type LockOwner, lockOwner, tryLock } from '../fs/lock.ts';

/**
 * One process owns a run folder at a time: `reports/runs/<id>/.lock` (the lock of `lock.ts`) holds the
 * owner's pid, host and start time. Two evals appending to one results.jsonl would duplicate cells and
 * history lines; a second one is refused, naming the owner. A lock whose owner died (same host, pid gone)
 * is taken over, by exactly one of the processes that find it; a lock from another host cannot be checked
 * and is never taken over: every refusal of it names the file to delete.
 */

export type { LockOwner } from '../fs/lock.ts';
export type RunLock = HeldLock;

const LOCK_NAME = '.lock';

/**
 * Takes the run folder's lock or throws a one-line UsageError naming its owner.
 *
 * @example
 * const lock = await lockRun(dir, 'reports/runs/20261121-223000-a1b2', ctx.pid);
 * try { ... } finally { await lock.release(); }
 */
export async function lockRun(dir: string, shown: string, pid: number): Promise<RunLock> {
  await mkdir(dir, { recursive: true });
  const got = await tryLock(path.join(dir, LOCK_NAME), pid);
  if ('lock' in got) return got.lock;
  if ('owner' in got) {
    const { owner } = got;
    throw new UsageError(
      `${shown} is in use by another agent-evals process (pid ${owner.pid} on ${owner.host}, since ${owner.startedAt}); wait for it to finish${otherHostHint(owner, shown)}`,
    );
  }
  throw new UsageError(
    `${shown}: could not take its lock (${LOCK_NAME}): other processes kept taking over its dead owner's lock; try again`,
  );
}

/** The live owner of a run folder, or undefined when none holds it (no lock, or its owner died on this host). */
export function runOwner(dir: string): Promise<LockOwner | undefined> {
  return lockOwner(path.join(dir, LOCK_NAME));
}

/**
 * What to add to "wait for it to finish" when the owner is on another host: its pid cannot be checked from
 * here, so a lock it left (it died, or the folder was copied) stays until someone deletes it.
 *
 * @example
 * otherHostHint({ pid: 7, host: 'ci-7', startedAt: '' }, 'reports/runs/x') // ', or delete reports/runs/x/.lock if no process on ci-7 runs it'
 */
export function otherHostHint(owner: LockOwner, shown: string): string {
  return owner.host === hostname() ? '' : `, or delete ${shown}/${LOCK_NAME} if no process on ${owner.host} runs it`;
}
