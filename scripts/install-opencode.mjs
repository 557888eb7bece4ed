#!/usr/bin/env node
/**
 * Installs the OpenCode runtime (`opencode-ai` + `@opencode-ai/sdk`) into a private prefix inside the
 * project, `.agent-evals/runtimes/opencode/`, outside package.json and package-lock.json.
 *
 * Why not a dependency: a lock made by `npm i opencode-ai` here is refused by `npm ci` (the registry serves
 * only this platform's binary, and the lock then lacks the others). Installing by exact version into a
 * private prefix keeps the project's lock clean and `npm ci` working everywhere.
 *
 * Idempotent: when both packages are already there at the pinned versions it only prints where.
 *
 * @example
 *   node scripts/install-opencode.mjs            # installs (or confirms) and prints the binary's path
 *   node scripts/install-opencode.mjs --prefix /tmp/oc
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Pinned versions: the harness is tested against exactly these. Keep in step with src/execute/runtimes/opencode-install.ts. */
const PACKAGES = { 'opencode-ai': '1.18.33', '@opencode-ai/sdk': '1.18.33' };

const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const prefixArg = process.argv.indexOf('--prefix');
const prefix =
  prefixArg > 0 ? path.resolve(process.argv[prefixArg + 1] ?? '') : path.join(projectRoot, '.agent-evals', 'runtimes', 'opencode');

function installedVersion(name) {
  try {
    return JSON.parse(readFileSync(path.join(prefix, 'node_modules', name, 'package.json'), 'utf8')).version;
  } catch {
    return undefined;
  }
}

const binary = path.join(prefix, 'node_modules', '.bin', 'opencode');
const missing = Object.entries(PACKAGES).filter(([name, version]) => installedVersion(name) !== version);

if (missing.length === 0 && existsSync(binary)) {
  console.log(`OpenCode ${PACKAGES['opencode-ai']} already installed: ${binary}`);
} else {
  mkdirSync(prefix, { recursive: true });
  const specs = Object.entries(PACKAGES).map(([name, version]) => `${name}@${version}`);
  console.log(`Installing ${specs.join(' ')} into ${prefix} ...`);
  // --no-save/--no-package-lock: the prefix is a throwaway folder, never a second lock to maintain.
  const result = spawnSync(
    'npm',
    ['install', '--prefix', prefix, '--no-save', '--no-package-lock', '--no-audit', '--no-fund', '--loglevel=error', ...specs],
    { stdio: 'inherit', shell: process.platform === 'win32' },
  );
  if (result.status !== 0) {
    console.error(`npm install failed (exit ${result.status ?? result.signal}); nothing was changed in the project's own node_modules.`);
    process.exitCode = 1;
  } else if (!existsSync(binary)) {
    console.error(
      `npm install finished but ${binary} is missing: does the registry serve opencode-ai's build for ${process.platform}-${process.arch}?`,
    );
    process.exitCode = 1;
  } else {
    console.log(`OpenCode ${PACKAGES['opencode-ai']} installed: ${binary}`);
  }
}
