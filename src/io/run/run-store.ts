import { createReadStream } from 'node:fs';
import { mkdir, readFile, readdir, open, rename, rm, truncate, stat } from 'node:fs/promises';
import { pathExists } from '../fs/path-exists.ts';
import { randomBytes } from 'node:crypto';
import { writeFileAtomic } from '../fs/atomic-write.ts';
import path from 'node:path';
import { CellResult, type CellVerdict } from '../../schema/result.ts';
import { RunMeta } from '../../schema/run-meta.ts';
import { DataFileError } from '../../errors.ts';
import { describeIssueText, formatPath, issueAt } from '../../shared/issue-text.ts';
import { RunFold } from '../../report/model/run-fold.ts';

/**
 * Run folders: `reports/runs/<run-id>/meta.json` + `results.jsonl`, one JSON line appended per finished
 * cell. A crash or SIGKILL loses at most the cells in flight; a torn last line is detected and dropped.
 */

export function runsRoot(root: string): string {
  return path.join(root, 'reports', 'runs');
}

export function runDir(root: string, runId: string): string {
  return path.join(runsRoot(root), runId);
}

/** Sortable, unique run id: UTC time to the second plus 4 random hex digits, e.g. `20261121-223000-a1b2`. */
export function newRunId(now = new Date()): string {
  const iso = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `${iso}-${randomBytes(2).toString('hex')}`;
}

export async function writeMeta(dir: string, meta: RunMeta): Promise<void> {
  await writeFileAtomic(path.join(dir, 'meta.json'), `${JSON.stringify(meta, null, 2)}\n`);
}

/** Appends result lines; each line goes out in one write so a kill can only tear the last one. */
interface ResultWriter {
  append(result: CellResult): Promise<void>;
  close(): Promise<void>;
}

export async function openResultWriter(dir: string): Promise<ResultWriter> {
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, 'results.jsonl');
  await dropTornTail(file);
  const handle = await open(file, 'a');
  let queue = Promise.resolve();
  return {
    append(result) {
      const line = `${JSON.stringify(result)}\n`;
      queue = queue.then(() => handle.write(line).then(() => undefined));
      return queue;
    },
    async close() {
      // The handle is closed even when a write failed; the write's error still reaches the caller.
      try {
        await queue;
      } finally {
        await handle.close();
      }
    },
  };
}

/**
 * Writes results.jsonl whole from results handed over one at a time (`fill` calls `append` for each), to a
 * temporary sibling renamed at the end: a reader never sees half of it, and nothing holds the run at once.
 *
 * @example
 * await writeResultsWhole(dir, async (append) => { await streamRun(shard, (r) => append(r)); });
 */
export async function writeResultsWhole(dir: string, fill: (append: (r: CellResult) => void) => Promise<void>): Promise<void> {
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, 'results.jsonl');
  const temp = `${file}.${randomBytes(4).toString('hex')}.tmp`;
  const handle = await open(temp, 'w');
  let done = false;
  let queue = Promise.resolve();
  try {
    let buffered = '';
    const flush = () => {
      const text = buffered;
      buffered = '';
      queue = queue.then(() => handle.write(text).then(() => undefined));
    };
    await fill((r) => {
      buffered += `${JSON.stringify(r)}\n`;
      if (buffered.length >= 1 << 20) flush();
    });
    flush();
    await queue;
    await handle.sync();
    done = true;
  } finally {
    // Writes still queued when `fill` failed finish (or fail) before the file is closed and removed.
    await queue.catch(() => undefined);
    await handle.close();
    if (!done) await rm(temp, { force: true });
  }
  await rename(temp, file);
}

/** A SIGKILL mid-write can leave a last line without its newline: cut it so appends start clean. */
async function dropTornTail(file: string): Promise<boolean> {
  const size = await stat(file).then(
    (s) => s.size,
    () => 0,
  );
  if (size === 0) return false;
  const text = await readFile(file, 'utf8');
  if (text.endsWith('\n')) return false;
  await truncate(file, Buffer.byteLength(text.slice(0, text.lastIndexOf('\n') + 1)));
  return true;
}

/** `reports/runs/<id>/<name>` for a run folder in the usual place (messages name files as the user types them). */
function shownRunFile(dir: string, name: string): string {
  const runs = path.dirname(dir);
  const inReports = path.basename(runs) === 'runs' && path.basename(path.dirname(runs)) === 'reports';
  return inReports ? `reports/runs/${path.basename(dir)}/${name}` : path.join(dir, name);
}

/** A run read for its verdicts and reports: `results` hold no answers, `shown` the drill-down's few (report/model/run-fold.ts). */
export interface FoldedRun {
  dir: string;
  meta: RunMeta;
  results: CellVerdict[];
  shown: RunFold['shown'];
  /** Damaged or torn lines that were skipped. */
  warnings: string[];
}

/**
 * Reads a run folder line by line into a `RunFold`: memory grows with the cells' verdicts, not with
 * their answers (a 100,000-cell run never holds its answers at once). A torn last line or a damaged
 * line is a warning, not fatal; a cell twice or more cells than planned is a damaged run (refused).
 */
export async function readRunFold(dir: string): Promise<FoldedRun> {
  const fold = new RunFold();
  const { meta, warnings } = await streamRun(dir, (r) => fold.add(r));
  return { dir, meta, results: fold.results, shown: fold.shown, warnings };
}

/**
 * A run folder's meta.json, and each valid line of its results.jsonl to `onResult` as it is read (the
 * caller keeps what it needs of each, never the whole run), checked as `readRunFold` checks it.
 *
 * @example
 * let spent = 0;
 * const { meta } = await streamRun(dir, (r) => (spent += r.cost ?? 0));
 */
export async function streamRun(dir: string, onResult: (r: CellResult) => void): Promise<{ meta: RunMeta; warnings: string[] }> {
  const meta = await readRunMeta(dir);
  const resultsFile = shownRunFile(dir, 'results.jsonl');
  const check = oneLinePerCell();
  const warnings = await streamResults(path.join(dir, 'results.jsonl'), resultsFile, (r) => {
    check.see(r);
    onResult(r);
  });
  check.assert(meta, resultsFile);
  return { meta, warnings };
}

/** A run folder's meta.json, validated (one-line errors naming the file and field). */
export async function readRunMeta(dir: string): Promise<RunMeta> {
  const metaFile = shownRunFile(dir, 'meta.json');
  const metaText = await readFile(path.join(dir, 'meta.json'), 'utf8').catch(() => {
    throw new DataFileError('no meta.json: not a run folder (expected reports/runs/<run-id>/)', { file: metaFile });
  });
  let metaJson: unknown;
  try {
    metaJson = JSON.parse(metaText);
  } catch (err) {
    throw new DataFileError(`broken JSON: ${(err as Error).message}`, { file: metaFile });
  }
  const meta = RunMeta.safeParse(metaJson, { reportInput: true });
  if (!meta.success) {
    const issue = meta.error.issues[0]!;
    throw new DataFileError(describeIssueText(issue, RunMeta), { file: metaFile, field: formatPath(issue.path) || undefined });
  }
  return meta.data;
}

/**
 * A run whose results hold a cell twice, or more cells than it planned, is damaged: pass rates over it
 * would count answers twice. Readers refuse it instead of judging it (checked line by line as read).
 */
function oneLinePerCell() {
  // Cell id → lines, in the order first seen; a duplicated cell is named by its line.
  const seen = new Map<string, number>();
  const named = new Map<string, string>();
  let measured = 0;
  return {
    see(r: CellResult): void {
      const n = (seen.get(r.cellId) ?? 0) + 1;
      seen.set(r.cellId, n);
      if (n === 2) named.set(r.cellId, `${r.variantId} @ ${r.model} / ${r.scenarioId} #${r.repeat}`);
      if (r.source !== 'baseline') measured++;
    },
    assert(meta: RunMeta, file: string): void {
      const twice = [...seen].find(([, n]) => n > 1);
      if (twice) {
        throw new DataFileError(
          `damaged run: cell ${named.get(twice[0])} appears ${twice[1]} times (two processes wrote this run?); re-run it`,
          { file },
        );
      }
      if (measured > meta.plannedCells) {
        throw new DataFileError(`damaged run: ${measured} results for ${meta.plannedCells} planned cells; re-run it`, { file });
      }
    },
  };
}

/**
 * Each valid line of a results file to `onResult`, in order, read in chunks (never the whole file as
 * one string); returns the warnings for damaged lines and a torn last line. A missing file has no lines.
 */
export async function streamResults(file: string, shown: string, onResult: (r: CellResult) => void): Promise<string[]> {
  const warnings: string[] = [];
  let lineNo = 0;
  const take = (line: string, torn: boolean) => {
    lineNo++;
    if (!line.trim()) return;
    let json: unknown;
    try {
      json = JSON.parse(line);
    } catch {
      warnings.push(`${shown}:${lineNo}: ${torn ? 'torn last line (interrupted write) dropped' : 'damaged line skipped'}`);
      return;
    }
    const parsed = CellResult.safeParse(json, { reportInput: true });
    if (parsed.success) onResult(parsed.data);
    else warnings.push(`${shown}:${lineNo}: ${issueAt(parsed.error.issues[0]!, CellResult)}; line skipped`);
  };
  let rest = '';
  try {
    for await (const chunk of createReadStream(file, { encoding: 'utf8', highWaterMark: 1 << 20 })) {
      const lines = (rest + (chunk as string)).split('\n');
      rest = lines.pop()!;
      for (const line of lines) take(line, false);
    }
  } catch (err) {
    // As before: an unreadable or missing file holds no results.
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  // Text after the last newline is a line whose write was interrupted.
  if (rest) take(rest, true);
  return warnings;
}

/**
 * Run ids under `reports/runs/`, oldest first. Generated ids sort by their second (`YYYYMMDD-HHMMSS-xxxx`); two
 * runs of the same second are ordered by when their folder was made, not by their random suffix, so "latest" is
 * the latest. A folder left by a run that died before its first cell is no run: it is never the latest.
 */
export async function listRunIds(root: string): Promise<string[]> {
  const entries = await readdir(runsRoot(root), { withFileTypes: true }).catch(() => []);
  const ids: Array<{ id: string; made: number }> = [];
  for (const e of entries) {
    if (!e.isDirectory()) continue;
    const dir = path.join(runsRoot(root), e.name);
    if (!(await pathExists(path.join(dir, 'meta.json')))) continue;
    if (await diedBeforeFirstCell(dir)) continue;
    const st = await stat(dir);
    ids.push({ id: e.name, made: st.birthtimeMs || st.ctimeMs });
  }
  const second = (id: string) => (/^\d{8}-\d{6}/.test(id) ? id.slice(0, 15) : undefined);
  return ids
    .sort((a, b) => {
      const sa = second(a.id);
      const sb = second(b.id);
      if (sa !== undefined && sa === sb) return a.made - b.made || (a.id < b.id ? -1 : 1);
      return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
    })
    .map((r) => r.id);
}

/**
 * A run folder whose run never finished a cell: a valid meta.json without `finishedAt` and no result line
 * (a crash between writing the meta and the first result). Nothing in it can be judged, blessed or resumed
 * usefully. A damaged meta.json is not this: its readers name the damage.
 */
async function diedBeforeFirstCell(dir: string): Promise<boolean> {
  const results = await stat(path.join(dir, 'results.jsonl')).catch(() => undefined);
  if (results && results.size > 0) return false;
  const text = await readFile(path.join(dir, 'meta.json'), 'utf8').catch(() => undefined);
  if (text === undefined) return false;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return false;
  }
  const meta = RunMeta.safeParse(json);
  return meta.success && meta.data.finishedAt === undefined;
}

export async function latestRunId(root: string): Promise<string | undefined> {
  return (await listRunIds(root)).at(-1);
}
