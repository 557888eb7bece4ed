import { readdir, realpath, readFile, stat } from 'node:fs/promises';
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
      if (entry.name.startsWith('.')) continue;
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
 * Reads a text file as UTF-8, refusing binary and non-UTF-8 content with a one-line error.
 * A UTF-8 BOM is removed and CRLF line endings become LF.
 */
export async function readTextFile(abs: string, shown: string): Promise<{ text: string; bytes: Buffer }> {
  const bytes = await readFile(abs);
  return { text: decodeText(bytes, shown), bytes };
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
