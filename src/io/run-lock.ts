import { mkdir, open, readFile, rm, stat } from 'node:fs/promises';
import { hostname } from 'node:os';
import path from 'node:path';
import { UsageError } from '../errors.ts';

/**
 * One process owns a run folder at a time: `reports/runs/<id>/.lock` holds the owner's pid, host and
 * start time. Two evals appending to one results.jsonl would duplicate cells and history lines; a
 * second one is refused, naming the owner. A lock whose owner died (same host, pid gone) is taken
 * over; a lock from another host cannot be checked and is never taken over silently.
 */

export interface LockOwner {
  pid: number;
  host: string;
  startedAt: string;
}

export interface RunLock {
  release(): Promise<void>;
}

const LOCK_NAME = '.lock';

/** Whether a process with this pid exists on this host (signal 0 checks without sending anything). */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to another user.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Takes the run folder's lock or throws a one-line UsageError naming its owner.
 *
 * @example
 * const lock = await lockRun(dir, 'reports/runs/20261121-223000-a1b2', ctx.pid);
 * try { ... } finally { await lock.release(); }
 */
export async function lockRun(dir: string, shown: string, pid: number): Promise<RunLock> {
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, LOCK_NAME);
  const me: LockOwner = { pid, host: hostname(), startedAt: new Date().toISOString() };
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const handle = await open(file, 'wx');
      try {
        await handle.writeFile(`${JSON.stringify(me)}\n`);
      } finally {
        await handle.close();
      }
      return { release: () => rm(file, { force: true }) };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const owner = (await readLockOwner(dir)) ?? (await justWritten(file));
    if (owner && !(owner.host === me.host && !isAlive(owner.pid))) {
      throw new UsageError(
        `${shown} is in use by another agent-evals process (pid ${owner.pid} on ${owner.host}, since ${owner.startedAt}); wait for it to finish${owner.host === me.host ? '' : `, or delete ${shown}/${LOCK_NAME} if no process on ${owner.host} runs it`}`,
      );
    }
    // The owner died (or left an unreadable lock): take it over. The `wx` open above still lets exactly
    // one of several processes doing the same win.
    await rm(file, { force: true });
  }
  throw new UsageError(`${shown}: could not take its lock (${LOCK_NAME}); another process keeps taking it`);
}

/** The live owner of a run folder, or undefined when none holds it (no lock, or its owner died). */
export async function runOwner(dir: string): Promise<LockOwner | undefined> {
  const owner = await readLockOwner(dir);
  if (!owner) return undefined;
  return owner.host === hostname() && !isAlive(owner.pid) ? undefined : owner;
}

/** A lock file that cannot be read yet may be one another process is writing this instant. */
async function justWritten(file: string): Promise<LockOwner | undefined> {
  const age = await stat(file).then(
    (s) => Date.now() - s.mtimeMs,
    () => Infinity,
  );
  return age < 5_000 ? { pid: -1, host: 'unknown (lock being written)', startedAt: new Date().toISOString() } : undefined;
}

async function readLockOwner(dir: string): Promise<LockOwner | undefined> {
  try {
    const json = JSON.parse(await readFile(path.join(dir, LOCK_NAME), 'utf8')) as Partial<LockOwner>;
    if (typeof json.pid === 'number' && typeof json.host === 'string')
      return { pid: json.pid, host: json.host, startedAt: String(json.startedAt ?? '') };
  } catch {
    // missing or unreadable
  }
  return undefined;
}
