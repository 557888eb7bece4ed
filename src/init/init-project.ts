import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { pathExists } from '../io/fs/path-exists.ts';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { StarterFile } from './starter-files.ts';
import { writeFileAtomic } from '../io/fs/atomic-write.ts';

/** This package's own folder (where its `.github/workflows/` ships): up from dist/cli.mjs or from src/init/. */
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

/** What a project's `.gitignore` needs for agent-evals: run folders, locks, rebuilt reports, promptfoo's state, installed runtimes. */
export const IGNORED = [
  'reports/runs/',
  'reports/*.lock',
  'reports/index.html',
  'reports/summary.md',
  'reports/junit.xml',
  '.promptfoo/',
  '.agent-evals/',
  '.env',
];

/**
 * Adds to `<root>/.gitignore` the lines of IGNORED it lacks (made when absent), under one comment; what is there is
 * kept as it is. Returns what was done: `wrote`, `updated` or `kept` (nothing was missing).
 *
 * @example await ensureIgnored('/repo') // 'updated'
 */
export async function ensureIgnored(root: string): Promise<'wrote' | 'updated' | 'kept'> {
  const file = path.join(root, '.gitignore');
  const existing = (await pathExists(file)) ? await readFile(file, 'utf8') : undefined;
  const present = new Set((existing ?? '').split(/\r?\n/).map((l) => l.trim()));
  const missing = IGNORED.filter((line) => !present.has(line) && !present.has(line.replace(/\/$/, '')));
  if (missing.length === 0) return 'kept';
  const block = `# agent-evals: run folders, locks, reports rebuilt from history, promptfoo's state, installed runtimes\n${missing.join('\n')}\n`;
  const before = existing === undefined ? '' : existing.endsWith('\n') || existing === '' ? existing : `${existing}\n`;
  await writeFileAtomic(file, `${before}${before ? '\n' : ''}${block}`);
  return existing === undefined ? 'wrote' : 'updated';
}

/** The JSON schemas the starter files' `# yaml-language-server: $schema=` comments point at, as this package ships them. */
export const SCHEMA_FILES = ['evals/eval.schema.json', 'scenarios/scenario.schema.json', 'scenarios/trajectory.schema.json'];

/**
 * Copies this package's JSON schemas into the project, where the starter files' `$schema` comments point.
 * A schema that is missing is written; one of an older agent-evals (its title starts `agent-evals`) is
 * brought up to date; a file of the same name that is not agent-evals' is kept.
 *
 * @example await writeSchemas('/repo') // { written: ['evals/eval.schema.json', …], updated: [], kept: [] }
 */
export async function writeSchemas(root: string): Promise<{ written: string[]; updated: string[]; kept: string[] }> {
  const done = { written: [] as string[], updated: [] as string[], kept: [] as string[] };
  for (const rel of SCHEMA_FILES) {
    const text = await readFile(path.join(packageRoot(), rel), 'utf8');
    const file = path.join(root, rel);
    const existing = (await pathExists(file)) ? await readFile(file, 'utf8') : undefined;
    if (existing === text) continue;
    if (existing !== undefined && !isAgentEvalsSchema(existing)) {
      done.kept.push(rel);
      continue;
    }
    await mkdir(path.dirname(file), { recursive: true });
    await writeFileAtomic(file, text);
    (existing === undefined ? done.written : done.updated).push(rel);
  }
  return done;
}

function isAgentEvalsSchema(text: string): boolean {
  try {
    return String((JSON.parse(text) as { title?: unknown }).title ?? '').startsWith('agent-evals');
  } catch {
    return false;
  }
}
