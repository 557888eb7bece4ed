import { mkdtempSync, rmSync } from 'node:fs';
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
export function tempDirs(prefix: string): () => string {
  const made: string[] = [];
  // Removing an installed package's node_modules (≈ 1.5 GB, pack-install) takes minutes on a busy machine, not 60 s.
  afterAll(() => {
    for (const dir of made) rmSync(dir, { recursive: true, force: true });
  }, 600_000);
  return () => {
    const dir = mkdtempSync(path.join(tmpdir(), prefix));
    made.push(dir);
    return dir;
  };
}
