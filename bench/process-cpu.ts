/**
 * Wall time and CPU of a process and everything it starts (Linux).
 *
 * `measure` runs the command under a small reaper (`/usr/bin/python3`, ctypes) that counts the whole tree's
 * CPU in the kernel: it puts the command in a cgroup of its own (cgroup v2, where this user may make one: root,
 * or a delegated tree) and reads the cgroup's `cpu.stat` at the end, which counts every process that ran in
 * it however it ended. Where no cgroup can be made it falls back to `getrusage(RUSAGE_CHILDREN)`: it is a child
 * subreaper, so orphans come to it and are reaped, but processes killed with a sandbox's pid namespace are
 * not counted there (the dying namespace's init reaps them with SIGCHLD ignored, which passes no time up).
 *
 * Why not sampling `/proc` and keeping the largest sum seen, as this file did before: a process whose
 * ancestors die before reaping it drops out of the sum, and with bubblewrap each cell's Claude Code is killed
 * with its sandbox (10 jailed Claude Code cells measured 3.9 s of CPU that way, 8–9 s by the kernel).
 *
 * `treeCpu` sums a live tree from `/proc` (live processes' own time, reaped ones through their parents'
 * cutime/cstime); `measure` samples `/proc` every 100 ms only for the split by command name.
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
  /** Spawn → the command's exit (what a user waits for). */
  wallS: number;
  /** User + system CPU of the whole tree: the cgroup's count where one could be made, else `rusageS`. */
  cpuS: number;
  /** Where `cpuS` comes from: `cgroup` (exact) or `rusage` (misses processes killed with a sandbox's pid namespace). */
  cpuSource: 'cgroup' | 'rusage';
  /** The reaped tree's CPU (`getrusage(RUSAGE_CHILDREN)` of the reaper), for comparison. */
  rusageS: number;
  /**
   * Own CPU (user + system) per command name, summed over every process seen in the tree (sampled every
   * 100 ms: a lower bound; a process that lived less than a sample is missed). E.g. `claude`, `opencode`,
   * `bwrap`; `node` is the harness or the plain script, and the sandbox's bridge.
   */
  cpuByName: Record<string, number>;
  /** Processes of the tree still alive `graceS` after the command exited (killed then, their CPU so far counted). */
  leftovers: number;
  stdout: string;
  stderr: string;
}

/**
 * The reaper: makes a cgroup of its own when it can (cgroup v2: `BENCH_CGROUP_ROOT`, `/sys/fs/cgroup/unified`
 * or `/sys/fs/cgroup`; root, or a delegated tree), becomes a child subreaper, forks, moves the child into the
 * cgroup and execs argv there; reaps every descendant; once the command exits, waits up to `grace` seconds
 * for the rest of the tree, then kills what is left. Writes its figures as JSON to fd 3.
 */
const REAPER = `
import ctypes, json, os, resource, signal, sys, time
libc = ctypes.CDLL(None, use_errno=True)
if libc.prctl(36, 1, 0, 0, 0) != 0: sys.exit('reaper: prctl(PR_SET_CHILD_SUBREAPER) failed')
grace = float(sys.argv[1]); argv = sys.argv[2:]
cg = None
for root in [os.environ.get('BENCH_CGROUP_ROOT'), '/sys/fs/cgroup/unified', '/sys/fs/cgroup']:
    if not root or not os.path.exists(os.path.join(root, 'cgroup.procs')): continue
    try:
        d = os.path.join(root, 'agent-evals-bench-%d' % os.getpid()); os.mkdir(d)
        if os.path.exists(os.path.join(d, 'cpu.stat')): cg = d; break
        os.rmdir(d)
    except OSError: pass
def members():
    try: return [int(x) for x in open(os.path.join(cg, 'cgroup.procs')).read().split()] if cg else []
    except OSError: return []
def children():
    out = []
    for tid in os.listdir('/proc/self/task'):
        try: out += [int(c) for c in open('/proc/self/task/%s/children' % tid).read().split()]
        except OSError: pass
    return out
t0 = time.monotonic()
pid = os.fork()
if pid == 0:
    os.close(3)
    try:
        if cg: open(os.path.join(cg, 'cgroup.procs'), 'w').write('0')
        os.execvp(argv[0], argv)
    finally: os._exit(127)
code = None; wall = None; deadline = None; killed = set()
while True:
    try:
        p, status = os.waitpid(-1, 0 if deadline is None else os.WNOHANG)
    except ChildProcessError:
        p = None
    if p == pid:
        code = os.waitstatus_to_exitcode(status); wall = time.monotonic() - t0
        deadline = time.monotonic() + grace
        continue
    if p: continue
    if p is None and deadline is not None and not members(): break
    if deadline is not None and time.monotonic() >= deadline:
        # past the grace: kill what is left (each round: a killed process's children come to us next)
        for c in set(children() + members()):
            try: os.kill(c, signal.SIGKILL)
            except OSError: pass
            killed.add(c)
    time.sleep(0.02)
cpu = None
if cg:
    stat = dict(l.split() for l in open(os.path.join(cg, 'cpu.stat')).read().splitlines())
    cpu = int(stat['usage_usec']) / 1e6
    for _ in range(50):
        try: os.rmdir(cg); break
        except OSError: time.sleep(0.1)
ru = resource.getrusage(resource.RUSAGE_CHILDREN)
os.write(3, json.dumps({'wall': wall, 'cpu': cpu, 'rusage': ru.ru_utime + ru.ru_stime, 'cgroup': cg, 'leftovers': len(killed)}).encode())
sys.exit(code if code is not None and code >= 0 else 128 + (-code if code else 9))
`;

/** One process's own CPU ticks and when it started (a pid can be reused; pid + start time cannot). */
function ownTicks(pid: number): { name: string; key: string; ticks: number } | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { name: text.slice(text.indexOf('(') + 1, text.lastIndexOf(')')), key: `${pid}:${f[19]}`, ticks: Number(f[11]) + Number(f[12]) };
  } catch {
    return undefined;
  }
}

/** Pids of `root`'s descendants now (all threads' children, as /proc lists them). */
function descendants(root: number): number[] {
  const out: number[] = [];
  const queue = [root];
  while (queue.length > 0 && out.length < 100_000) {
    const pid = queue.pop()!;
    let tasks: string[] = [];
    try {
      tasks = readdirSync(`/proc/${pid}/task`);
    } catch {
      continue;
    }
    for (const tid of tasks) {
      try {
        for (const c of readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').split(' '))
          if (c.trim()) {
            out.push(Number(c));
            queue.push(Number(c));
          }
      } catch {
        // gone
      }
    }
  }
  return out;
}

/**
 * Runs a command to completion, measuring its wall time and its whole process tree's CPU (see the top of
 * this file). `graceS`: how long after the command exits its leftovers may still run and count (default 10 s).
 */
export function measure(cmd: string, args: string[], opts: { cwd: string; env: NodeJS.ProcessEnv; graceS?: number }): Promise<Measured> {
  return new Promise((resolve, reject) => {
    const child = spawn('/usr/bin/python3', ['-c', REAPER, String(opts.graceS ?? 10), cmd, ...args], {
      cwd: opts.cwd,
      env: opts.env,
      stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let report = '';
    const seen = new Map<string, { name: string; ticks: number }>();
    const sample = () => {
      for (const pid of descendants(child.pid!)) {
        const t = ownTicks(pid);
        if (t) seen.set(t.key, { name: t.name, ticks: Math.max(seen.get(t.key)?.ticks ?? 0, t.ticks) });
      }
    };
    child.stdout!.on('data', (d) => (stdout += d));
    child.stderr!.on('data', (d) => (stderr += d));
    (child.stdio[3] as NodeJS.ReadableStream).on('data', (d) => (report += d));
    const poll = setInterval(sample, 100);
    child.on('error', reject);
    child.on('close', (code) => {
      clearInterval(poll);
      let r: { wall: number | null; cpu: number | null; rusage: number; leftovers: number };
      try {
        r = JSON.parse(report);
      } catch {
        return reject(new Error(`the reaper gave no figures (exit ${code}): ${stderr.slice(-500)}`));
      }
      const cpuByName: Record<string, number> = {};
      for (const { name, ticks } of seen.values()) cpuByName[name] = (cpuByName[name] ?? 0) + ticks / TICKS_PER_SECOND;
      const cpuSource = r.cpu === null ? 'rusage' : 'cgroup';
      resolve({
        code,
        wallS: r.wall ?? 0,
        cpuS: r.cpu ?? r.rusage,
        cpuSource,
        rusageS: r.rusage,
        cpuByName,
        leftovers: r.leftovers,
        stdout,
        stderr,
      });
    });
  });
}
