import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { type FileHandle, mkdir, open, readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import path from 'node:path';
import { UsageError } from '../../errors.ts';
import { writeFileAtomic } from '../fs/atomic-write.ts';
import { tryLock } from '../fs/lock.ts';
import { HistoryEntry } from '../../schema/aggregate.ts';
import type { HistoryRubricCalibration, LatencyFigures, ScenarioAggregate } from '../../schema/aggregate.ts';
import { CompactHistoryLine, HISTORY_FORMAT } from '../../schema/history-line.ts';
import type { RunMeta } from '../../schema/run-meta.ts';
import { issueAt } from '../../shared/issue-text.ts';
import { encodeHistoryEntry, HistoryLineError, totalsOnly } from './history-codec.ts';
import { CellRows, lazyHistoryEntry, readLineFast } from './history-read.ts';
import type { ReadHistoryEntry } from '../../schema/read-history-entry.ts';

/**
 * `reports/history.jsonl`: one line per run, appended under a lock file so that two runs finishing
 * together never interleave or leave half lines. Lines hold aggregates only (no outputs), in the
 * compact format 2 (`schema/history-line.ts`: fingerprints once per line, aggregates as tuples), so the
 * file stays small enough to commit; format-1 lines written by earlier versions are read as they are.
 */

export function historyFile(root: string): string {
  return path.join(root, 'reports', 'history.jsonl');
}

interface DamagedLine {
  /** 1-based line number in history.jsonl. */
  line: number;
  message: string;
}

interface HistoryRead {
  /** A format-2 line's entry carries its cells summed (`cellTotals`) until its cells are read. */
  entries: ReadHistoryEntry[];
  /** Lines that could not be read; they are skipped here and left untouched in the file. */
  damaged: DamagedLine[];
}

/**
 * The history line for a run, from its meta and its aggregates (`aggregateRun`).
 *
 * @example
 * await appendHistory(root, historyEntryFromRun(meta, aggregateRun(results, { grader: meta.grader })));
 */
export function historyEntryFromRun(
  meta: RunMeta,
  cells: ScenarioAggregate[],
  rubricCalibration?: HistoryRubricCalibration,
  /** p50 / p95 per variant × model of the measured cells (`latencyStats`). */
  latency?: LatencyFigures[],
): HistoryEntry {
  return {
    runId: meta.runId,
    time: meta.finishedAt ?? meta.startedAt,
    git: meta.git,
    cells,
    ...(rubricCalibration ? { rubricCalibration } : {}),
    ...(latency?.length ? { latency } : {}),
  };
}

/** The text of one history line for `entry` (format 2, no newline). */
export function historyLine(entry: HistoryEntry): string {
  return JSON.stringify(encodeHistoryEntry(entry));
}

interface LockOptions {
  /** Give up waiting for a live writer after this long (ms). */
  timeoutMs?: number;
}

/**
 * Appends one validated entry as one line; a run has at most one line, so an entry whose run is
 * already in the file replaces that line instead (a resumed run updates its line, never adds one).
 * Writers serialize on `history.jsonl.lock` (`lock.ts`: exactly one writer holds it; a dead writer's
 * lock is taken over). If the file ends in a torn line from a crash, the new line starts on a fresh line
 * so it stays readable.
 *
 * @example
 * await appendHistory(root, { runId: '20260101-000000-abcd', time: new Date().toISOString(), git: {}, cells: [] });
 */
export async function appendHistory(root: string, entry: HistoryEntry, opts: LockOptions = {}): Promise<void> {
  const valid = HistoryEntry.parse(entry);
  const file = historyFile(root);
  await mkdir(path.dirname(file), { recursive: true });
  const line = `${historyLine(valid)}\n`;
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
 * Runs `fn` holding the history lock (`lock.ts`: a `history.jsonl.lock` file naming its writer; a dead
 * writer's lock is taken over, one from another host never). Waiting past `timeoutMs` for a live writer is
 * a one-line error, not a crash.
 */
async function withLock<T>(file: string, opts: LockOptions, fn: () => Promise<T>): Promise<T> {
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const deadline = Date.now() + timeoutMs;
  let got = await tryLock(`${file}.lock`);
  while (!('lock' in got)) {
    if (Date.now() >= deadline) {
      const owner = 'owner' in got ? ` (pid ${got.owner.pid} on ${got.owner.host}, since ${got.owner.startedAt})` : '';
      throw new UsageError(
        `could not lock reports/history.jsonl.lock within ${Math.round(timeoutMs / 1000)} s: another agent-evals process is writing the history${owner}; delete it if none is`,
      );
    }
    await sleep(10 + Math.random() * 20);
    got = await tryLock(`${file}.lock`);
  }
  try {
    return await fn();
  } finally {
    await got.lock.release();
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
 * Reads every valid entry, the file streamed line by line. A damaged line (broken JSON, wrong shape)
 * is reported in `damaged` and skipped, never fatal; the file itself is not rewritten. A missing file
 * is an empty history. Format-2 entries decode their cells only when read (`lazyHistoryEntry`): the
 * report's trends never need them, and a long history holds a million of them.
 */
export async function readHistory(root: string): Promise<HistoryRead> {
  const read: HistoryRead = { entries: [], damaged: [] };
  const file = historyFile(root);
  let handle: FileHandle;
  try {
    handle = await open(file, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return read;
    throw err;
  }
  try {
    const stamp = stampOf(await handle.stat());
    const rows = new CellRows();
    let n = 0;
    // An entry keeps where its line is, not the line: kept, sixty megabytes of lines cost more to
    // allocate than reading and summing them (fresh pages), and nothing but a test reads old cells.
    for await (const { bytes, offset } of fileLines(handle))
      addLine(read, bytes, ++n, () => bytes.toString('utf8'), rows, lineAgain({ file, stamp, offset, length: bytes.length }));
  } finally {
    await handle.close();
  }
  return read;
}

/** What tells a history file from the same file rewritten or appended to. */
const stampOf = (st: { dev: number; ino: number; size: number; mtimeMs: number }) => `${st.dev}:${st.ino}:${st.size}:${st.mtimeMs}`;

/**
 * Reads a line of the history file again, for the cells of an entry `readHistory` gave. The file
 * must be as it was then; once appended to or rewritten, its lines may have moved, and the entry's
 * cells are not guessed from another run's line: read the history again. (A function of its own so
 * the closure holds `at` only, not the line's bytes.)
 */
function lineAgain(at: { file: string; stamp: string; offset: number; length: number }): () => string {
  return () => readLineAt(at);
}

function readLineAt(at: { file: string; stamp: string; offset: number; length: number }): string {
  const fd = openSync(at.file, 'r');
  try {
    if (stampOf(fstatSync(fd)) !== at.stamp)
      throw new Error('reports/history.jsonl changed since it was read: read it again (readHistory) for the cells of its runs');
    const bytes = Buffer.alloc(at.length);
    readSync(fd, bytes, 0, at.length, at.offset);
    return bytes.toString('utf8');
  } finally {
    closeSync(fd);
  }
}

/**
 * The lines of a file as `text.split('\n')` gives them, with where each starts, read through one
 * reused buffer: a line's bytes are valid until the next line is asked for. Newlines are found in
 * the bytes (a `\n` byte is never inside a UTF-8 sequence); most lines never become a string
 * (`readLineFast`).
 */
async function* fileLines(handle: FileHandle): AsyncGenerator<{ bytes: Buffer; offset: number }> {
  const chunk = Buffer.allocUnsafe(1 << 20);
  let pending: Buffer[] = [];
  let offset = 0;
  for (let position = 0; ; ) {
    const { bytesRead } = await handle.read(chunk, 0, chunk.length, position);
    if (bytesRead === 0) break;
    const view = chunk.subarray(0, bytesRead);
    let from = 0;
    for (let nl = view.indexOf(10); nl >= 0; nl = view.indexOf(10, from)) {
      const piece = view.subarray(from, nl);
      yield { bytes: pending.length ? Buffer.concat([...pending, piece]) : piece, offset };
      pending = [];
      from = nl + 1;
      offset = position + from;
    }
    // A line running past this chunk: copied, the chunk is read into again.
    if (from < bytesRead) pending.push(Buffer.from(view.subarray(from)));
    position += bytesRead;
  }
  yield { bytes: Buffer.concat(pending), offset };
}

function addLine(
  read: HistoryRead,
  bytes: Buffer,
  line: number,
  text: () => string,
  rows: CellRows | undefined,
  again: () => string,
): void {
  const parsed = parseHistoryLine(bytes, text, rows, again);
  if (!parsed) return;
  if ('entry' in parsed) read.entries.push(parsed.entry);
  else read.damaged.push({ line, message: parsed.message });
}

/**
 * One line of either format, or what is wrong with it (one line, naming the field); undefined for a
 * blank line. `text` gives the line's text now, when the fast path cannot read it; `again` gives it
 * later, when a lazy entry decodes its cells (what an entry keeps of its line is the caller's choice).
 */
function parseHistoryLine(
  bytes: Buffer,
  text: () => string,
  rows: CellRows | undefined,
  again: () => string,
): { entry: HistoryEntry } | { message: string } | undefined {
  // Validated whole by either path: reading it again can only give the same line.
  const reread = () => JSON.parse(again()) as CompactHistoryLine;
  const fast = readLineFast(bytes, reread, rows);
  if (fast) return { entry: fast };
  const raw = text();
  if (!raw.trim()) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (err) {
    return { message: `broken JSON: ${(err as Error).message}` };
  }
  const version = json && typeof json === 'object' && 'v' in json ? (json as { v: unknown }).v : undefined;
  if (version === undefined) {
    // Format 1 (before the compact lines): the entry as it is.
    const parsed = HistoryEntry.safeParse(json, { reportInput: true });
    return parsed.success ? { entry: parsed.data } : { message: issueAt(parsed.error.issues[0]!, HistoryEntry) };
  }
  if (version !== HISTORY_FORMAT)
    return {
      message: `v: history format ${JSON.stringify(version)} is not one this agent-evals reads (${HISTORY_FORMAT}); a newer version wrote it?`,
    };
  const parsed = CompactHistoryLine.safeParse(json, { reportInput: true });
  if (!parsed.success) return { message: issueAt(parsed.error.issues[0]!, CompactHistoryLine) };
  try {
    return { entry: lazyHistoryEntry(parsed.data, reread) };
  } catch (err) {
    if (err instanceof HistoryLineError) return { message: err.message };
    throw err;
  }
}

interface CompactResult {
  runs: number;
  /** Runs reduced to totals by this call (runs already reduced are not counted). */
  compacted: number;
  /** Damaged lines, kept as they are. */
  damaged: number;
  bytesBefore: number;
  bytesAfter: number;
}

/**
 * `history compact`: the newest `keep` runs (by time) keep every aggregate, older runs keep their
 * per-variant × model totals (what trends draw); every line is rewritten in the current format.
 * Damaged lines stay as they are, in place. One atomic rewrite under the history lock.
 *
 * @example
 * await compactHistory(root, { keep: 100 }) // { runs: 730, compacted: 630, … }
 */
export async function compactHistory(root: string, opts: { keep: number } & LockOptions): Promise<CompactResult> {
  const file = historyFile(root);
  await mkdir(path.dirname(file), { recursive: true });
  return withLock(file, opts, async () => {
    const text = await readFile(file, 'utf8').catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return '';
      throw err;
    });
    const lines = text.split('\n');
    const read = lines.map((raw) =>
      parseHistoryLine(
        Buffer.from(raw),
        () => raw,
        undefined,
        () => raw,
      ),
    );
    const runs = read.flatMap((r, i) => (r && 'entry' in r ? [{ i, entry: r.entry }] : []));
    const newest = new Set(
      [...runs]
        .sort((a, b) => b.entry.time.localeCompare(a.entry.time) || b.i - a.i)
        .slice(0, Math.max(0, opts.keep))
        .map((r) => r.i),
    );
    let compacted = 0;
    for (const { i, entry } of runs) {
      const kept = newest.has(i) ? entry : totalsOnly(entry);
      if (kept !== entry) compacted++;
      lines[i] = historyLine(kept);
    }
    const out = lines.join('\n');
    if (text && out !== text) await writeFileAtomic(file, out);
    return {
      runs: runs.length,
      compacted,
      damaged: read.filter((r) => r && 'message' in r).length,
      bytesBefore: Buffer.byteLength(text),
      bytesAfter: Buffer.byteLength(out),
    };
  });
}
