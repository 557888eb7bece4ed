/**
 * Wall time and CPU of a process and everything it starts (Linux /proc). CPU is sampled over the process
 * tree every 100 ms: live processes count their own user+system time, and exited ones that were reaped
 * count in their parent's cutime/cstime, so the sum is the tree's CPU so far; the largest sum seen is
 * kept, because a child still running when its parent exits is re-parented away from the tree.
 */
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

const TICKS_PER_SECOND = 100; // getconf CLK_TCK on Linux

interface Stat {
  name: string;
  ppid: number;
  own: number;
  children: number;
}

function readStat(pid: number): Stat | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
    const name = text.slice(text.indexOf('(') + 1, text.lastIndexOf(')'));
    return { name, ppid: Number(f[1]), own: Number(f[11]) + Number(f[12]), children: Number(f[13]) + Number(f[14]) };
  } catch {
    return undefined;
  }
}

/** CPU seconds of `root` and its live descendants (reaped ones included through cutime/cstime), in all and by command name. */
export function treeCpu(root: number): { total: number; byName: Record<string, number> } {
  const stats = new Map<number, Stat>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const s = readStat(Number(name));
    if (s) stats.set(Number(name), s);
  }
  const inTree = (pid: number): boolean => {
    for (let p = pid, hops = 0; p > 1 && hops < 64; hops++) {
      if (p === root) return true;
      p = stats.get(p)?.ppid ?? 0;
    }
    return false;
  };
  let ticks = 0;
  const byName: Record<string, number> = {};
  for (const [pid, s] of stats) {
    if (!inTree(pid)) continue;
    ticks += s.own + s.children;
    byName[s.name] = (byName[s.name] ?? 0) + (s.own + s.children) / TICKS_PER_SECOND;
  }
  return { total: ticks / TICKS_PER_SECOND, byName };
}

export const treeCpuSeconds = (root: number) => treeCpu(root).total;

export interface Measured {
  code: number | null;
  wallS: number;
  cpuS: number;
  /** The largest CPU seen per command name (e.g. `opencode` for the server, `node` for the script itself). */
  cpuByName: Record<string, number>;
  stdout: string;
  stderr: string;
}

/** Runs a command to completion, measuring its wall time and its process tree's CPU. */
export function measure(cmd: string, args: string[], opts: { cwd: string; env: NodeJS.ProcessEnv }): Promise<Measured> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let cpu = 0;
    const cpuByName: Record<string, number> = {};
    const sample = () => {
      const now = treeCpu(child.pid!);
      cpu = Math.max(cpu, now.total);
      for (const [name, s] of Object.entries(now.byName)) cpuByName[name] = Math.max(cpuByName[name] ?? 0, s);
    };
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const poll = setInterval(sample, 100);
    child.on('error', reject);
    child.on('exit', sample); // before the zombie is reaped: its own and its reaped children's time
    child.on('close', (code) => {
      clearInterval(poll);
      resolve({ code, wallS: (performance.now() - t0) / 1000, cpuS: cpu, cpuByName, stdout, stderr });
    });
  });
}
