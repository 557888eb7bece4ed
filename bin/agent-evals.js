#!/usr/bin/env node
// Entry point: rebuilds dist/cli.mjs from src/ when a source file changed (≈ 50 ms), then runs it.
import { build } from '../scripts/build.mjs';

await build({ ifStale: true });
await import('../dist/cli.mjs');
