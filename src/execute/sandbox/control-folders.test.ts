/**
 * A harness killed mid-cell (SIGKILL, or SIGTERM/SIGHUP, which end it before its cleanup) leaves its control
 * folders in the temp folder; the next harness removes them, and never another live process's.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { controlFolders } from './control-folders.ts';

const roots: string[] = [];
afterEach(() => {
  for (const r of roots.splice(0)) rmSync(r, { recursive: true, force: true });
});

/** A pid that was alive a moment ago and is gone now. */
const deadPid = () => spawnSync('true').pid!;

describe('control folders', () => {
  it("remove a dead harness's folders, keep a live one's and anything not theirs, and make this one's by its pid", () => {
    const root = mkdtempSync(path.join(tmpdir(), 'agent-evals-ctl-test-'));
    roots.push(root);
    const dead = deadPid();
    const left = path.join(root, `agent-evals-ctl-${dead}-cc-AbC123`);
    mkdirSync(left);
    writeFileSync(path.join(left, 'model.sock'), '');
    const live = path.join(root, `agent-evals-ctl-${process.ppid}-oc-XyZ789`);
    mkdirSync(live);
    const other = path.join(root, `agent-evals-cc-${dead}`);
    mkdirSync(other);

    const made = controlFolders(4_000_000, root).make('cc');
    expect(existsSync(left)).toBe(false);
    expect(existsSync(live)).toBe(true);
    expect(existsSync(other)).toBe(true);
    expect(path.basename(made)).toMatch(/^agent-evals-ctl-4000000-cc-\w{6}$/);
    expect(readdirSync(root).sort()).toEqual([path.basename(other), path.basename(made), path.basename(live)].sort());
  });
});
