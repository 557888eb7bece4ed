import { mkdir, open, readFile } from 'node:fs/promises';
import lockfile from 'proper-lockfile';
import path from 'node:path';
import { UsageError } from '../errors.ts';
import { writeFileAtomic } from './atomic-write.ts';
import { HistoryEntry } from '../schema/aggregate.ts';
import type { ScenarioAggregate } from '../schema/aggregate.ts';
import type { RunMeta } from '../schema/run-meta.ts';

/**
 * `reports/history.jsonl`: one line per run, appended under a lock file so that two runs finishing
 * together never interleave or leave half lines. Lines hold aggregates only (no outputs), so the
 * file stays small enough to commit.
 */

export function historyFile(root: string): string {
  return path.join(root, 'reports', 'history.jsonl');
}

export interface DamagedLine {
  /** 1-based line number in history.jsonl. */
  line: number;
  message: string;
}

export interface HistoryRead {
  entries: HistoryEntry[];
  /** Lines that could not be read; they are skipped here and left untouched in the file. */
  damaged: DamagedLine[];
}

/**
 * The history line for a run, from its meta and its aggregates (`aggregateRun`).
 *
 * @example
 * await appendHistory(root, historyEntryFromRun(meta, aggregateRun(results, { grader: meta.grader })));
 */
export function historyEntryFromRun(meta: RunMeta, cells: ScenarioAggregate[]): HistoryEntry {
  return { runId: meta.runId, time: meta.finishedAt ?? meta.startedAt, git: meta.git, cells };
}

export interface LockOptions {
  /** Give up after this long (ms). */
  timeoutMs?: number;
  /** A lock file older than this (ms) is left over from a crashed writer and is taken over. */
  staleMs?: number;
}

/**
 * Appends one validated entry as one line; a run has at most one line, so an entry whose run is
 * already in the file replaces that line instead (a resumed run updates its line, never adds one).
 * Writers serialize on `history.jsonl.lock` (created with `wx`, so exactly one writer wins); a lock
 * older than `staleMs` is considered abandoned. If the file ends in a torn line from a crash, the new
 * line starts on a fresh line so it stays readable.
 *
 * @example
 * await appendHistory(root, { runId: '20260101-000000-abcd', time: new Date().toISOString(), git: {}, cells: [] });
 */
export async function appendHistory(root: string, entry: HistoryEntry, opts: LockOptions = {}): Promise<void> {
  const valid = HistoryEntry.parse(entry);
  const file = historyFile(root);
  await mkdir(path.dirname(file), { recursive: true });
  const line = `${JSON.stringify(valid)}\n`;
  await withLock(file, opts, async () => {
    const text = await readFile(file, 'utf8').catch(() => '');
    const lines = text.split('\n');
    const mine = lines.findIndex((raw) => raw.includes(`"runId":${JSON.stringify(valid.runId)}`) && runIdOf(raw) === valid.runId);
    if (mine >= 0) {
      lines[mine] = line.trimEnd();
      await writeFileAtomic(file, lines.join('\n'));
      return;
    }
    const handle = await open(file, 'a+');
    try {
      const { size } = await handle.stat();
      let prefix = '';
      if (size > 0) {
        const last = Buffer.alloc(1);
        await handle.read(last, 0, 1, size - 1);
        if (last[0] !== 0x0a) prefix = '\n';
      }
      await handle.write(prefix + line);
      await handle.sync();
    } finally {
      await handle.close();
    }
  });
}

/**
 * Runs `fn` holding the history lock (proper-lockfile: a `history.jsonl.lock` folder, refreshed while
 * held, taken over when stale). Waiting past `timeoutMs` is a one-line error, not a crash.
 */
async function withLock<T>(file: string, opts: LockOptions, fn: () => Promise<T>): Promise<T> {
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const step = 25;
  let release: () => Promise<void>;
  try {
    release = await lockfile.lock(file, {
      lockfilePath: `${file}.lock`,
      realpath: false,
      stale: Math.max(opts.staleMs ?? 60_000, 2_000),
      retries: { retries: Math.ceil(timeoutMs / step), factor: 1, minTimeout: step, maxTimeout: step, randomize: true },
      // A lock we could not refresh is reported by the next writer as stale; never crash this process for it.
      onCompromised: () => undefined,
    });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ELOCKED') throw err;
    throw new UsageError(
      `could not lock reports/history.jsonl.lock within ${Math.round(timeoutMs / 1000)} s: another agent-evals process is writing the history; delete it if none is`,
    );
  }
  try {
    return await fn();
  } finally {
    await release().catch(() => undefined);
  }
}

function runIdOf(raw: string): string | undefined {
  try {
    return (JSON.parse(raw) as { runId?: string }).runId;
  } catch {
    return undefined;
  }
}

/**
 * Reads every valid entry. A damaged line (broken JSON, wrong shape) is reported in `damaged` and
 * skipped, never fatal; the file itself is not rewritten. A missing file is an empty history.
 */
export async function readHistory(root: string): Promise<HistoryRead> {
  const text = await readFile(historyFile(root), 'utf8').catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return '';
    throw err;
  });
  return parseHistory(text);
}

/** The pure half of `readHistory`. */
export function parseHistory(text: string): HistoryRead {
  const entries: HistoryEntry[] = [];
  const damaged: DamagedLine[] = [];
  text.split('\n').forEach((raw, i) => {
    if (!raw.trim()) return;
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch (err) {
      damaged.push({ line: i + 1, message: `broken JSON: ${(err as Error).message}` });
      return;
    }
    const parsed = HistoryEntry.safeParse(json);
    if (parsed.success) entries.push(parsed.data);
    else {
      const issue = parsed.error.issues[0]!;
      damaged.push({ line: i + 1, message: `${issue.path.join('.') || '(line)'}: ${issue.message}` });
    }
  });
  return { entries, damaged };
}
