import { createHash, randomBytes } from 'node:crypto';
import { link, lstat, readFile, rmdir, unlink, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * The one lock of agent-evals: a run folder's `.lock` and `reports/history.jsonl.lock`. A lock is a file
 * holding its owner's pid, host, start time and a random token, created whole in one step (written beside
 * its name, then hard-linked to it: the link fails when the name exists, so of several creators exactly one
 * wins, and nobody ever reads a half-written lock).
 *
 * A lock whose owner died (same host, pid gone) is taken over. Removing a dead lock by its name is where
 * lock files usually break — proper-lockfile 4.1.2 (its stale takeover: stat, rmdir, mkdir) and this
 * project's former run lock alike: two processes find the same dead lock, one removes it and takes the
 * name, the other removes that fresh lock and takes it too. Here a dead lock is removed only by the one
 * process holding its takeover lock (`<lock>.takeover-<hash of the dead lock's contents>`, a lock of this
 * same kind), and only while the name still holds those exact contents. A fresh lock's contents differ (its
 * token), so nobody who judged an older lock dead can remove it; a takeover lock whose owner died is taken
 * over the same way, one level down.
 *
 * A lock from another host cannot be checked and is never taken over. A release removes the lock only if
 * it still holds the contents this owner wrote.
 */

export interface LockOwner {
  pid: number;
  host: string;
  startedAt: string;
}

export interface HeldLock {
  /** Removes the lock if it is still this owner's; never another process's. */
  release(): Promise<void>;
}

/** Taken; or held by a live owner; or `busy`: other processes were removing a dead owner's lock the whole time. */
type LockAttempt = { lock: HeldLock } | { owner: LockOwner } | { busy: true };

/** What is at a lock's name. `identity` tells one lock instance from every other (a fresh lock has a new token). */
interface Found {
  identity: string;
  owner: LockOwner;
  live: boolean;
  folder: boolean;
}

const ATTEMPTS = 30;
/** Takeover locks of takeover locks: each level needs a process to die inside the one before. */
const MAX_DEPTH = 4;
/**
 * A folder at a lock's name is the history lock of an agent-evals before this lock (proper-lockfile: a
 * folder refreshed every 30 s while held): live while it was touched within this long.
 */
const FOLDER_LOCK_LIVE_MS = 60_000;

/**
 * Tries once, without waiting for a live owner, to take the lock `file` for process `pid` (default: this one).
 *
 * @example
 * const got = await tryLock('/repo/reports/runs/20261121-223000-a1b2/.lock', ctx.pid);
 * if ('lock' in got) try { ... } finally { await got.lock.release(); }
 */
export function tryLock(file: string, pid: number = process.pid): Promise<LockAttempt> {
  return take(file, pid, 0);
}

/** The live owner of the lock `file`, or undefined when nobody holds it (no lock, or its owner died on this host). */
export async function lockOwner(file: string): Promise<LockOwner | undefined> {
  const found = await inspect(file);
  return found?.live ? found.owner : undefined;
}

async function take(file: string, pid: number, depth: number): Promise<LockAttempt> {
  const text = `${JSON.stringify({ pid, host: hostname(), startedAt: new Date().toISOString(), token: randomBytes(12).toString('hex') })}\n`;
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    if (await createWhole(file, text)) return { lock: { release: () => removeIfStill(file, text) } };
    const found = await inspect(file);
    if (!found) continue; // released in between: try again
    if (found.live) return { owner: found.owner };
    if (depth < MAX_DEPTH && (await removeDead(file, found, pid, depth))) continue;
    // Another live process is removing this dead lock right now: give it a moment.
    await sleep(Math.min(2 ** attempt, 50));
  }
  return { busy: true };
}

/**
 * Removes the dead lock `found` at `file` if this process wins its takeover lock; true when it did (or when
 * the lock was gone by then), false when another live process holds the takeover.
 */
async function removeDead(file: string, found: Found, pid: number, depth: number): Promise<boolean> {
  const guard = `${file}.takeover-${createHash('sha256').update(found.identity).digest('hex').slice(0, 16)}`;
  const got = await take(guard, pid, depth + 1);
  if (!('lock' in got)) return false;
  try {
    // Only this process may remove this instance now; the name holds it or a lock that is not to be touched.
    const now = await inspect(file);
    if (now?.identity === found.identity) await (now.folder ? rmdir(file) : unlink(file)).catch(ignoreMissing);
  } finally {
    await got.lock.release();
  }
  return true;
}

/** Creates `file` holding `text`, whole, unless the name exists (false). */
async function createWhole(file: string, text: string): Promise<boolean> {
  const tmp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
  await writeFile(tmp, text, { flag: 'wx' });
  try {
    await link(tmp, file);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  } finally {
    await unlink(tmp).catch(ignoreMissing);
  }
}

async function removeIfStill(file: string, text: string): Promise<void> {
  // Between this read and the unlink nobody else removes it: this owner is alive, so nobody judges it dead.
  const now = await readFile(file, 'utf8').catch(() => undefined);
  if (now === text) await unlink(file).catch(ignoreMissing);
}

async function inspect(file: string): Promise<Found | undefined> {
  const stat = await lstat(file).catch(ignoreMissing);
  if (!stat) return undefined;
  if (stat.isDirectory()) {
    const live = Date.now() - stat.mtimeMs < FOLDER_LOCK_LIVE_MS;
    const owner = { pid: -1, host: 'unknown (a lock folder of an older agent-evals)', startedAt: stat.mtime.toISOString() };
    return { identity: `folder ${stat.ino} ${stat.mtimeMs}`, owner, live, folder: true };
  }
  const text = await readFile(file, 'utf8').catch(ignoreMissing);
  if (text === undefined) return undefined;
  const owner = parseOwner(text);
  // An unreadable lock file is nobody's (every lock is written whole before it has its name).
  if (!owner)
    return { identity: text, owner: { pid: -1, host: 'unknown (an unreadable lock)', startedAt: '' }, live: false, folder: false };
  return { identity: text, owner, live: owner.host !== hostname() || isAlive(owner.pid), folder: false };
}

function parseOwner(text: string): LockOwner | undefined {
  try {
    const json = JSON.parse(text) as Partial<LockOwner>;
    if (typeof json.pid === 'number' && typeof json.host === 'string')
      return { pid: json.pid, host: json.host, startedAt: String(json.startedAt ?? '') };
  } catch {
    // not JSON
  }
  return undefined;
}

/** Whether a process with this pid exists on this host (signal 0 checks without sending anything). */
function isAlive(pid: number): boolean {
  // 0 and negative pids name process groups, not a process.
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to another user.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function ignoreMissing(err: NodeJS.ErrnoException): undefined {
  if (err.code === 'ENOENT') return undefined;
  throw err;
}
