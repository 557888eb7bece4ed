/**
 * `npm install` runs this (postinstall): applies patches/ to promptfoo with patch-package, wherever npm
 * put promptfoo. In this repository that is ./node_modules/promptfoo; when agent-evals is a dependency
 * of another project, npm hoists promptfoo into that project's node_modules, and patch-package (which
 * patches <app>/node_modules/<package>) must run from there, with this package's patches/ folder.
 *
 * Then, in a package install only (this repository builds it in prepare), bundles the engine into
 * dist/engine/ (scripts/build-engine.mjs), so a user's commands start as fast as here.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** The folder whose node_modules/promptfoo Node resolves from this package (the same walk up as Node's). */
function appRootOfPromptfoo() {
  for (let dir = here; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'node_modules', 'promptfoo', 'package.json'))) return dir;
    if (path.dirname(dir) === dir) return undefined;
  }
}

const appRoot = appRootOfPromptfoo();
if (!appRoot) {
  console.error('agent-evals: promptfoo is not installed next to agent-evals; its patch was not applied');
  process.exit(1);
}
const patchPackage = createRequire(path.join(here, 'package.json')).resolve('patch-package/index.js');
const patchDir = path.relative(appRoot, path.join(here, 'patches')) || 'patches';
const result = spawnSync(process.execPath, [patchPackage, '--patch-dir', patchDir], { cwd: appRoot, stdio: 'inherit' });
if (result.status === 0)
  spawnSync(process.execPath, [path.join(here, 'scripts', 'build-engine.mjs'), '--postinstall'], { stdio: 'inherit' });
process.exit(result.status ?? 1);
