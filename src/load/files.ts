import { open, readdir, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { DataFileError } from '../errors.ts';

/**
 * Lists files under `dir` recursively whose names end with one of `exts`, sorted, as absolute paths.
 * Symlinks are followed once: a link back into a folder already visited (a loop) is skipped.
 * A missing folder yields an empty list.
 */
export async function findFiles(dir: string, exts: readonly string[]): Promise<string[]> {
  const found: string[] = [];
  const seen = new Set<string>();
  async function walk(current: string): Promise<void> {
    let real: string;
    try {
      real = await realpath(current);
    } catch {
      return; // dangling link or missing folder
    }
    if (seen.has(real)) return;
    seen.add(real);
    const entries = await readdir(current, { withFileTypes: true });
    entries.sort((a, b) => a.name.localeCompare(b.name));
    for (const entry of entries) {
      // `workspaces/` folders hold agent workspaces (small repositories), never scenarios.
      if (entry.name.startsWith('.') || (entry.name === 'workspaces' && entry.isDirectory())) continue;
      const full = path.join(current, entry.name);
      let isDir = entry.isDirectory();
      let isFile = entry.isFile();
      if (entry.isSymbolicLink()) {
        const target = await stat(full).catch(() => undefined); // undefined: dangling link or loop (ELOOP)
        if (!target) continue;
        isDir = target.isDirectory();
        isFile = target.isFile();
      }
      if (isDir) await walk(full);
      else if (isFile && exts.some((ext) => entry.name.toLowerCase().endsWith(ext))) found.push(full);
    }
  }
  await walk(dir);
  return found;
}

/**
 * Largest input file read (agent, scenario, eval config, reference answer). A 5 MB prompt is legal
 * (lint warns about its cost); a config or scenario this large is a wrong file, and `/dev/zero` or a
 * runaway generator must fail at once instead of filling memory.
 */
const MAX_INPUT_BYTES = 10 * 1024 * 1024;
const MB = 1024 * 1024;

/**
 * Reads an input file's bytes, refusing with a one-line error (exit 2) what cannot be an input: a
 * missing file (`missing` says what was expected), a folder, a device, FIFO or socket, a file over
 * `MAX_INPUT_BYTES`, or one that cannot be read.
 *
 * @example
 * await readInputFile('/repo/evals', 'evals') // throws DataFileError: "evals: a folder; expected a file"
 */
export async function readInputFile(abs: string, shown: string, opts: { missing?: string } = {}): Promise<Buffer> {
  const fail = (detail: string) => new DataFileError(detail, { file: shown });
  const st = await stat(abs).catch((err: NodeJS.ErrnoException) => {
    throw fail(err.code === 'ENOENT' ? (opts.missing ?? 'file not found') : cannotRead(err));
  });
  if (st.isDirectory()) throw fail('a folder; expected a file');
  // Stat before open: opening a FIFO would wait for a writer.
  if (!st.isFile()) throw fail('not a regular file; expected a file');
  if (st.size > MAX_INPUT_BYTES) throw fail(tooLarge(st.size));
  const handle = await open(abs, 'r').catch((err: NodeJS.ErrnoException) => {
    throw fail(cannotRead(err));
  });
  try {
    // At most one byte past the limit: a file that grows while it is read is still bounded.
    const chunks: Buffer[] = [];
    let total = 0;
    let want = st.size + 1;
    while (total <= MAX_INPUT_BYTES) {
      const chunk = Buffer.allocUnsafe(Math.min(want, MAX_INPUT_BYTES + 1 - total));
      const { bytesRead } = await handle.read(chunk, 0, chunk.length, null);
      if (bytesRead === 0) break;
      chunks.push(chunk.subarray(0, bytesRead));
      total += bytesRead;
      want = 64 * 1024;
    }
    if (total > MAX_INPUT_BYTES) throw fail(tooLarge(total));
    return Buffer.concat(chunks, total);
  } catch (err) {
    throw (err as NodeJS.ErrnoException).code ? fail(cannotRead(err as NodeJS.ErrnoException)) : err;
  } finally {
    await handle.close();
  }
}

/**
 * Reads a text file as UTF-8 (bounded and checked like `readInputFile`), refusing binary and
 * non-UTF-8 content with a one-line error. A UTF-8 BOM is removed and CRLF line endings become LF.
 */
export async function readTextFile(abs: string, shown: string, opts: { missing?: string } = {}): Promise<{ text: string; bytes: Buffer }> {
  const bytes = await readInputFile(abs, shown, opts);
  return { text: decodeText(bytes, shown), bytes };
}

function tooLarge(bytes: number): string {
  return `${(bytes / MB).toFixed(1)} MB; expected a file of at most ${MAX_INPUT_BYTES / MB} MB`;
}

function cannotRead(err: NodeJS.ErrnoException): string {
  return `cannot read the file (${err.code === 'EACCES' || err.code === 'EPERM' ? 'permission denied' : (err.code ?? err.message)})`;
}

export function decodeText(bytes: Buffer, shown: string): string {
  if (bytes.includes(0)) throw new DataFileError('binary file (contains NUL bytes); expected UTF-8 text', { file: shown });
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    const at = firstInvalidUtf8(bytes);
    throw new DataFileError(`not valid UTF-8 (first bad byte at line ${at.line}); expected UTF-8 text`, { file: shown, line: at.line });
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  return text.replace(/\r\n?/g, '\n');
}

function firstInvalidUtf8(bytes: Buffer): { line: number } {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let lo = 0;
  let hi = bytes.length;
  // Binary search the longest valid prefix; good enough for a message.
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    try {
      decoder.decode(bytes.subarray(0, mid), { stream: true });
      lo = mid;
    } catch {
      hi = mid - 1;
    }
  }
  let line = 1;
  for (let i = 0; i < lo; i++) if (bytes[i] === 0x0a) line++;
  return { line };
}

/** Path relative to the project root with forward slashes, for messages and ids. */
export function relPath(root: string, abs: string): string {
  return path.relative(root, abs).split(path.sep).join('/');
}
