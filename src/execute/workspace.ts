import { createHash } from 'node:crypto';
import { constants, type Stats } from 'node:fs';
import { chmod, cp, lstat, mkdir, open, readdir, readlink, rm } from 'node:fs/promises';
import path from 'node:path';
import { createTwoFilesPatch } from 'diff';
import type { OmittedFile } from '../schema/trajectory.ts';

/**
 * A cell's sandbox: a fresh copy of the scenario's workspace inside the run folder (never the project's
 * own tree), an empty home for the runtime, and after the cell, what changed.
 *
 * Every path of the copy is compared, whatever it is and wherever it lies (`.git`, `.claude/`, `.opencode/`,
 * `opencode.json` are the agent's too): a file by a hash of its whole content and its permission bits, a
 * symlink by its target (never followed), a directory, FIFO, socket or device by its kind and bits. What a
 * runtime puts into the copy for the cell it takes away again before the diff, and only while it is exactly
 * as it put it (`runtimes/opencode-workspace.ts`); Claude Code writes nothing into its working folder
 * (measured: its state goes to CLAUDE_CONFIG_DIR in the sandbox home). So nothing is excluded here.
 */

/**
 * Text kept of one changed file (finalFiles, for file-contains): whole up to 1 MiB. A source file, a
 * migration or a report an agent writes is far below it; a file past it is named with its size instead
 * (file-contains fails on it rather than judge a prefix).
 */
const FINAL_FILE_MAX_BYTES = 1024 * 1024;
/** Text kept over all changed files of one cell: one results.jsonl line and the recording hold it. */
const FINAL_FILES_MAX_BYTES = 8 * 1024 * 1024;
/** Text of the original files kept in memory for the diff (beyond it, a changed file is described by its sizes). */
const BEFORE_TEXT_MAX_BYTES = 16 * 1024 * 1024;
/** The recorded diff is for reading: cut here (filesChanged is always complete). */
const MAX_DIFF = 256 * 1024;
/** A file rewritten beyond this many changed lines is described, not diffed (bounds the diff's time, deterministically). */
const MAX_EDIT_LINES = 2_000;
const CHUNK = 1024 * 1024;

type EntryKind = 'file' | 'directory' | 'symlink' | 'fifo' | 'socket' | 'character device' | 'block device' | 'unreadable';

/** One path of a workspace as it is compared before and after a cell. */
interface Entry {
  kind: EntryKind;
  /** Permission bits (`mode & 0o7777`); not compared for symlinks (always 0777 on Linux). */
  mode: number;
  /** file: its size and a SHA-256 of its whole content. */
  bytes?: number;
  hash?: string;
  /** file: a NUL byte in its first 8,000 bytes (git's test), or not UTF-8. */
  binary?: boolean;
  /** file: its whole text, when the snapshot kept it. */
  text?: string;
  /** symlink: its target, as written (never followed). */
  target?: string;
  /** unreadable, or a file the harness cannot open: why (e.g. `EACCES`, `ENAMETOOLONG`). */
  error?: string;
}

type Snapshot = Map<string, Entry>;

export interface CellSandbox {
  workspace: string;
  home: string;
  /** The workspace before the agent ran, by relative path (`.` is the folder itself). */
  before: Snapshot;
}

interface SandboxDiff {
  workspaceDiff: string;
  /** Every path added, deleted or changed, sorted; a new or deleted folder only when no path inside it is listed. */
  filesChanged: string[];
  /** Whole text after the cell of each changed text file that still exists (see FINAL_FILE_MAX_BYTES). */
  finalFiles: Record<string, string>;
  /** Changed paths that exist after the cell but whose text is not in finalFiles, and why. */
  finalFilesOmitted?: Record<string, OmittedFile>;
}

/**
 * Copies `source` (or nothing: an empty workspace) to `<cellDir>/workspace` and makes `<cellDir>/home`.
 * @example const box = await prepareSandbox('scenarios/ws/orders-api', 'reports/runs/x/cells/abc');
 */
export async function prepareSandbox(source: string | undefined, cellDir: string): Promise<CellSandbox> {
  const workspace = path.join(cellDir, 'workspace');
  const home = path.join(cellDir, 'home');
  await removeSandbox(cellDir);
  await mkdir(home, { recursive: true });
  if (source) await cp(source, workspace, { recursive: true, verbatimSymlinks: true, errorOnExist: false });
  else await mkdir(workspace, { recursive: true });
  return { workspace, home, before: await snapshot(workspace, BEFORE_TEXT_MAX_BYTES) };
}

/**
 * Every path under `dir` (and `dir` itself as `.`), symlinks never followed. Texts of files are kept while
 * `textBudget` bytes last (each at most FINAL_FILE_MAX_BYTES).
 * @example (await snapshot(ws)).get('run.sh') // { kind: 'file', mode: 0o755, bytes: 8, hash: '…' }
 */
async function snapshot(dir: string, textBudget = 0): Promise<Snapshot> {
  const entries: Snapshot = new Map();
  let budget = textBudget;
  // Sequential on purpose: a workspace is small, and this bounds open files and memory.
  const visit = async (rel: string): Promise<void> => {
    const abs = rel === '.' ? dir : path.join(dir, rel);
    const st = await lstat(abs).catch((err: NodeJS.ErrnoException) => err);
    if (st instanceof Error) {
      if (st.code !== 'ENOENT') entries.set(rel, { kind: 'unreadable', mode: 0, error: st.code ?? st.message });
      return;
    }
    const entry: Entry = { kind: kindOf(st), mode: st.mode & 0o7777 };
    if (entry.kind === 'symlink') entry.target = await readlink(abs);
    if (entry.kind === 'file') {
      Object.assign(entry, await readContent(abs, Math.min(budget, FINAL_FILE_MAX_BYTES)));
      if (entry.text !== undefined) budget -= entry.bytes!;
    }
    entries.set(rel, entry);
    if (entry.kind !== 'directory') return;
    // A folder the harness cannot list (the agent took its permissions away) still shows by its mode.
    const names = await readdir(abs).catch(() => [] as string[]);
    for (const name of names.sort()) await visit(rel === '.' ? name : `${rel}/${name}`);
  };
  await visit('.');
  return entries;
}

/** What the agent changed: the changed paths, a readable diff (cut for display), and the new text of changed files. */
export async function diffSandbox(box: CellSandbox): Promise<SandboxDiff> {
  const after = await snapshot(box.workspace);
  const filesChanged = changedPaths(box.before, after);
  const finalFiles: Record<string, string> = {};
  const omitted: Record<string, OmittedFile> = {};
  let finalBudget = FINAL_FILES_MAX_BYTES;
  let workspaceDiff = '';
  let notShown = 0;
  for (const p of filesChanged) {
    const was = box.before.get(p);
    let now = after.get(p);
    if (now?.kind === 'file' && now.bytes! <= FINAL_FILE_MAX_BYTES && !now.binary)
      now = { ...now, ...(await readContent(path.join(box.workspace, p), FINAL_FILE_MAX_BYTES)) };
    if (now?.kind !== 'file') {
      if (now) omitted[p] = { reason: 'not-a-file', what: describe(now) };
    } else if (now.error) omitted[p] = { reason: 'unreadable', what: now.error };
    else if (now.binary) omitted[p] = { reason: 'binary', bytes: now.bytes! };
    else if (now.text === undefined) omitted[p] = { reason: 'too-large', bytes: now.bytes!, limit: FINAL_FILE_MAX_BYTES };
    else if (now.bytes! > finalBudget) omitted[p] = { reason: 'over-cell-budget', bytes: now.bytes!, limit: FINAL_FILES_MAX_BYTES };
    else {
      finalFiles[p] = now.text;
      finalBudget -= now.bytes!;
    }
    if (workspaceDiff.length < MAX_DIFF) workspaceDiff += describeChange(p, was, now);
    else notShown++;
  }
  if (workspaceDiff.length > MAX_DIFF || notShown > 0)
    workspaceDiff = `${workspaceDiff.slice(0, MAX_DIFF)}\n… diff cut at 256 KiB; filesChanged lists all ${filesChanged.length} changed paths\n`;
  return { workspaceDiff, filesChanged, finalFiles, ...(Object.keys(omitted).length ? { finalFilesOmitted: omitted } : {}) };
}

/** Removes the cell's copy and home (the diff and trajectory are what is kept), even folders the agent made unreadable. */
export async function removeSandbox(cellDir: string): Promise<void> {
  try {
    await rm(cellDir, { recursive: true, force: true });
  } catch {
    await restorePermissions(cellDir);
    await rm(cellDir, { recursive: true, force: true });
  }
}

async function restorePermissions(dir: string): Promise<void> {
  const st = await lstat(dir).catch(() => undefined);
  if (!st?.isDirectory()) return;
  await chmod(dir, 0o700).catch(() => {});
  for (const name of await readdir(dir).catch(() => [] as string[])) await restorePermissions(path.join(dir, name));
}

function kindOf(st: Stats): EntryKind {
  if (st.isFile()) return 'file';
  if (st.isDirectory()) return 'directory';
  if (st.isSymbolicLink()) return 'symlink';
  if (st.isFIFO()) return 'fifo';
  if (st.isSocket()) return 'socket';
  return st.isCharacterDevice() ? 'character device' : 'block device';
}

/**
 * A file's size and hash, read whole (in chunks: it may be as large as the sandbox lets a file grow), and its
 * text when it is at most `keep` bytes. Opened without following a symlink and without blocking, so a path
 * that became a symlink or FIFO since it was listed is never read through.
 */
async function readContent(abs: string, keep: number): Promise<Pick<Entry, 'bytes' | 'hash' | 'binary' | 'text' | 'error'>> {
  const handle = await open(abs, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK).catch(
    (err: NodeJS.ErrnoException) => err,
  );
  if (handle instanceof Error) return { error: handle.code ?? handle.message };
  try {
    if (!(await handle.stat()).isFile()) return { error: 'not a regular file when read' };
    const hash = createHash('sha256');
    const kept: Buffer[] = [];
    let bytes = 0;
    let binary = false;
    for (;;) {
      const buf = Buffer.allocUnsafe(CHUNK);
      const { bytesRead } = await handle.read(buf, 0, CHUNK, null);
      if (bytesRead === 0) break;
      const chunk = buf.subarray(0, bytesRead);
      if (bytes < 8000 && chunk.subarray(0, 8000 - bytes).includes(0)) binary = true;
      hash.update(chunk);
      bytes += bytesRead;
      if (bytes <= keep) kept.push(chunk);
    }
    const out = { bytes, hash: hash.digest('hex'), binary };
    if (binary || bytes > keep) return out;
    try {
      return { ...out, text: new TextDecoder('utf-8', { fatal: true }).decode(Buffer.concat(kept)) };
    } catch {
      return { ...out, binary: true };
    }
  } finally {
    await handle.close();
  }
}

function sameEntry(a: Entry | undefined, b: Entry | undefined): boolean {
  if (!a || !b) return a === b;
  if (a.kind !== b.kind) return false;
  if (a.kind === 'symlink') return a.target === b.target;
  return a.mode === b.mode && a.hash === b.hash && a.error === b.error;
}

/** Sorted changed paths; a folder added or deleted with something inside it is told by the paths inside it. */
function changedPaths(before: Snapshot, after: Snapshot): string[] {
  const changed = [...new Set([...before.keys(), ...after.keys()])].filter((p) => !sameEntry(before.get(p), after.get(p))).sort();
  const holdsChange = new Set<string>();
  for (const p of changed) for (let d = path.posix.dirname(p); d !== '.'; d = path.posix.dirname(d)) holdsChange.add(d);
  return changed.filter((p) => {
    const [was, now] = [before.get(p), after.get(p)];
    const addedOrDeletedFolder = (was?.kind === 'directory' && !now) || (now?.kind === 'directory' && !was);
    return !(addedOrDeletedFolder && holdsChange.has(p));
  });
}

/** Git's file mode notation: `100755` for a file, `040755` for a folder. */
const gitMode = (e: Entry) => `${e.kind === 'directory' ? '040' : e.kind === 'file' ? '100' : '0'}${e.mode.toString(8).padStart(3, '0')}`;
const count = (n: number) => `${n.toLocaleString('en-US')} byte${n === 1 ? '' : 's'}`;

/** What a path is, in words: `directory`, `symlink -> /etc`, `fifo`, `file (9 bytes)`. */
function describe(e: Entry): string {
  if (e.kind === 'symlink') return `symlink -> ${e.target}`;
  if (e.kind === 'file') return e.error ? `unreadable file (${e.error})` : `${e.binary ? 'binary file' : 'file'} (${count(e.bytes!)})`;
  if (e.kind === 'unreadable') return `unreadable path (${e.error})`;
  return e.kind;
}

/** One changed path as a reader wants it: a unified diff for text, one line for everything else. */
function describeChange(p: string, was: Entry | undefined, now: Entry | undefined): string {
  const shown = (e: Entry) => (e.kind === 'directory' ? `${p}/` : p);
  if (was && now && was.kind !== now.kind) return `${p}: ${describe(was)} became ${describe(now)}\n`;
  if (!was || !now) {
    const e = (was ?? now)!;
    const verb = was ? 'deleted' : 'new';
    if (e.kind !== 'file') return `${verb} ${e.kind === 'symlink' ? `symlink ${p} -> ${e.target}` : `${e.kind} ${shown(e)}`}\n`;
    if (e.error) return `${verb} unreadable file ${p} (${e.error})\n`;
    if (e.binary) return `${verb} binary file ${p}, ${count(e.bytes!)}\n`;
    if (e.text === undefined) return `${verb} file ${p}, ${count(e.bytes!)} (too large to show)\n`;
    const mode = !was && e.mode & 0o111 ? `new file mode ${gitMode(e)} ${p}\n` : '';
    return mode + patch(p, was?.text ?? '', now?.text ?? '')!;
  }
  if (now.kind === 'symlink') return `symlink ${p}: -> ${was.target} became -> ${now.target}\n`;
  let out = was.mode !== now.mode ? `mode ${gitMode(was)} → ${gitMode(now)} ${shown(now)}\n` : '';
  if (now.kind !== 'file' || (was.hash === now.hash && was.error === now.error)) return out;
  if (was.error || now.error) return `${out}file ${p}: ${describe(was)} became ${describe(now)}\n`;
  if (was.binary || now.binary) return `${out}binary file ${p} changed, ${count(was.bytes!)} → ${count(now.bytes!)}\n`;
  const text = was.text !== undefined && now.text !== undefined ? patch(p, was.text, now.text, MAX_EDIT_LINES) : undefined;
  out += text ?? `file ${p} changed, ${count(was.bytes!)} → ${count(now.bytes!)} (too large to show)\n`;
  return out;
}

function patch(p: string, a: string, b: string, maxEditLength?: number): string | undefined {
  return createTwoFilesPatch(`a/${p}`, `b/${p}`, a, b, undefined, undefined, { context: 2, ...(maxEditLength ? { maxEditLength } : {}) });
}
