/**
 * The watchdog reads a sandbox's private /tmp through its first process (`/proc/<pid>/root/tmp`). Until
 * bubblewrap has moved that process into the sandbox's own root, the same path is the host's /tmp: what
 * other programs keep there is not the cell's writing. On a loaded machine that window was seen: a new
 * OpenCode server "exited (sandbox limit: more than 32 MiB written) before listening".
 */
import { spawn } from 'node:child_process';
import { closeSync, existsSync, ftruncateSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { processesMatching } from '../../../test/runtimes/escape-kit.ts';
import { createSandbox } from './jail.ts';
import { createWatchdog } from './watchdog.ts';

const MiB = 1024 ** 2;
const LIMITS = { processes: 64, memoryBytes: 4096 * MiB, fileBytes: 32 * MiB, tmpBytes: 64 * MiB };

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

/** A sparse file of `bytes` (no disk used) directly in the host's /tmp, where a scan of /tmp sees it first. */
function bigFileInHostTmp(bytes: number): void {
  const dir = mkdtempSync('/tmp/agent-evals-watchdog-');
  const file = path.join(dir, 'big.bin');
  const fd = openSync(file, 'w');
  ftruncateSync(fd, bytes);
  closeSync(fd);
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  // Top level too: the scan reads /tmp's own entries before any folder in it.
  const top = `${dir}.bin`;
  const topFd = openSync(top, 'w');
  ftruncateSync(topFd, bytes);
  closeSync(topFd);
  cleanups.push(() => rmSync(top, { force: true }));
}

/** A shell command in a real bubblewrap sandbox with a cell folder of its own, both removed after the test. */
function jailedShell(command: string) {
  const cell = mkdtempSync('/tmp/agent-evals-watchdog-cell-');
  cleanups.push(() => rmSync(cell, { recursive: true, force: true }));
  const jailed = createSandbox({ kind: 'bubblewrap', hidden: [], limits: LIMITS }).spawn({
    command: ['/bin/sh', '-c', command],
    cwd: cell,
    env: { PATH: '/usr/bin:/bin' },
    writable: [cell],
    readOnly: [],
    stdio: 'ignore',
  });
  cleanups.push(() => jailed.kill());
  return jailed;
}

describe('watchdog', () => {
  it("never counts the host's /tmp as the sandbox's, while the first process is not yet in the sandbox's root", () => {
    bigFileInHostTmp(40 * MiB);
    const cell = mkdtempSync('/tmp/agent-evals-watchdog-cell-');
    cleanups.push(() => rmSync(cell, { recursive: true, force: true }));
    // A process still in the host's root: what bubblewrap's first process is for a moment after it is cloned.
    const child = spawn('sleep', ['30'], { stdio: 'ignore' });
    cleanups.push(() => child.kill('SIGKILL'));
    const jailed = createWatchdog(LIMITS).watch(child, () => child.pid, [cell], true, []);
    expect(jailed.limitError()).toBeUndefined();
  });

  it('still counts what the cell wrote into its own folders', () => {
    const cell = mkdtempSync('/tmp/agent-evals-watchdog-cell-');
    cleanups.push(() => rmSync(cell, { recursive: true, force: true }));
    const child = spawn('sleep', ['30'], { stdio: 'ignore' });
    cleanups.push(() => child.kill('SIGKILL'));
    const jailed = createWatchdog(LIMITS).watch(child, () => child.pid, [cell], true, []);
    const fd = openSync(path.join(cell, 'out.bin'), 'w');
    ftruncateSync(fd, 40 * MiB);
    closeSync(fd);
    expect(jailed.limitError()).toBe('sandbox limit: more than 32 MiB written');
  });

  it("counts what a jailed cell writes into the sandbox's private /tmp", async () => {
    const jailed = jailedShell('yes | head -c 41943040 > /tmp/big.bin; sleep 30');
    // Looked at every 100 ms until the watchdog sees it (it is never seen in the host's /tmp, nor in the cell).
    for (let i = 0; i < 600 && !jailed.limitError(); i++) await new Promise((r) => setTimeout(r, 100));
    expect(jailed.limitError()).toBe('sandbox limit: more than 32 MiB written');
  });

  it('a killed sandbox has ended, every process of it gone, once ended() resolves', async () => {
    const jailed = jailedShell('setsid sleep 307 >/dev/null 2>&1 & nohup sleep 308 >/dev/null 2>&1 & sleep 309');
    const sleeps = () => {
      const ours = new Set(jailed.processes());
      return processesMatching(/^sleep 30[789]$/)
        .map((line) => Number(line.split(' ')[0]))
        .filter((pid) => ours.has(pid));
    };
    for (let i = 0; i < 600 && sleeps().length < 3; i++) await new Promise((r) => setTimeout(r, 50));
    const pids = sleeps();
    expect(pids).toHaveLength(3);
    jailed.kill();
    await jailed.ended();
    expect(pids.filter((pid) => existsSync(`/proc/${pid}`) && !/\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8')))).toEqual([]);
  });
});
