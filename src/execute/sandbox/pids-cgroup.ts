/**
 * A kernel cap on a sandbox's processes: a cgroup with `pids.max`, where this process may make one (root, or a
 * delegated cgroup v2 subtree). A fork bomb then stops at the cap instead of filling the machine's pid table
 * before the watchdog's next look (seen: ≈ 32,000 tasks in one 250 ms tick on a loaded 2-core machine). Where
 * no cgroup can be made, the watchdog alone holds the limit.
 *
 * The sandbox joins its cgroup before bubblewrap starts (`sh -c 'echo $$ > cgroup.procs; exec bwrap …'`), so
 * no process of it is ever outside.
 *
 * @example
 * const groups = pidsCgroups(ctx.pid);
 * const group = groups?.create(256); // '/sys/fs/cgroup/pids/agent-evals-4242-1'
 * groups?.current(group!); // 12
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

interface PidsCgroups {
  /** A new cgroup capped at `max` processes, or undefined when the kernel refuses. */
  create(max: number): string | undefined;
  /** Processes in it now. */
  current(group: string): number;
  /** Removes it (once empty; retried a few times while the kernel reaps). */
  remove(group: string): void;
}

/** Where pids cgroups can be made here: cgroup v1's pids hierarchy, or the v2 root when it offers `pids`. */
function pidsRoot(): string | undefined {
  if (existsSync('/sys/fs/cgroup/pids/cgroup.procs')) return '/sys/fs/cgroup/pids';
  try {
    if (readFileSync('/sys/fs/cgroup/cgroup.subtree_control', 'utf8').split(/\s+/).includes('pids')) return '/sys/fs/cgroup';
  } catch {
    // not cgroup v2 at /sys/fs/cgroup
  }
  return undefined;
}

const alive = (pid: number) => existsSync(`/proc/${pid}`);

/** The run's cgroup maker, after removing empty ones that dead harness processes left; undefined where none can be made. */
export function pidsCgroups(self: number): PidsCgroups | undefined {
  const root = pidsRoot();
  if (!root) return undefined;
  try {
    for (const name of readdirSync(root)) {
      const m = /^agent-evals-(\d+)-\d+$/.exec(name);
      if (m && !alive(Number(m[1]))) rmdirSync(path.join(root, name));
    }
  } catch {
    // not ours to clean: nothing made here either
  }
  let made = 0;
  const groups: PidsCgroups = {
    create(max) {
      const group = path.join(root, `agent-evals-${self}-${++made}`);
      try {
        mkdirSync(group);
        writeFileSync(path.join(group, 'pids.max'), String(max));
        return group;
      } catch {
        try {
          rmdirSync(group);
        } catch {
          // never made
        }
        return undefined;
      }
    },
    current(group) {
      try {
        return Number(readFileSync(path.join(group, 'pids.current'), 'utf8').trim());
      } catch {
        return 0;
      }
    },
    remove(group) {
      const attempt = (left: number) => {
        try {
          rmdirSync(group);
        } catch {
          if (left > 0) setTimeout(() => attempt(left - 1), 200).unref();
        }
      };
      attempt(25);
    },
  };
  return groups;
}
