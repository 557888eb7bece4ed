/**
 * Prepares a cell's workspace for OpenCode and takes the preparation away afterwards, so the harness's
 * workspace diff shows only what the agent did.
 *
 * What goes in, and why:
 * - `.opencode/agent/<name>.md`: the agent file's exact bytes (and its peers'), as OpenCode loads agents;
 * - `opencode.json`: one OpenAI-compatible provider pointing at the model proxy as the sandbox sees it, with
 *   a placeholder key: the real key never enters the sandbox (the proxy adds it);
 * - `.git` (an empty repository, only when the workspace has none): OpenCode treats the whole git worktree
 *   as "inside" and loads every `opencode.json` and `.opencode/` between the workspace and the worktree root
 *   (or `/` when there is no repository). A workspace copy inside the project's repository would otherwise
 *   let the agent write the project's files and load the project's own OpenCode config;
 * - `.opencode/node_modules` + `package-lock.json` stubs: without them OpenCode runs `npm install` in the
 *   workspace (network, and files in the diff).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { RuntimeAgent } from '../../shared/agent-runtime.ts';
import { stubPluginInstall } from './opencode-server.ts';

export const OPENCODE_PROVIDER_ID = 'agent-evals';

export interface PreparedWorkspace {
  /** Removes what `prepareWorkspace` added (files it wrote and still hold its bytes, folders it created). */
  cleanup(): void;
}

export interface WorkspaceSetup {
  workspace: string;
  agent: RuntimeAgent;
  model: { id: string; apiBaseUrl: string };
  /** The key OpenCode sends (a placeholder: the model proxy swaps in the real one). */
  apiKey: string;
}

/** The workspace's `opencode.json`. @example openCodeConfig({ id: 'gpt-4.1', apiBaseUrl: 'http://127.0.0.1:41001/v1' }, 'placeholder') */
export function openCodeConfig(model: { id: string; apiBaseUrl: string }, apiKey: string): Record<string, unknown> {
  const ref = `${OPENCODE_PROVIDER_ID}/${model.id}`;
  return {
    $schema: 'https://opencode.ai/config.json',
    share: 'disabled',
    autoupdate: false,
    snapshot: false, // undo snapshots (a git copy of the workspace per step) cost ≈ 1 s per cell; the harness diffs the workspace itself
    enabled_providers: [OPENCODE_PROVIDER_ID],
    model: ref,
    small_model: ref,
    provider: {
      [OPENCODE_PROVIDER_ID]: {
        npm: '@ai-sdk/openai-compatible',
        name: 'agent-evals model server',
        options: { baseURL: model.apiBaseUrl, apiKey },
        models: { [model.id]: { name: model.id } },
      },
    },
  };
}

export function prepareWorkspace(setup: WorkspaceSetup): PreparedWorkspace {
  const ws = setup.workspace;
  const written: Array<{ file: string; text: string; previous?: Buffer }> = [];
  const createdDirs: string[] = [];
  const write = (file: string, text: string) => {
    const previous = existsSync(file) ? readFileSync(file) : undefined;
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, text);
    written.push({ file, text, ...(previous ? { previous } : {}) });
  };
  const ensureDir = (dir: string) => {
    if (existsSync(dir)) return;
    mkdirSync(dir, { recursive: true });
    createdDirs.push(dir);
  };

  if (!existsSync(path.join(ws, '.git'))) {
    execFileSync('git', ['init', '-q', ws], {
      stdio: 'ignore',
      env: { PATH: '/usr/bin:/bin:/usr/local/bin', GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1' },
    });
    createdDirs.push(path.join(ws, '.git'));
  }
  ensureDir(path.join(ws, '.opencode'));
  const stubs = stubPluginInstall(path.join(ws, '.opencode'));
  const gitignore = path.join(ws, '.opencode', '.gitignore');
  const hadGitignore = existsSync(gitignore);
  for (const agent of [setup.agent, ...(setup.agent.peers ?? [])])
    write(path.join(ws, '.opencode', 'agent', `${agent.name}.md`), agent.fileText);
  write(path.join(ws, 'opencode.json'), `${JSON.stringify(openCodeConfig(setup.model, setup.apiKey), null, 2)}\n`);

  return {
    cleanup() {
      for (const w of written.reverse()) {
        const now = existsSync(w.file) ? readFileSync(w.file, 'utf8') : undefined;
        if (now !== w.text) continue; // the agent changed it: leave the evidence for the diff
        if (w.previous) writeFileSync(w.file, w.previous);
        else rmSync(w.file, { force: true });
      }
      for (const stub of stubs) rmSync(stub, { recursive: true, force: true });
      if (!hadGitignore) rmSync(gitignore, { force: true }); // OpenCode writes it into every config folder it loads
      removeIfEmptyOrGit(path.join(ws, '.opencode', 'agent'));
      for (const dir of [...createdDirs].reverse()) removeIfEmptyOrGit(dir);
    },
  };
}

function removeIfEmptyOrGit(dir: string): void {
  if (!existsSync(dir)) return;
  if (path.basename(dir) === '.git') return rmSync(dir, { recursive: true, force: true });
  try {
    rmdirSync(dir); // refuses a folder that is not empty: the agent put something there, keep it
  } catch {
    // kept
  }
}
