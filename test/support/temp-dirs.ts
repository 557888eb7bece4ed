import { accessSync, constants, mkdtempSync, readFileSync, rmSync, statfsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll } from 'vitest';

/**
 * Temporary folders for one test file, removed when the file ends: no test leaves a file behind.
 * Call at the top level of a test file.
 *
 * @example
 * const tempDir = tempDirs('agent-evals-rec-');
 * const dir = tempDir();
 */
export function tempDirs(prefix: string, base = tmpdir()): () => string {
  const made: string[] = [];
  // Removing an installed package's node_modules (≈ 1.5 GB, pack-install) takes minutes on a busy machine, not 60 s.
  afterAll(() => {
    for (const dir of made) rmSync(dir, { recursive: true, force: true });
  }, 600_000);
  return () => {
    const dir = mkdtempSync(path.join(base, prefix));
    made.push(dir);
    return dir;
  };
}

const TMPFS_MAGIC = 0x01021994;

/**
 * A folder in memory (a tmpfs such as /dev/shm) with at least `bytes` free and room to run programs from, for a
 * test that writes gigabytes; else the system's temp folder. On a virtual machine's disk, writing the 2.3 GB of an
 * npm install cost ≈ 65 s of CPU here, in memory ≈ 43 s (docs/testing.md).
 */
export function memoryBackedTmpdir(bytes: number, candidate = '/dev/shm'): string {
  try {
    const fs = statfsSync(candidate);
    accessSync(candidate, constants.W_OK);
    // Programs installed there must run: not a mount with noexec.
    const mount = readFileSync('/proc/self/mounts', 'utf8')
      .split('\n')
      .map((line) => line.split(' '))
      .filter((fields) => fields[1] === candidate)
      .at(-1);
    const executable = mount !== undefined && !mount[3]!.split(',').includes('noexec');
    if (fs.type === TMPFS_MAGIC && executable && fs.bavail * fs.bsize >= bytes) return candidate;
  } catch {
    // no such folder, or not ours to write
  }
  return tmpdir();
}
