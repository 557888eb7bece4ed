import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, appendFile, utimes, mkdir, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { appendHistory, compactHistory, historyFile, historyLine, readHistory } from './history.ts';
import { isUserError } from '../../errors.ts';
import { syntheticEntry } from '../../../test/support/report-synthetic.ts';

const run = promisify(execFile);
const worker = path.resolve('test/support/history-append-worker.ts');
const tsx = path.resolve('node_modules/.bin/tsx');

let root: string;
beforeEach(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'agent-evals-history-'));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});
/** A history lock held by a live writer: this test process. */
const liveLock = async () => {
  await mkdir(path.dirname(historyFile(root)), { recursive: true });
  await writeFile(`${historyFile(root)}.lock`, JSON.stringify({ pid: process.pid, host: hostname(), startedAt: new Date().toISOString() }));
};

describe('appendHistory', () => {
  it('writes one JSON line per entry and reads them back in order', async () => {
    await appendHistory(root, syntheticEntry('run-a'));
    await appendHistory(root, syntheticEntry('run-b'));
    const text = await readFile(historyFile(root), 'utf8');
    expect(text.split('\n')).toHaveLength(3);
    const { entries, damaged } = await readHistory(root);
    expect(entries.map((e) => e.runId)).toEqual(['run-a', 'run-b']);
    expect(damaged).toEqual([]);
  });

  it('gives a run one line: appending a run already in the file replaces its line (a resumed run)', async () => {
    await appendHistory(root, syntheticEntry('run-a'));
    await appendHistory(root, syntheticEntry('run-b'));
    await appendHistory(root, { ...syntheticEntry('run-a'), time: '2030-01-01T00:00:00.000Z' });
    const { entries, damaged } = await readHistory(root);
    expect(damaged).toEqual([]);
    expect(entries.map((e) => [e.runId, e.time === '2030-01-01T00:00:00.000Z'])).toEqual([
      ['run-a', true],
      ['run-b', false],
    ]);
  });

  it('a lock held past the timeout is a one-line user error naming the writer, not an internal one', async () => {
    await liveLock();
    const err = await appendHistory(root, syntheticEntry('x'), { timeoutMs: 50 }).catch((e: unknown) => e);
    expect(isUserError(err)).toBe(true);
    expect((err as Error).message).toMatch(
      new RegExp(
        `^could not lock reports/history\\.jsonl\\.lock within 0 s: another agent-evals process is writing the history \\(pid ${process.pid} on ${hostname()}, since .*\\); delete it if none is$`,
      ),
    );
  });

  it('rejects an entry that does not match the schema before touching the file', async () => {
    await expect(appendHistory(root, { ...syntheticEntry('x'), runId: 5 } as never)).rejects.toThrow();
    await expect(readFile(historyFile(root), 'utf8')).rejects.toThrow(/ENOENT/);
  });

  it('keeps lines whole when two processes append large lines at the same time', async () => {
    // ~150 KB per line (compact lines, ≈ 50 bytes per aggregate): far beyond what a single O_APPEND write guarantees to keep whole.
    const args = (name: string) => [worker, root, name, '15', '3000'];
    await Promise.all([run(tsx, args('alpha')), run(tsx, args('beta'))]);
    const text = await readFile(historyFile(root), 'utf8');
    expect(text.length).toBeGreaterThan(30 * 100_000);
    const { entries, damaged } = await readHistory(root);
    expect(damaged).toEqual([]);
    expect(entries).toHaveLength(30);
    const ids = entries.map((e) => e.runId);
    // Each writer's lines stay in its own order.
    expect(ids.filter((id) => id.startsWith('alpha'))).toEqual(Array.from({ length: 15 }, (_, i) => `alpha-${i}`));
    expect(ids.filter((id) => id.startsWith('beta'))).toEqual(Array.from({ length: 15 }, (_, i) => `beta-${i}`));
    await expect(readFile(`${historyFile(root)}.lock`)).rejects.toThrow(/ENOENT/);
  });

  it('keeps lines whole under many parallel appends in one process', async () => {
    await Promise.all(Array.from({ length: 40 }, (_, i) => appendHistory(root, syntheticEntry(`p-${i}`, { cells: 200 }))));
    const { entries, damaged } = await readHistory(root);
    expect(damaged).toEqual([]);
    expect(new Set(entries.map((e) => e.runId)).size).toBe(40);
  });

  it('takes over the lock of a writer that died at once, and waits for a live one', async () => {
    await mkdir(path.dirname(historyFile(root)), { recursive: true });
    const lock = `${historyFile(root)}.lock`;
    // Above Linux's largest pid: no process has it.
    await writeFile(lock, JSON.stringify({ pid: 2 ** 22 + 12345, host: hostname(), startedAt: new Date().toISOString() }));
    await appendHistory(root, syntheticEntry('after-crash'));
    expect((await readHistory(root)).entries.map((e) => e.runId)).toEqual(['after-crash']);
    await expect(readFile(lock)).rejects.toThrow(/ENOENT/);

    await liveLock();
    await expect(appendHistory(root, syntheticEntry('blocked'), { timeoutMs: 150 })).rejects.toThrow(/could not lock/);
    await rm(lock);
  });

  it('reads the lock folder of an older agent-evals: waited on while fresh, taken over once a minute old', async () => {
    await mkdir(path.dirname(historyFile(root)), { recursive: true });
    const lock = `${historyFile(root)}.lock`;
    await mkdir(lock);
    await expect(appendHistory(root, syntheticEntry('blocked'), { timeoutMs: 50 })).rejects.toThrow(/could not lock/);
    const old = new Date(Date.now() - 10 * 60_000);
    await utimes(lock, old, old);
    await appendHistory(root, syntheticEntry('after-upgrade'));
    expect((await readHistory(root)).entries.map((e) => e.runId)).toEqual(['after-upgrade']);
    await expect(readFile(lock)).rejects.toThrow(/ENOENT/);
  });

  it('starts a fresh line after a torn last line so the new entry stays readable', async () => {
    await appendHistory(root, syntheticEntry('run-a'));
    await appendFile(historyFile(root), '{"runId":"torn","ti');
    await appendHistory(root, syntheticEntry('run-b'));
    const { entries, damaged } = await readHistory(root);
    expect(entries.map((e) => e.runId)).toEqual(['run-a', 'run-b']);
    expect(damaged).toEqual([{ line: 2, message: expect.stringMatching(/broken JSON/) }]);
  });
});

describe('readHistory', () => {
  it('is empty when there is no history yet', async () => {
    expect(await readHistory(root)).toEqual({ entries: [], damaged: [] });
  });

  it('reports and skips a damaged line without changing the file', async () => {
    await appendHistory(root, syntheticEntry('run-a'));
    await appendFile(historyFile(root), 'not json at all\n');
    await appendFile(historyFile(root), `${JSON.stringify({ runId: 'wrong-shape', time: 'x', git: {}, cells: [{ variantId: 1 }] })}\n`);
    await appendHistory(root, syntheticEntry('run-b'));
    const before = await readFile(historyFile(root), 'utf8');

    const { entries, damaged } = await readHistory(root);
    expect(entries.map((e) => e.runId)).toEqual(['run-a', 'run-b']);
    expect(damaged).toHaveLength(2);
    expect(damaged[0]).toEqual({ line: 2, message: expect.stringMatching(/^broken JSON/) });
    expect(damaged[1]!.line).toBe(3);
    expect(damaged[1]!.message).toBe('cells[0].variantId: expected string, got 1');
    expect(await readFile(historyFile(root), 'utf8')).toBe(before);
  });
});

describe('readHistory of a long history', () => {
  it('reads lines longer than its read buffer, and each entry reads its cells again from the file when asked', async () => {
    // ≈ 150 KB a line: most lines cross the 1 MB chunks the file is read in.
    const written = Array.from({ length: 10 }, (_, i) => syntheticEntry(`long-${i}`, { cells: 3000, seed: i }));
    await mkdir(path.dirname(historyFile(root)), { recursive: true });
    const text = `${written.map((e) => historyLine(e)).join('\n')}\n`;
    await writeFile(historyFile(root), text);
    expect(text.length).toBeGreaterThan(1.2 * 1024 * 1024);
    const { entries, damaged } = await readHistory(root);
    expect(damaged).toEqual([]);
    expect(entries.map((e) => e.cells)).toEqual(written.map((e) => e.cells));
  });

  it('says so rather than guess when asked for cells after the file changed, and keeps cells already read', async () => {
    await appendHistory(root, syntheticEntry('run-a'));
    await appendHistory(root, syntheticEntry('run-b'));
    const { entries } = await readHistory(root);
    expect(entries[0]!.cells).toEqual(syntheticEntry('run-a').cells);
    await appendHistory(root, syntheticEntry('run-c'));
    expect(entries[0]!.cells).toEqual(syntheticEntry('run-a').cells);
    expect(() => entries[1]!.cells).toThrow(/^reports\/history\.jsonl changed since it was read: read it again/);
    expect((await readHistory(root)).entries[1]!.cells).toEqual(syntheticEntry('run-b').cells);
  });
});

describe('compactHistory', () => {
  it('waits for the history lock like a writer, and gives up in one line', async () => {
    await appendHistory(root, syntheticEntry('run-a'));
    await liveLock();
    const before = await readFile(historyFile(root), 'utf8');
    await expect(compactHistory(root, { keep: 0, timeoutMs: 50 })).rejects.toThrow(/^could not lock reports\/history\.jsonl\.lock/);
    expect(await readFile(historyFile(root), 'utf8')).toBe(before);
  });

  it('rewrites format-1 lines of kept runs in the current format, and a resumed run still replaces its line', async () => {
    await mkdir(path.dirname(historyFile(root)), { recursive: true });
    await appendFile(historyFile(root), `${JSON.stringify(syntheticEntry('old'))}\n`);
    await appendHistory(root, syntheticEntry('new'));
    const r = await compactHistory(root, { keep: 5 });
    expect(r).toMatchObject({ runs: 2, compacted: 0, damaged: 0 });
    const lines = (await readFile(historyFile(root), 'utf8')).trim().split('\n');
    expect(lines.map((l) => (JSON.parse(l) as { v?: number }).v)).toEqual([2, 2]);
    await appendHistory(root, { ...syntheticEntry('old'), time: '2031-01-01T00:00:00.000Z' });
    expect((await readHistory(root)).entries.map((e) => [e.runId, e.time.slice(0, 4)])).toEqual([
      ['old', '2031'],
      ['new', '2026'],
    ]);
  });
});
