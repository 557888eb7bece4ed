/**
 * A harness killed mid-cell (SIGKILL, or SIGTERM/SIGHUP, which end it before its cleanup) leaves its control
 * folders in the temp folder; the next harness removes them, and never a live process's or another pid
 * namespace's (where the same pid is another process).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { sweepControlFolders } from './control-folders.ts';

const roots: string[] = [];
afterEach(() => {
  for (const r of roots.splice(0)) rmSync(r, { recursive: true, force: true });
});

/** A pid that was alive a moment ago and is gone now. */
const deadPid = () => spawnSync('true').pid!;
const NS = 4026531836;

describe('control folders', () => {
  it("remove a dead harness's folders; keep a live one's, another namespace's and anything not theirs; make this one's", () => {
    const root = mkdtempSync(path.join(tmpdir(), 'agent-evals-ctl-test-'));
    roots.push(root);
    const dead = deadPid();
    const folder = (name: string) => {
      mkdirSync(path.join(root, name));
      return path.join(root, name);
    };
    const left = folder(`agent-evals-ctl-${NS}-${dead}-cc-AbC123`);
    writeFileSync(path.join(left, 'model.sock'), '');
    const live = folder(`agent-evals-ctl-${NS}-${process.ppid}-oc-XyZ789`);
    const elsewhere = folder(`agent-evals-ctl-${NS + 1}-${dead}-cc-QqQ111`);
    const other = folder(`agent-evals-cc-${dead}`);

    const made = sweepControlFolders(4_000_000, root, NS).make('cc');
    expect(existsSync(left)).toBe(false);
    for (const kept of [live, elsewhere, other]) expect(existsSync(kept), kept).toBe(true);
    expect(path.basename(made)).toMatch(new RegExp(`^agent-evals-ctl-${NS}-4000000-cc-\\w{6}$`));
    expect(readdirSync(root).sort()).toEqual([live, elsewhere, other, made].map((p) => path.basename(p)).sort());
  });

  it('names its folders after its own pid namespace', () => {
    const root = mkdtempSync(path.join(tmpdir(), 'agent-evals-ctl-test-'));
    roots.push(root);
    expect(path.basename(sweepControlFolders(7, root).make('oc'))).toMatch(/^agent-evals-ctl-[1-9]\d*-7-oc-\w{6}$/);
  });
});
