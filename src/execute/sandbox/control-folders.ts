/**
 * Control folders: where a cell's model-proxy socket and an OpenCode server's API socket live, in the system's
 * temp folder (a socket path holds ≈ 100 bytes; a run folder can be deeper). Each is named after the harness
 * process that made it (its pid namespace and pid), so the next harness removes what a dead one left: a
 * SIGKILL, or a SIGTERM or SIGHUP that ends the process before the cell's own cleanup runs. (The run's
 * sandboxes themselves are swept from the run folder: io/run/sweep-sandboxes.ts.)
 *
 * Only folders of this user and of this pid namespace are swept (a pid means nothing across namespaces that
 * share a temp folder), and a folder that cannot be removed is left: a sweep never stops a cell.
 *
 * @example
 * const folders = sweepControlFolders(4242); // removes this namespace's agent-evals-ctl-<ns>-<dead pid>-*
 * folders.make('cc'); // '/tmp/agent-evals-ctl-4026531836-4242-cc-Xa81Qz'
 */
import { mkdtempSync, readdirSync, readlinkSync, rmSync, statSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import path from 'node:path';

const NAME = /^agent-evals-ctl-(\d+)-(\d+)-/;

export interface ControlFolders {
  /** A new folder of this process's, `label` saying for what (`cc`, `oc`). */
  make(label: string): string;
}

/** This process's pid namespace (the inode in `pid:[4026531836]`), or 0 where there is none to read. */
function pidNamespace(): number {
  try {
    return Number(/\[(\d+)\]/.exec(readlinkSync('/proc/self/ns/pid'))?.[1] ?? 0);
  } catch {
    return 0;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists, as another user's process.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Removes the control folders that dead harness processes of this user and namespace left, then makes this one's on request. */
export function sweepControlFolders(self: number, root = tmpdir(), namespace = pidNamespace()): ControlFolders {
  const uid = userInfo().uid;
  let names: string[] = [];
  try {
    names = readdirSync(root);
  } catch {
    // an unreadable temp folder: nothing to sweep
  }
  for (const name of names) {
    const m = NAME.exec(name);
    if (!m || Number(m[1]) !== namespace || Number(m[2]) === self || alive(Number(m[2]))) continue;
    const folder = path.join(root, name);
    try {
      if (statSync(folder).uid === uid) rmSync(folder, { recursive: true, force: true });
    } catch {
      // not ours to remove after all, or gone meanwhile
    }
  }
  return { make: (label) => mkdtempSync(path.join(root, `agent-evals-ctl-${namespace}-${self}-${label}-`)) };
}
