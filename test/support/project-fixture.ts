/**
 * A throwaway project folder for end-to-end tests: the real seeds and/or given agent files, scenarios
 * and an eval config, and a way to run the real CLI on it as a child process.
 */
import { spawn } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
/** The installed entry point (what `npx agent-evals` runs): rebuilds dist/ from src/ when stale. */
const BIN = path.join(REPO_ROOT, 'bin', 'agent-evals.js');

export interface ProjectOptions {
  /** Copy the repository's agents/ (the five seeds). Default true. */
  seedAgents?: boolean;
  /** Copy the repository's scenarios/ (the starter suite). Default false. */
  starterScenarios?: boolean;
  /** Extra files, path relative to the project root → content (objects are written as YAML). */
  files?: Record<string, string | object>;
  /** evals/default.yaml content. */
  evalConfig?: object;
}

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface Project extends Disposable {
  root: string;
  write(rel: string, content: string | object): void;
  /** Runs `agent-evals --root <root> ...args` to completion. */
  cli(args: string[], opts?: { env?: Record<string, string | undefined>; timeoutMs?: number }): Promise<CliResult>;
  /** Starts the CLI and returns the child (for kill tests). */
  spawnCli(args: string[], opts?: { env?: Record<string, string | undefined> }): ReturnType<typeof spawn>;
}

/** Environment for child CLIs: no real keys, promptfoo state in the project, no telemetry. */
export function childEnv(root: string, extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const k of Object.keys(env)) if (/_API_KEY$|^OLLAMA_BASE_URL$/.test(k)) delete env[k];
  Object.assign(env, {
    PROMPTFOO_DISABLE_TELEMETRY: '1',
    PROMPTFOO_DISABLE_UPDATE: '1',
    PROMPTFOO_CACHE_PATH: path.join(root, '.promptfoo-cache'),
    PROMPTFOO_CONFIG_DIR: path.join(root, '.promptfoo-config'),
    FORCE_COLOR: '0',
    NO_COLOR: '1',
  });
  for (const [k, v] of Object.entries(extra)) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  return env;
}

export function createProject(opts: ProjectOptions = {}): Project {
  const root = mkdtempSync(path.join(tmpdir(), 'agent-evals-project-'));
  if (opts.seedAgents ?? true) cpSync(path.join(REPO_ROOT, 'agents'), path.join(root, 'agents'), { recursive: true });
  if (opts.starterScenarios) cpSync(path.join(REPO_ROOT, 'scenarios'), path.join(root, 'scenarios'), { recursive: true });
  const write = (rel: string, content: string | object) => {
    const file = path.join(root, rel);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, typeof content === 'string' ? content : stringify(content));
  };
  for (const [rel, content] of Object.entries(opts.files ?? {})) write(rel, content);
  if (opts.evalConfig) write('evals/default.yaml', opts.evalConfig);
  const spawnCli = (args: string[], o: { env?: Record<string, string | undefined> } = {}) =>
    // node runs the CLI itself (no wrapper process), so a signal sent to the child reaches the CLI.
    spawn(process.execPath, [BIN, '--root', root, ...args], { cwd: root, env: childEnv(root, o.env), stdio: ['ignore', 'pipe', 'pipe'] });
  return {
    root,
    write,
    spawnCli,
    cli(args, o = {}) {
      return new Promise((resolve, reject) => {
        const child = spawnCli(args, o);
        let stdout = '';
        let stderr = '';
        child.stdout!.on('data', (d) => (stdout += d));
        child.stderr!.on('data', (d) => (stderr += d));
        const timer = setTimeout(() => child.kill('SIGKILL'), o.timeoutMs ?? 240_000);
        child.on('error', reject);
        child.on('close', (code, signal) => {
          clearTimeout(timer);
          resolve({ code, signal, stdout, stderr });
        });
      });
    },
    [Symbol.dispose]() {
      rmSync(root, { recursive: true, force: true });
    },
  };
}
