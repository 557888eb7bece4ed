import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { pidsCgroups } from './pids-cgroup.ts';

describe('pids cgroup', () => {
  it('caps the processes of what joins it in the kernel, or is undefined where no cgroup can be made', () => {
    const groups = pidsCgroups(process.pid);
    if (!groups) {
      // Not root and no delegated cgroup: the watchdog alone holds the limit (jail.ts).
      expect(groups).toBeUndefined();
      return;
    }
    const group = groups.create(5)!;
    expect(group).toMatch(/agent-evals-\d+-\d+$/);
    const run = spawnSync(
      '/bin/sh',
      ['-c', 'echo $$ > "$0/cgroup.procs"; for i in 1 2 3 4 5 6 7 8; do sleep 2 & done; cat "$0/pids.current"; wait', group],
      { encoding: 'utf8' },
    );
    expect(run.stderr).toMatch(/fork/i);
    expect(Number(run.stdout.trim())).toBeLessThanOrEqual(5);
    groups.remove(group);
  });
});
