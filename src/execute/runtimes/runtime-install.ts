/**
 * Installs the agent programs the runtimes drive, at the versions the harness is tested against: the one
 * place that does it (`agent-evals install-runtime`, `.ci/run`, the workflows and this repository's test
 * setup all come here).
 *
 * - **opencode**: `opencode-ai` + `@opencode-ai/sdk` into the project's private npm prefix
 *   `.agent-evals/runtimes/opencode/`, outside package.json and the lock: a lock holding `opencode-ai` is
 *   refused by `npm ci` on other platforms (the registry serves only this platform's build to the locker).
 * - **claude-code**: `@anthropic-ai/claude-agent-sdk` is an optional dependency of agent-evals, so `npm install`
 *   normally brings it; when it is missing (optional dependencies omitted), `npm install --no-save` of the pinned
 *   version into the folder whose `node_modules` holds agent-evals (where the harness imports it from), leaving
 *   the project's package.json and lock as they are.
 *
 * Idempotent: a program already there at its pinned version is not installed again.
 *
 * @example
 * const outcome = await installRuntime('opencode', { root: ctx.root, env: ctx.env, progress: ctx.err });
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ProviderUnavailableError } from '../../errors.ts';
import { CLAUDE_AGENT_SDK, CLAUDE_AGENT_SDK_VERSION } from './claude-code.ts';
import { findPackageRoot, installedOpenCodeBinary, OPENCODE_VERSION, openCodePrefix } from './opencode.ts';

export const INSTALLABLE_RUNTIMES = ['opencode', 'claude-code'] as const;
type InstallableRuntime = (typeof INSTALLABLE_RUNTIMES)[number];

export const isInstallableRuntime = (name: string): name is InstallableRuntime =>
  (INSTALLABLE_RUNTIMES as readonly string[]).includes(name);

/** Pinned packages of the OpenCode runtime: the harness is tested against exactly these. */
export const OPENCODE_PACKAGES: Readonly<Record<string, string>> = {
  'opencode-ai': OPENCODE_VERSION,
  '@opencode-ai/sdk': OPENCODE_VERSION,
};

interface InstallRuntimeIO {
  /** The project root: OpenCode goes into its `.agent-evals/runtimes/opencode/`. */
  root: string;
  /** npm's environment (PATH, registry settings). */
  env: NodeJS.ProcessEnv;
  /** One line of progress (stderr). */
  progress: (line: string) => void;
}

interface InstallOutcome {
  /** False when the pinned version was already there. */
  installed: boolean;
  /** The packages, `name@version`. */
  packages: string[];
  /** Where: the binary (opencode) or the package folder (claude-code). */
  where: string;
}

/** Installs (or confirms) one runtime's program. Throws a user error naming npm's failure. */
export async function installRuntime(name: InstallableRuntime, io: InstallRuntimeIO): Promise<InstallOutcome> {
  return name === 'opencode' ? installOpenCode(io) : installClaudeAgentSdk(io);
}

async function installOpenCode(io: InstallRuntimeIO): Promise<InstallOutcome> {
  const prefix = openCodePrefix(io.root);
  const packages = Object.entries(OPENCODE_PACKAGES).map(([pkg, version]) => `${pkg}@${version}`);
  const current = () =>
    Object.entries(OPENCODE_PACKAGES).every(([pkg, version]) => installedVersion(path.join(prefix, 'node_modules'), pkg) === version)
      ? installedOpenCodeBinary(io.root)
      : undefined;
  const already = current();
  if (already) return { installed: false, packages, where: already };
  mkdirSync(prefix, { recursive: true });
  io.progress(`installing ${packages.join(' ')} into ${prefix} (about 100 MB from the npm registry) ...`);
  // --no-save/--no-package-lock: the prefix is a throwaway folder, never a second lock to maintain.
  await npmInstall(['--prefix', prefix, '--no-save', '--no-package-lock', ...packages], io);
  const binary = current();
  if (!binary)
    throw new ProviderUnavailableError(
      `npm installed ${packages.join(' ')} into ${prefix} but no opencode binary for ${os.platform()}-${os.arch()} is there: does the registry serve opencode-ai's build for this platform?`,
    );
  return { installed: true, packages, where: binary };
}

async function installClaudeAgentSdk(io: InstallRuntimeIO): Promise<InstallOutcome> {
  const packages = [`${CLAUDE_AGENT_SDK}@${CLAUDE_AGENT_SDK_VERSION}`];
  const appRoot = importingRoot();
  const found = () => {
    for (let dir = findPackageRoot(); ; dir = path.dirname(dir)) {
      const modules = path.join(dir, 'node_modules');
      if (installedVersion(modules, CLAUDE_AGENT_SDK) === CLAUDE_AGENT_SDK_VERSION) return path.join(modules, CLAUDE_AGENT_SDK);
      if (path.dirname(dir) === dir) return undefined;
    }
  };
  const already = found();
  if (already) return { installed: false, packages, where: already };
  io.progress(`installing ${packages[0]} into ${path.join(appRoot, 'node_modules')} (npm install --no-save) ...`);
  await npmInstall(['--prefix', appRoot, '--no-save', ...packages], io);
  const where = found();
  if (!where)
    throw new ProviderUnavailableError(`npm installed ${packages[0]} but agent-evals still cannot find it from ${findPackageRoot()}`);
  return { installed: true, packages, where };
}

/** The folder whose `node_modules` holds agent-evals (a user's project), or this repository itself. */
function importingRoot(): string {
  const packageRoot = findPackageRoot();
  let up = path.dirname(packageRoot);
  if (path.basename(up).startsWith('@')) up = path.dirname(up);
  return path.basename(up) === 'node_modules' ? path.dirname(up) : packageRoot;
}

function installedVersion(modules: string, pkg: string): string | undefined {
  const file = path.join(modules, pkg, 'package.json');
  if (!existsSync(file)) return undefined;
  try {
    return (JSON.parse(readFileSync(file, 'utf8')) as { version?: string }).version;
  } catch {
    return undefined;
  }
}

/** `npm install <args>`, npm's output forwarded line by line to the progress stream. */
function npmInstall(args: string[], io: InstallRuntimeIO): Promise<void> {
  const full = ['install', '--no-audit', '--no-fund', '--loglevel=error', ...args];
  return new Promise((resolve, reject) => {
    const child = spawn('npm', full, { env: io.env, stdio: ['ignore', 'pipe', 'pipe'], shell: os.platform() === 'win32' });
    let last = '';
    const forward = (chunk: Buffer) => {
      for (const line of chunk.toString().split('\n')) {
        if (!line.trim()) continue;
        last = line.trim();
        io.progress(`  npm: ${last}`);
      }
    };
    child.stdout.on('data', forward);
    child.stderr.on('data', forward);
    child.on('error', (err) => reject(new ProviderUnavailableError(`cannot run npm (${err.message}): is it on PATH?`)));
    child.on('close', (code, signal) => {
      if (code === 0) resolve();
      else reject(new ProviderUnavailableError(`npm ${full.join(' ')} failed (exit ${code ?? signal})${last ? `: ${last}` : ''}`));
    });
  });
}
