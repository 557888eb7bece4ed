/**
 * The watchdog: one timer for every sandbox of a run, holding each to its limits (processes, memory, bytes
 * written) by reading `/proc` and the cell's folders, and killing the whole sandbox past one. Why here and not
 * in the kernel: RLIMIT_NPROC counts every process of the user (and exempts root), and cgroups are not ours to
 * create on most machines; RLIMIT_FSIZE is set too (by the bridge), and this also sums what a cell wrote.
 *
 * @example
 * const watchdog = createWatchdog(DEFAULT_LIMITS);
 * const jailed = watchdog.watch(child, () => nsInitPid, [workspace, home], true);
 * jailed.limitError(); // 'sandbox limit: more than 256 processes'
 */
import type { ChildProcess } from 'node:child_process';
import { type Dirent, lstatSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

export interface SandboxLimits {
  /** Processes alive in the sandbox at once. */
  processes: number;
  /** Resident memory of the sandbox's processes, summed. */
  memoryBytes: number;
  /** Largest file, and most bytes written in all, by one cell. */
  fileBytes: number;
  /** Size of the sandbox's private /tmp. */
  tmpBytes: number;
}

export interface Jailed {
  child: ChildProcess;
  /** The limit that ended the sandbox, once one did ("sandbox limit: …"). */
  limitError(): string | undefined;
  /** Pids (as the host sees them) of every process in the sandbox now. */
  processes(): number[];
  /** Kills every process in the sandbox but those `keep` accepts; returns how many it killed. */
  killStrays(keep: (pid: number) => boolean): number;
  /** Kills the whole sandbox. */
  kill(): void;
  /**
   * Resolves once the sandbox is gone: its outer process exited and its first process is dead (the kernel ends
   * every other process of the sandbox's pid namespace before that). A killed sandbox's processes can run on for
   * a moment on a busy machine; a cell that must leave nothing running awaits this after `kill()`.
   */
  ended(): Promise<void>;
}

/** Children of a process, all its threads' (a process's children hang off the thread that forked them). */
function childrenOf(pid: number): number[] {
  const out: number[] = [];
  let tasks: string[];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return out;
  }
  for (const tid of tasks) {
    try {
      for (const c of readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').split(' ')) if (c.trim()) out.push(Number(c));
    } catch {
      // gone
    }
  }
  return out;
}

function treeOf(root: number): number[] {
  const seen: number[] = [];
  const queue = [root];
  while (queue.length > 0 && seen.length < 100_000) {
    const pid = queue.pop()!;
    seen.push(pid);
    queue.push(...childrenOf(pid));
  }
  return seen;
}

function rssBytes(pid: number): number {
  try {
    return Number(readFileSync(`/proc/${pid}/statm`, 'utf8').split(' ')[1] ?? 0) * 4096;
  } catch {
    return 0;
  }
}

/**
 * Bytes under a folder and the largest file, not following symlinks and not entering `skip` (folders bound into
 * the sandbox's /tmp from outside: the program's own files, the cell's folders, which are counted apart).
 */
function usage(dir: string, skip: ReadonlySet<string> = new Set()): { total: number; largest: number } {
  let total = 0;
  let largest = 0;
  let seen = 0;
  const stack = [dir];
  while (stack.length > 0 && seen < 50_000) {
    const folder = stack.pop()!;
    let entries: Dirent[];
    try {
      entries = readdirSync(folder, { withFileTypes: true });
    } catch {
      continue;
    }
    for (const e of entries) {
      seen++;
      const full = path.join(folder, e.name);
      if (skip.has(full)) continue;
      if (e.isDirectory()) stack.push(full);
      else if (e.isFile()) {
        try {
          const size = lstatSync(full).size;
          total += size;
          largest = Math.max(largest, size);
        } catch {
          // removed meanwhile
        }
      }
    }
  }
  return { total, largest };
}

const MiB = 1024 ** 2;

/**
 * Whether a process already sees the sandbox's own root. bubblewrap names its first process before that
 * process has moved into it: for a moment `/proc/<pid>/root/tmp` is the host's /tmp, which is not the cell's.
 */
function inOwnRoot(pid: number): boolean {
  try {
    const inside = statSync(`/proc/${pid}/root/`);
    const host = statSync('/');
    return inside.dev !== host.dev || inside.ino !== host.ino;
  } catch {
    return false;
  }
}

/** One timer for every sandbox of the run: process count, memory and bytes written, against the limits. */
export function createWatchdog(limits: SandboxLimits) {
  const live = new Set<() => void>();
  let timer: NodeJS.Timeout | undefined;
  let tick = 0;
  const ensure = () => {
    if (timer || live.size === 0) return;
    timer = setInterval(() => {
      tick++;
      for (const check of live) check();
      if (live.size === 0 && timer) {
        clearInterval(timer);
        timer = undefined;
      }
    }, 250);
    timer.unref();
  };
  return {
    watch(
      child: ChildProcess,
      root: () => number | undefined,
      writable: string[],
      jailed: boolean,
      mounted: string[] = [],
      /** The kernel's count of the sandbox's processes, where a pids cgroup caps them (at the limit: reaching it ends the cell). */
      capped?: () => number,
    ): Jailed {
      let error: string | undefined;
      // The cell's folders, and the sandbox's private /tmp seen through its first process (without what is bound into it).
      const folders = () => {
        const r = root();
        const tmp = jailed && r && inOwnRoot(r) ? [usage(`/proc/${r}/root/tmp`, new Set(mounted.map((m) => `/proc/${r}/root${m}`)))] : [];
        return [...writable.map((w) => usage(w)), ...tmp];
      };
      const start = writable.map((w) => usage(w)).reduce((n, u) => n + u.total, 0);
      const kill = () => {
        const r = root();
        for (const pid of [r, child.pid]) {
          if (!pid) continue;
          try {
            process.kill(jailed ? pid : -pid, 'SIGKILL');
          } catch {
            // gone already
          }
        }
        if (!jailed && r) for (const pid of treeOf(r)) safeKill(pid);
      };
      const processes = () => {
        const r = root();
        return r ? treeOf(r) : [];
      };
      const checkDisk = () => {
        const used = folders();
        const total = used.reduce((n, u) => n + u.total, 0);
        if (used.some((u) => u.largest >= limits.fileBytes) || total - start >= limits.fileBytes)
          error ??= `sandbox limit: more than ${Math.round(limits.fileBytes / MiB)} MiB written`;
      };
      const check = () => {
        if (error) return;
        const pids = processes();
        if (capped ? capped() >= limits.processes : pids.length > limits.processes)
          error = `sandbox limit: more than ${limits.processes} processes`;
        else if (pids.reduce((n, p) => n + rssBytes(p), 0) > limits.memoryBytes)
          error = `sandbox limit: more than ${Math.round(limits.memoryBytes / MiB)} MiB of memory`;
        else if (tick % 4 === 0) checkDisk();
        if (error) kill();
      };
      live.add(check);
      ensure();
      const exited = new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) resolve();
        else child.once('exit', () => resolve());
      });
      child.once('exit', () => live.delete(check));
      return {
        child,
        // Asked when a cell ends: what was written since the last look counts too (a short cell may end between looks).
        limitError: () => {
          if (!error) {
            checkDisk();
            if (error) kill(); // a sandbox past its limit serves no further cell
          }
          return error;
        },
        processes,
        killStrays(keep) {
          let n = 0;
          for (const pid of processes().reverse()) {
            if (pid === root() || keep(pid)) continue;
            if (safeKill(pid)) n++;
          }
          return n;
        },
        kill,
        async ended() {
          // Bounded too: a process stuck in the kernel may take its time to die; the cell does not wait past 10 s.
          let timer: NodeJS.Timeout | undefined;
          await Promise.race([exited, new Promise((done) => (timer = setTimeout(done, 10_000)))]);
          clearTimeout(timer);
          const r = root();
          // Looked at every 10 ms, for at most 5 s: the first process is reaped, or a zombie whose namespace is empty.
          for (let i = 0; jailed && r && i < 500 && alive(r); i++) await new Promise((done) => setTimeout(done, 10));
        },
      };
    },
  };
}

/** Whether a process is alive (a zombie is not: it has exited, and its pid namespace with it). */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

function safeKill(pid: number): boolean {
  try {
    process.kill(pid, 'SIGKILL');
    return true;
  } catch {
    return false;
  }
}
