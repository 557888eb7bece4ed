import { readdirSync, readlinkSync } from 'node:fs';
import { readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { runOwner } from './run-lock.ts';

/** What a run leaves while its agent cells run: the cells' workspace copies and homes, OpenCode's sandbox folders. */
const SANDBOX_FOLDERS = ['cells', 'opencode-home'];

/**
 * Ends what a dead run left behind and removes its sandboxes: for every run folder that no live process owns
 * (its lock names a pid that is gone, or it has no lock) and for the run about to be resumed, every process
 * still working in it is killed, then its `cells/` and `opencode-home/` are removed. Sandboxed programs die
 * with the harness (`--die-with-parent`), so this finds processes only when a run was not jailed or the
 * kernel was slower than the next command; the folders are always left by a SIGKILL.
 *
 * @example
 * await sweepDeadSandboxes('/repo/reports/runs', ctx.pid, '/repo/reports/runs/20261204-101500-a1b2'); // → 1 (folders removed)
 */
export async function sweepDeadSandboxes(runsDir: string, self: number, resumed?: string): Promise<number> {
  const runs = await readdir(runsDir, { withFileTypes: true }).catch(() => []);
  let swept = 0;
  for (const entry of runs) {
    if (!entry.isDirectory()) continue;
    const dir = path.join(runsDir, entry.name);
    const left = (await readdir(dir).catch(() => [])).filter((f) => SANDBOX_FOLDERS.includes(f));
    if (left.length === 0 || (dir !== resumed && (await runOwner(dir)))) continue;
    killProcessesIn(dir, self);
    await Promise.all(left.map((f) => rm(path.join(dir, f), { recursive: true, force: true })));
    swept++;
  }
  return swept;
}

/** SIGKILL to every process whose working directory is inside `dir` (Linux: read from /proc; elsewhere nothing). */
function killProcessesIn(dir: string, self: number): void {
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((p) => /^\d+$/.test(p) && Number(p) !== self);
  } catch {
    return;
  }
  for (const pid of pids) {
    try {
      const cwd = readlinkSync(`/proc/${pid}/cwd`);
      if (cwd === dir || cwd.startsWith(`${dir}${path.sep}`)) process.kill(Number(pid), 'SIGKILL');
    } catch {
      // gone, or not ours to read
    }
  }
}
