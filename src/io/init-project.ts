import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { pathExists } from './path-exists.ts';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { StarterFile } from '../report/starter-files.ts';
import { writeFileAtomic } from './atomic-write.ts';

/** This package's own folder (where its `.github/workflows/` ships): up from dist/cli.mjs or from src/io/. */
function packageRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, 'package.json')) && path.dirname(dir) !== dir) dir = path.dirname(dir);
  return dir;
}

/** This package's two GitHub workflows, the templates of the ones `init` writes. */
export async function packageWorkflows(): Promise<{ gate: string; baseline: string }> {
  const read = (name: string) => readFile(path.join(packageRoot(), '.github', 'workflows', name), 'utf8');
  return { gate: await read('eval.yml'), baseline: await read('eval-baseline.yml') };
}

/**
 * Writes each starter file that does not exist yet under `root`, and nothing else: an existing file is
 * never touched. Returns which were written and which were kept.
 */
export async function writeStarterFiles(root: string, files: StarterFile[]): Promise<{ written: string[]; kept: string[] }> {
  const written: string[] = [];
  const kept: string[] = [];
  for (const file of files) {
    const target = path.join(root, file.path);
    if (await pathExists(target)) {
      kept.push(file.path);
      continue;
    }
    await writeFileAtomic(target, file.text);
    written.push(file.path);
  }
  return { written, kept };
}
