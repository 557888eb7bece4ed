import { cp, mkdir, readdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { createTwoFilesPatch } from 'diff';

/**
 * A cell's sandbox: a fresh copy of the scenario's workspace inside the run folder (never the project's
 * own tree), an empty home for the runtime, and after the cell, what changed as a unified diff.
 */

/** Files the runtimes themselves install into a workspace (the agent file, provider config): not the agent's changes. */
const RUNTIME_OWNED = [/^\.opencode(\/|$)/, /^opencode\.jsonc?$/, /^\.claude(\/|$)/];
const MAX_FILE = 64 * 1024;
const MAX_DIFF = 256 * 1024;

export interface CellSandbox {
  workspace: string;
  home: string;
  /** The workspace's files before the agent ran (relative path → text). */
  before: Map<string, string>;
}

/**
 * Copies `source` (or nothing: an empty workspace) to `<cellDir>/workspace` and makes `<cellDir>/home`.
 * @example const box = await prepareSandbox('scenarios/ws/orders-api', 'reports/runs/x/cells/abc');
 */
export async function prepareSandbox(source: string | undefined, cellDir: string): Promise<CellSandbox> {
  const workspace = path.join(cellDir, 'workspace');
  const home = path.join(cellDir, 'home');
  await rm(cellDir, { recursive: true, force: true });
  await mkdir(home, { recursive: true });
  if (source) await cp(source, workspace, { recursive: true, verbatimSymlinks: true, errorOnExist: false });
  else await mkdir(workspace, { recursive: true });
  return { workspace, home, before: await snapshot(workspace) };
}

/** Text of every regular file under `dir` (runtime-owned files left out), by relative path. */
export async function snapshot(dir: string): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  for (const e of entries) {
    if (!e.isFile()) continue;
    const rel = path.relative(dir, path.join(e.parentPath, e.name)).split(path.sep).join('/');
    if (RUNTIME_OWNED.some((re) => re.test(rel))) continue;
    files.set(rel, (await readFile(path.join(dir, rel), 'utf8')).slice(0, MAX_FILE));
  }
  return files;
}

/** What the agent changed: a unified diff, the changed paths, and the new text of changed files. */
export async function diffSandbox(
  box: CellSandbox,
): Promise<{ workspaceDiff: string; filesChanged: string[]; finalFiles: Record<string, string> }> {
  const after = await snapshot(box.workspace);
  const paths = [...new Set([...box.before.keys(), ...after.keys()])].sort();
  const filesChanged = paths.filter((p) => box.before.get(p) !== after.get(p));
  let workspaceDiff = '';
  const finalFiles: Record<string, string> = {};
  for (const p of filesChanged) {
    const now = after.get(p);
    if (now !== undefined) finalFiles[p] = now;
    workspaceDiff += createTwoFilesPatch(`a/${p}`, `b/${p}`, box.before.get(p) ?? '', now ?? '', undefined, undefined, { context: 2 });
  }
  return { workspaceDiff: workspaceDiff.slice(0, MAX_DIFF), filesChanged, finalFiles };
}

/** Removes the cell's copy and home (the diff and trajectory are what is kept). */
export async function removeSandbox(cellDir: string): Promise<void> {
  await rm(cellDir, { recursive: true, force: true });
}
