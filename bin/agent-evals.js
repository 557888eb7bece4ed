#!/usr/bin/env node
// Entry point: rebuilds dist/cli.mjs from src/ when a source file changed (≈ 50 ms), makes sure the
// promptfoo bundle exists (built once on first use when npm ran no install script: one line on stderr),
// then runs the CLI.
import { build } from '../scripts/build.mjs';
import { ensureEngineBundle } from '../scripts/build-engine.mjs';

await build({ ifStale: true });
await ensureEngineBundle((line) => process.stderr.write(`${line}\n`));
await import('../dist/cli.mjs');
