/**
 * The jail every agent program runs in: bubblewrap on Linux (see `jail-args.ts` for what the sandbox sees),
 * or, only when a config says `sandbox: none`, no jail at all.
 *
 * Why bubblewrap driven directly and not `@anthropic-ai/sandbox-runtime`: that library declares Node ≥ 22 (we
 * run on 20), needs `socat` and `ripgrep` besides `bwrap`, and routes network through filtering HTTP proxies
 * that leave the host's loopback — where model servers of tests and local models live — open to a client
 * that clears `no_proxy`. Here the sandbox has no network at all and one Unix socket to the model proxy.
 *
 * Limits, and who enforces them:
 * - processes and memory: a watchdog in the harness walks the sandbox's process tree (its pid namespace:
 *   orphans are re-parented to its first process) every 250 ms and kills the sandbox past the limit. The
 *   kernel's RLIMIT_NPROC cannot do it: it counts every process of the user (and exempts root);
 * - file size: RLIMIT_FSIZE on the program and its children (the kernel stops the write); the watchdog also
 *   sums what the cell wrote into its writable folders and its `/tmp` (a tmpfs of bounded size) and ends
 *   the cell when a file reached the limit or the total grew past it;
 * - lifetime: the sandbox's pid namespace ends with the bridge (the program's parent); `--die-with-parent`
 *   ends it with the harness, even when the harness is killed with SIGKILL.
 *
 * @example
 * const sandbox = createSandbox({ kind: 'bubblewrap', hidden: ['/home/me', '/home/me/project'] });
 * const jailed = sandbox.spawn({ command: ['claude', '--print'], cwd: ws, env, writable: [ws, home], readOnly: [bin],
 *   forward: [{ port: 41001, socket: sock }], stdio: ['pipe', 'pipe', 'pipe'] });
 * jailed.child.on('exit', () => console.log(jailed.limitError()));
 */
import { type ChildProcess, spawn, spawnSync, type StdioOptions } from 'node:child_process';
import { type Dirent, lstatSync, readdirSync, readFileSync, readlinkSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { bridgeArgv } from './bridge.ts';
import { jailArgs, SYSTEM_FOLDERS, type SystemPath } from './jail-args.ts';

export type SandboxKind = 'bubblewrap' | 'none';

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

export const DEFAULT_LIMITS: SandboxLimits = {
  processes: 256,
  memoryBytes: 4 * 1024 ** 3,
  fileBytes: 1024 ** 3,
  tmpBytes: 512 * 1024 ** 2,
};

export interface JailJob {
  command: string[];
  cwd: string;
  env: Record<string, string>;
  /** Folders the program may write (bound at the same path). */
  writable: string[];
  /** The program's own files (bound read-only at the same path). */
  readOnly: string[];
  /** Loopback ports inside bridged to Unix sockets outside (the model proxy). */
  forward?: Array<{ port: number; socket: string }>;
  /** Unix sockets (in a writable folder) bridged to loopback ports inside (a server's API). */
  expose?: Array<{ socket: string; port: number }>;
  stdio: StdioOptions;
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
}

export interface Sandbox {
  readonly kind: SandboxKind;
  spawn(job: JailJob): Jailed;
}

export interface SandboxOptions {
  kind: SandboxKind;
  /** Paths never visible inside, even when under a system folder: the project, the user's HOME. */
  hidden: string[];
  limits?: Partial<SandboxLimits>;
  /** bwrap's path (default: found on PATH). */
  bwrap?: string;
}

/**
 * Whether a bubblewrap sandbox can start here; the reason and the fix when it cannot.
 *
 * @example
 * const probe = probeSandbox(); if (!probe.ok) throw new UsageError(probe.reason);
 */
export function probeSandbox(bwrap = 'bwrap'): { ok: true } | { ok: false; reason: string } {
  const shown = bwrap === 'bwrap' ? '`bwrap`' : `\`${bwrap}\` (AGENT_EVALS_BWRAP)`;
  if (process.platform !== 'linux')
    return {
      ok: false,
      reason: `agent cells run in a bubblewrap sandbox, which needs Linux (this is ${process.platform}; macOS's sandbox-exec is not supported yet); set \`sandbox: none\` in the eval config to run agents unjailed`,
    };
  const r = spawnSync(bwrap, [...jailArgs({ ...baseSpec(), command: ['/bin/true'] })], { encoding: 'utf8', timeout: 20_000 });
  if ((r.error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT')
    return {
      ok: false,
      reason: `agent cells run in a bubblewrap sandbox, and ${shown} is not installed: install it (Debian/Ubuntu: \`sudo apt-get install -y bubblewrap\`), or set \`sandbox: none\` in the eval config to run agents unjailed`,
    };
  if (r.status === 0) return { ok: true };
  const said = `${r.stderr ?? ''}${r.error ? r.error.message : ''}`.trim().split('\n')[0] ?? '';
  return {
    ok: false,
    reason: `agent cells run in a bubblewrap sandbox, and ${shown} could not start one (${said || `exit ${r.status}`}): unprivileged user namespaces are off; on Ubuntu 24.04 (GitHub's runners) run \`sudo sysctl -w kernel.apparmor_restrict_unprivileged_userns=0\` or install bubblewrap's AppArmor profile; elsewhere \`sudo sysctl -w kernel.unprivileged_userns_clone=1\`; or set \`sandbox: none\` to run agents unjailed`,
  };
}

/** The system folders that exist here, symlinks kept as symlinks. */
function systemPaths(): SystemPath[] {
  const out: SystemPath[] = [];
  for (const p of SYSTEM_FOLDERS) {
    try {
      const st = lstatSync(p);
      if (st.isSymbolicLink()) out.push({ path: p, symlink: readlinkSync(p) });
      else if (st.isDirectory()) out.push({ path: p });
    } catch {
      // not on this system
    }
  }
  return out;
}

function baseSpec() {
  return { system: systemPaths(), readOnly: [], writable: [], hidden: [], env: {}, cwd: '/', tmpBytes: DEFAULT_LIMITS.tmpBytes };
}

/** Node's own install (for the bridge), when it is outside the system folders (nvm, a tarball in HOME). */
function nodeInstall(): string {
  const real = realpathSync(process.execPath);
  return path.dirname(path.dirname(real));
}

export function createSandbox(opts: SandboxOptions): Sandbox {
  const limits = { ...DEFAULT_LIMITS, ...opts.limits };
  const system = opts.kind === 'bubblewrap' ? systemPaths() : [];
  const watchdog = createWatchdog(limits);
  return {
    kind: opts.kind,
    spawn(job) {
      if (opts.kind === 'none') {
        const child = spawn(job.command[0]!, job.command.slice(1), { cwd: job.cwd, env: job.env, stdio: job.stdio, detached: true });
        return watchdog.watch(child, () => child.pid, [job.cwd], false);
      }
      const infoFd = Array.isArray(job.stdio) ? job.stdio.length : 3;
      const stdio = [...(Array.isArray(job.stdio) ? job.stdio : ['pipe', 'pipe', 'pipe']), 'pipe'] as StdioOptions;
      const command = bridgeArgv(
        process.execPath,
        { forward: job.forward ?? [], expose: job.expose ?? [], maxFileBytes: limits.fileBytes },
        job.command,
      );
      const args = jailArgs({
        system,
        // The model proxy's socket folder read-only (connecting needs no write), an exposed socket's writable (the bridge creates it).
        readOnly: [...new Set([nodeInstall(), ...job.readOnly, ...(job.forward ?? []).map((f) => path.dirname(f.socket))])],
        writable: [...new Set([...job.writable, ...(job.expose ?? []).map((e) => path.dirname(e.socket))])],
        hidden: opts.hidden,
        env: job.env,
        cwd: job.cwd,
        tmpBytes: limits.tmpBytes,
        infoFd,
        command,
      });
      const child = spawn(opts.bwrap ?? 'bwrap', args, { stdio, detached: true });
      let initPid: number | undefined;
      const info = child.stdio[infoFd] as NodeJS.ReadableStream | null;
      let text = '';
      info?.on('data', (chunk: Buffer) => {
        text += chunk.toString();
        const m = /"child-pid"\s*:\s*(\d+)/.exec(text);
        if (m) initPid = Number(m[1]);
      });
      info?.on('error', () => {});
      return watchdog.watch(child, () => initPid, job.writable, true);
    },
  };
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

/** Bytes under a folder and the largest file, not following symlinks (the plain recursive readdir of Node 20 follows them). */
function usage(dir: string): { total: number; largest: number } {
  let total = 0;
  let largest = 0;
  let entries: Dirent[] = [];
  try {
    entries = readdirSync(dir, { recursive: true, withFileTypes: true });
  } catch {
    return { total, largest };
  }
  for (const e of entries.slice(0, 50_000)) {
    if (!e.isFile()) continue;
    try {
      const size = lstatSync(path.join(e.parentPath, e.name)).size;
      total += size;
      largest = Math.max(largest, size);
    } catch {
      // removed meanwhile
    }
  }
  return { total, largest };
}

const MiB = 1024 ** 2;

/** One timer for every sandbox of the run: process count, memory and bytes written, against the limits. */
function createWatchdog(limits: SandboxLimits) {
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
    watch(child: ChildProcess, root: () => number | undefined, writable: string[], jailed: boolean): Jailed {
      let error: string | undefined;
      const folders = () => {
        const r = root();
        return [...writable, ...(jailed && r ? [`/proc/${r}/root/tmp`] : [])];
      };
      const start = writable.map(usage).reduce((n, u) => n + u.total, 0);
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
        const used = folders().map(usage);
        const total = used.reduce((n, u) => n + u.total, 0);
        if (used.some((u) => u.largest >= limits.fileBytes) || total - start >= limits.fileBytes)
          error ??= `sandbox limit: more than ${Math.round(limits.fileBytes / MiB)} MiB written`;
      };
      const check = () => {
        if (error) return;
        const pids = processes();
        if (pids.length > limits.processes) error = `sandbox limit: more than ${limits.processes} processes`;
        else if (pids.reduce((n, p) => n + rssBytes(p), 0) > limits.memoryBytes)
          error = `sandbox limit: more than ${Math.round(limits.memoryBytes / MiB)} MiB of memory`;
        else if (tick % 4 === 0) checkDisk();
        if (error) kill();
      };
      live.add(check);
      ensure();
      child.once('exit', () => live.delete(check));
      return {
        child,
        // Asked when a cell ends: what was written since the last look counts too (a short cell may end between looks).
        limitError: () => {
          if (!error) checkDisk();
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
      };
    },
  };
}

function safeKill(pid: number): boolean {
  try {
    process.kill(pid, 'SIGKILL');
    return true;
  } catch {
    return false;
  }
}
