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
 *   workspace (network, and files in the diff);
 * - `.opencode/.gitignore`, as OpenCode would write it.
 *
 * What goes out: only what is still exactly as the harness made it (see `prepareWorkspace`).
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmdirSync,
  rmSync,
  type Stats,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import type { RuntimeAgent } from '../../shared/agent-runtime.ts';
import { stubPluginInstall } from './opencode-server.ts';

const OPENCODE_PROVIDER_ID = 'agent-evals';

export interface PreparedWorkspace {
  /** Removes what `prepareWorkspace` added and is still exactly as it made it (the agent's changes stay, for the diff). */
  cleanup(): void;
}

interface WorkspaceSetup {
  workspace: string;
  agent: RuntimeAgent;
  model: { id: string; apiBaseUrl: string };
  /** The key OpenCode sends (a placeholder: the model proxy swaps in the real one). */
  apiKey: string;
}

/** The workspace's `opencode.json`. @example openCodeConfig({ id: 'gpt-4.1', apiBaseUrl: 'http://127.0.0.1:41001/v1' }, 'placeholder') */
function openCodeConfig(model: { id: string; apiBaseUrl: string }, apiKey: string): Record<string, unknown> {
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

/** The `.gitignore` OpenCode writes into every config folder it loads that has none (the harness writes it first, so it is the harness's). */
const OPENCODE_GITIGNORE = 'node_modules\npackage.json\nbun.lock\n.gitignore\n';

/**
 * Installs the agent and the config into `setup.workspace`. Every path it makes is recorded as it made it
 * (a file by its bits and content hash, a folder by its bits, everything `git init` made likewise), and
 * `cleanup` removes a path only while it is still exactly that: whatever the agent changed or added there
 * (a line in the installed agent file, `.git/config`, a file in `.git`, `.opencode/notes.md`) stays, so the
 * harness's diff shows it. A file the harness replaced is given back its bytes unless the agent changed it.
 * Measured with OpenCode 1.18.33: with nothing done by the agent, OpenCode changes nothing of this (not
 * `.git`, whose index it never writes here), only the `.opencode/.gitignore` it would add, written first.
 */
export function prepareWorkspace(setup: WorkspaceSetup): PreparedWorkspace {
  const ws = setup.workspace;
  refuseLinks(ws);
  // The control arm (`runtimeDefault`) installs no file of its own: OpenCode's `build` agent answers; its peers are installed.
  const installed = [...(setup.agent.runtimeDefault ? [] : [setup.agent]), ...(setup.agent.peers ?? [])];
  for (const agent of installed) {
    const file = path.join(ws, '.opencode', 'agent', `${agent.name}.md`);
    if (path.dirname(file) !== path.join(ws, '.opencode', 'agent'))
      throw new Error(`agent name "${agent.name}" would put its file outside .opencode/agent/; expected a name without "/"`);
  }
  const made: Array<{ path: string; state: string; previous?: Buffer }> = [];
  const record = (p: string, previous?: Buffer) => made.push({ path: p, state: stateOf(p)!, ...(previous ? { previous } : {}) });
  const makeDirs = (dir: string) => {
    if (existsSync(dir)) return;
    makeDirs(path.dirname(dir));
    mkdirSync(dir);
    record(dir);
  };
  const write = (file: string, text: string) => {
    const previous = existsSync(file) ? readFileSync(file) : undefined;
    makeDirs(path.dirname(file));
    writeFileSync(file, text);
    record(file, previous);
  };

  if (!existsSync(path.join(ws, '.git'))) {
    execFileSync('git', ['init', '-q', ws], {
      stdio: 'ignore',
      env: { PATH: '/usr/bin:/bin:/usr/local/bin', GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1' },
    });
    for (const p of treeOf(path.join(ws, '.git'))) record(p);
  }
  makeDirs(path.join(ws, '.opencode'));
  for (const stub of stubPluginInstall(path.join(ws, '.opencode'))) record(stub);
  const gitignore = path.join(ws, '.opencode', '.gitignore');
  if (!existsSync(gitignore)) write(gitignore, OPENCODE_GITIGNORE);
  for (const agent of installed) write(path.join(ws, '.opencode', 'agent', `${agent.name}.md`), agent.fileText);
  write(path.join(ws, 'opencode.json'), `${JSON.stringify(openCodeConfig(setup.model, setup.apiKey), null, 2)}\n`);

  return {
    cleanup() {
      // Last made first: what lies in a folder goes before the folder.
      for (const m of [...made].reverse()) {
        if (stateOf(m.path) !== m.state) continue; // the agent changed it (or removed it): the diff shows what it did
        if (m.previous) writeFileSync(m.path, m.previous);
        else if (m.state.startsWith('dir ')) removeIfEmpty(m.path);
        else rmSync(m.path, { force: true });
      }
    },
  };
}

/**
 * The harness writes its OpenCode files from outside the jail: a link the scenario's workspace ships where they
 * go (`opencode.json`, `.opencode` or anything in it, `.git`) would make it write wherever the link points.
 */
function refuseLinks(ws: string): void {
  const linked = (rel: string) => lstatSync(path.join(ws, rel), { throwIfNoEntry: false })?.isSymbolicLink() === true;
  const underOpenCode = existsSync(path.join(ws, '.opencode')) && !linked('.opencode') ? treeOf(path.join(ws, '.opencode')) : [];
  const candidates = ['opencode.json', '.opencode', '.git', ...underOpenCode.map((p) => path.relative(ws, p))];
  const link = candidates.find(linked);
  if (link)
    throw new Error(
      `the workspace holds a symlink at ${link}, where the harness writes OpenCode's files; replace it with a file or folder`,
    );
}

/** A path as the harness compares it: `dir <bits>`, `link <target>`, `file <bits> <sha256>`, `other`; undefined when absent. */
function stateOf(p: string): string | undefined {
  let st: Stats;
  try {
    st = lstatSync(p);
  } catch {
    return undefined;
  }
  const bits = (st.mode & 0o7777).toString(8);
  if (st.isDirectory()) return `dir ${bits}`;
  if (st.isSymbolicLink()) return `link ${readlinkSync(p)}`;
  if (st.isFile()) return `file ${bits} ${createHash('sha256').update(readFileSync(p)).digest('hex')}`;
  return 'other';
}

/** `dir` and everything under it, each folder before what it holds. */
function treeOf(dir: string): string[] {
  const out = [dir];
  for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...treeOf(p));
    else out.push(p);
  }
  return out;
}

function removeIfEmpty(dir: string): void {
  try {
    rmdirSync(dir); // refuses a folder that is not empty: the agent put something there, keep it
  } catch {
    // kept
  }
}
