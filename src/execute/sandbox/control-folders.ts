/**
 * Control folders: where a cell's model-proxy socket and an OpenCode server's API socket live, in the system's
 * temp folder (a socket path holds ≈ 100 bytes; a run folder can be deeper). Each is named after the harness
 * process that made it, so the next harness removes what a dead one left: a SIGKILL, or a SIGTERM or SIGHUP
 * that ends the process before the cell's own cleanup runs. (The run's sandboxes themselves are swept from the
 * run folder: io/run/sweep-sandboxes.ts.)
 *
 * @example
 * const folders = controlFolders(4242); // removes /tmp/agent-evals-ctl-<dead pid>-*
 * folders.make('cc'); // '/tmp/agent-evals-ctl-4242-cc-Xa81Qz'
 */
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const NAME = /^agent-evals-ctl-(\d+)-/;

export interface ControlFolders {
  /** A new folder of this process's, `label` saying for what (`cc`, `oc`). */
  make(label: string): string;
}

/** Removes the control folders of harness processes that are gone, then makes this one's on request. */
export function controlFolders(self: number, root = tmpdir()): ControlFolders {
  let names: string[] = [];
  try {
    names = readdirSync(root);
  } catch {
    // an unreadable temp folder: nothing to sweep
  }
  for (const name of names) {
    const pid = NAME.exec(name)?.[1];
    if (pid && Number(pid) !== self && !existsSync(`/proc/${pid}`)) rmSync(path.join(root, name), { recursive: true, force: true });
  }
  return { make: (label) => mkdtempSync(path.join(root, `agent-evals-ctl-${self}-${label}-`)) };
}
