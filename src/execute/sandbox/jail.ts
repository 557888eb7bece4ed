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
 * - processes: a pids cgroup caps them in the kernel where one can be made (`pids-cgroup.ts`); a watchdog in the
 *   harness walks the sandbox's process tree (its pid namespace: orphans are re-parented to its first process)
 *   every 250 ms and kills the sandbox at the limit. The kernel's RLIMIT_NPROC cannot do it: it counts every
 *   process of the user (and exempts root);
 * - memory: the watchdog sums the resident memory of the tree;
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
import { spawn, spawnSync, type StdioOptions } from 'node:child_process';
import { lstatSync, readlinkSync, realpathSync } from 'node:fs';
import { platform } from 'node:os';
import path from 'node:path';
import { bridgeArgv } from './bridge.ts';
import { type ControlFolders, sweepControlFolders } from './control-folders.ts';
import { jailArgs, SYSTEM_FOLDERS, type SystemPath } from './jail-args.ts';
import { pidsCgroups } from './pids-cgroup.ts';
import { createWatchdog, type Jailed, type SandboxLimits } from './watchdog.ts';

export type { Jailed, SandboxLimits } from './watchdog.ts';

export type SandboxKind = 'bubblewrap' | 'none';

const DEFAULT_LIMITS: SandboxLimits = {
  processes: 256,
  memoryBytes: 4 * 1024 ** 3,
  fileBytes: 1024 ** 3,
  tmpBytes: 512 * 1024 ** 2,
};

interface JailJob {
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

export interface Sandbox {
  readonly kind: SandboxKind;
  spawn(job: JailJob): Jailed;
  /** A new folder for a cell's or a server's sockets, swept by the next run if this process dies first (control-folders.ts). */
  controlFolder(label: string): string;
}

interface SandboxOptions {
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
  if (platform() !== 'linux')
    return {
      ok: false,
      reason: `agent cells run in a bubblewrap sandbox, which needs Linux (this is ${platform()}; macOS's sandbox-exec is not supported yet); set \`sandbox: none\` in the eval config to run agents unjailed`,
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
  // A kernel cap on processes where a cgroup can be made; the watchdog holds the limit either way.
  const cgroups = opts.kind === 'bubblewrap' ? pidsCgroups(process.pid) : undefined;
  let folders: ControlFolders | undefined;
  return {
    kind: opts.kind,
    controlFolder(label) {
      folders ??= sweepControlFolders(process.pid);
      return folders.make(label);
    },
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
      // The model proxy's socket folder read-only (connecting needs no write), an exposed socket's writable (the bridge creates it).
      const readOnly = [...new Set([nodeInstall(), ...job.readOnly, ...(job.forward ?? []).map((f) => path.dirname(f.socket))])];
      const writable = [...new Set([...job.writable, ...(job.expose ?? []).map((e) => path.dirname(e.socket))])];
      const args = jailArgs({
        system,
        readOnly,
        writable,
        hidden: opts.hidden,
        env: job.env,
        cwd: job.cwd,
        tmpBytes: limits.tmpBytes,
        infoFd,
        command,
      });
      const group = cgroups?.create(limits.processes);
      const bwrap = opts.bwrap ?? 'bwrap';
      // The sandbox joins its cgroup before bubblewrap starts, so no process of it is ever outside the cap.
      const child = group
        ? spawn('/bin/sh', ['-c', 'echo $$ > "$0/cgroup.procs" && exec "$@"', group, bwrap, ...args], { stdio, detached: true })
        : spawn(bwrap, args, { stdio, detached: true });
      if (group) child.once('exit', () => cgroups?.remove(group));
      let initPid: number | undefined;
      const info = child.stdio[infoFd] as NodeJS.ReadableStream | null;
      let text = '';
      info?.on('data', (chunk: Buffer) => {
        text += chunk.toString();
        const m = /"child-pid"\s*:\s*(\d+)/.exec(text);
        if (m) initPid = Number(m[1]);
      });
      info?.on('error', () => {});
      return watchdog.watch(
        child,
        () => initPid,
        job.writable,
        true,
        [...readOnly, ...writable],
        group ? () => cgroups!.current(group) : undefined,
      );
    },
  };
}
