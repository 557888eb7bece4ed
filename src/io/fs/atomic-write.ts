import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import writeFileAtomicLib from 'write-file-atomic';

/**
 * Writes a file whole or not at all (write-file-atomic: a temporary sibling, fsync, rename, the
 * temporary removed on failure): readers never see half a file, and a crash leaves the old one.
 *
 * @example
 * await writeFileAtomic('reports/baseline.json', text);
 */
export async function writeFileAtomic(file: string, content: string): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  await writeFileAtomicLib(file, content);
}
