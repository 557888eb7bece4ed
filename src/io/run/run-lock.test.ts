import { type ChildProcessByStdio, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDirs } from '../../../test/support/temp-dirs.ts';
import { isUserError } from '../../errors.ts';
import { lockRun, runOwner } from './run-lock.ts';

const tempDir = tempDirs('agent-evals-run-lock-');
const worker = path.resolve('test/support/run-lock-worker.ts');
const tsx = path.resolve('node_modules/.bin/tsx');
/** Above Linux's largest pid (2^22): no process has it. */
const DEAD_PID = 2 ** 22 + 12345;
const lockOf = (dir: string) => path.join(dir, '.lock');
const deadLock = (dir: string) =>
  writeFileSync(lockOf(dir), JSON.stringify({ pid: DEAD_PID, host: hostname(), startedAt: '2026-01-01T00:00:00.000Z' }));

/** A contender process: send it a line, get its answer line. */
class Contender {
  private readonly answers: string[] = [];
  private readonly waiting: ((line: string) => void)[] = [];
  constructor(readonly child: ChildProcessByStdio<Writable, Readable, null>) {
    createInterface({ input: child.stdout }).on('line', (line) => {
      const next = this.waiting.shift();
      if (next) next(line);
      else this.answers.push(line);
    });
  }
  send(line: string): void {
    this.child.stdin.write(`${line}\n`);
  }
  answer(): Promise<string> {
    const ready = this.answers.shift();
    return ready !== undefined ? Promise.resolve(ready) : new Promise((resolve) => this.waiting.push(resolve));
  }
}

describe('the run lock', () => {
  it('takes over the lock of a dead owner on this host, and refuses a live one naming it', async () => {
    const dir = tempDir();
    deadLock(dir);
    const lock = await lockRun(dir, 'reports/runs/r1', 4242);
    expect(JSON.parse(readFileSync(lockOf(dir), 'utf8'))).toMatchObject({ pid: 4242, host: hostname() });
    // The test process's own pid is alive: as the owner's, it is a live owner.
    await lock.release();
    const mine = await lockRun(dir, 'reports/runs/r1', process.pid);
    const err = await lockRun(dir, 'reports/runs/r1', 4243).catch((e: unknown) => e);
    expect(isUserError(err)).toBe(true);
    expect((err as Error).message).toMatch(
      new RegExp(
        `^reports/runs/r1 is in use by another agent-evals process \\(pid ${process.pid} on ${hostname()}, since .*\\); wait for it to finish$`,
      ),
    );
    expect((await runOwner(dir))?.pid).toBe(process.pid);
    await mine.release();
    expect(await runOwner(dir)).toBeUndefined();
    expect(readdirSync(dir)).toEqual([]);
  });

  it('never takes over a lock from another host, and says how to remove it', async () => {
    const dir = tempDir();
    writeFileSync(lockOf(dir), JSON.stringify({ pid: DEAD_PID, host: 'ci-runner-7', startedAt: '2026-01-01T00:00:00.000Z' }));
    const err = await lockRun(dir, 'reports/runs/r2', process.pid).catch((e: unknown) => e);
    expect((err as Error).message).toBe(
      `reports/runs/r2 is in use by another agent-evals process (pid ${DEAD_PID} on ci-runner-7, since 2026-01-01T00:00:00.000Z); wait for it to finish, or delete reports/runs/r2/.lock if no process on ci-runner-7 runs it`,
    );
    expect((await runOwner(dir))?.host).toBe('ci-runner-7');
  });

  it('takes over a dead lock whose takeover lock a dead process left, and leaves nothing behind', async () => {
    const dir = tempDir();
    deadLock(dir);
    // A process died while taking it over: its takeover lock names the dead lock by the hash of its contents.
    const hash = createHash('sha256')
      .update(readFileSync(lockOf(dir), 'utf8'))
      .digest('hex')
      .slice(0, 16);
    writeFileSync(`${lockOf(dir)}.takeover-${hash}`, JSON.stringify({ pid: DEAD_PID + 1, host: hostname(), startedAt: '' }));
    const lock = await lockRun(dir, 'reports/runs/r4', process.pid);
    expect(readdirSync(dir)).toEqual(['.lock']);
    await lock.release();
    expect(readdirSync(dir)).toEqual([]);
  });

  it('a release removes only its own lock, never one another process took since', async () => {
    const dir = tempDir();
    const lock = await lockRun(dir, 'reports/runs/r3', process.pid);
    // Someone deleted the lock by hand and another process took the folder.
    const other = JSON.stringify({ pid: process.pid, host: hostname(), startedAt: '2026-02-02T00:00:00.000Z', token: 'other' });
    writeFileSync(lockOf(dir), other);
    await lock.release();
    expect(readFileSync(lockOf(dir), 'utf8')).toBe(other);
  });
});

describe('taking over a dead owner’s run lock from several processes at once', () => {
  const CONTENDERS = 4;
  const TRIALS = 200;
  const contenders: Contender[] = [];
  beforeAll(() => {
    for (let i = 0; i < CONTENDERS; i++) contenders.push(new Contender(spawn(tsx, [worker], { stdio: ['pipe', 'pipe', 'inherit'] })));
  });
  afterAll(async () => {
    await Promise.all(
      contenders.map(
        (c) =>
          new Promise((resolve) => {
            c.child.once('exit', resolve);
            c.child.stdin.end();
          }),
      ),
    );
  });

  it(`gives exactly one owner in each of ${TRIALS} trials (${CONTENDERS} contender processes), and leaves nothing behind`, async () => {
    const owners: number[] = [];
    const refusals = new Set<string>();
    const root = tempDir();
    for (let trial = 0; trial < TRIALS; trial++) {
      const dir = path.join(root, `run-${trial}`);
      mkdirSync(dir);
      deadLock(dir);
      for (const c of contenders) c.send(`try ${dir}`);
      const answers = await Promise.all(contenders.map((c) => c.answer()));
      owners.push(answers.filter((a) => a === 'owner').length);
      for (const a of answers) if (a !== 'owner') refusals.add(a.replace(/\(pid \d+ .*\)/, '(pid …)'));
      for (const c of contenders) c.send('release');
      expect(await Promise.all(contenders.map((c) => c.answer()))).toEqual(contenders.map(() => 'released'));
      expect(existsSync(lockOf(dir)), `trial ${trial}: the lock is still there after every owner released it`).toBe(false);
      expect(readdirSync(dir), `trial ${trial}`).toEqual([]);
    }
    expect(
      owners.filter((n) => n !== 1),
      `owners per trial: ${owners.join(' ')}`,
    ).toEqual([]);
    expect([...refusals]).toEqual(['refused the run is in use by another agent-evals process (pid …); wait for it to finish']);
  }, 300_000);
});
