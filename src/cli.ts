#!/usr/bin/env node
/**
 * Command-line entry: the only module that touches `process` (argv, env, exit code, signals, stdout and
 * stderr). It hands them to `runProgram` (program.ts: parses argv, calls one command, prints errors)
 * and sets the exit code it returns; see program.ts for the commands and the exit-code table.
 */
import { useEngineBundle } from './execute/engine.ts';
import { runProgram } from './program.ts';

// Our users' CI often has a closed network: promptfoo must not phone home unless asked to.
process.env.PROMPTFOO_DISABLE_TELEMETRY ??= '1';
process.env.PROMPTFOO_DISABLE_UPDATE ??= '1';
// With source maps on (tsx, NODE_OPTIONS=--enable-source-maps) every stack trace costs a source-map
// lookup, and promptfoo builds one per log line at debug level. Positions only matter with --debug.
if (!process.argv.includes('--debug')) process.setSourceMapsEnabled(false);
// promptfoo's HTTP client uses undici's experimental decompress interceptor; its warning is noise to users.
process.removeAllListeners('warning');
process.on('warning', (w) => {
  if (w.name !== 'ExperimentalWarning') process.stderr.write(`${w.name}: ${w.message}\n`);
});

// Run from the bundle (dist/cli.mjs), load promptfoo from its bundle in dist/engine/ (npm install builds it).
if (import.meta.url.endsWith('/dist/cli.mjs')) useEngineBundle(new URL('./engine/promptfoo.mjs', import.meta.url));

const abort = new AbortController();
process.once('SIGINT', () => {
  process.stderr.write('\nstopping: finished cells are kept; in-flight cells are abandoned…\n');
  abort.abort();
  process.once('SIGINT', () => process.exit(130));
});

/**
 * One of the process's output streams. When its reader goes away (`agent-evals … | head -1`) the rest of
 * the output is dropped and the command finishes (an eval's results are on disk, not on stdout); any other
 * stream error is still a crash.
 */
const stream = (s: NodeJS.WriteStream) => {
  let readerGone = false;
  s.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err;
    readerGone = true;
  });
  return {
    write: (text: string) => void (readerGone || s.write(text)),
    isTTY: Boolean(s.isTTY),
    columns: s.columns,
    hasColors: () => Boolean(s.hasColors?.()),
  };
};

// The environment is the process's own (not a copy): promptfoo reads its settings from there, and the
// eval sets them (execute/run-cells.ts).
process.exitCode = await runProgram(process.argv.slice(2), {
  cwd: process.cwd(),
  env: process.env,
  pid: process.pid,
  stdout: stream(process.stdout),
  stderr: stream(process.stderr),
  signal: abort.signal,
});

// The command is done and everything it wrote is on disk. promptfoo can still hold timers and sockets
// of requests it abandoned (an eval-step timeout leaves the HTTP call running; a 429 without
// Retry-After sleeps 60 s): they must not keep the CLI alive. The timer is unref'd, so a clean
// process exits at once and never waits for it.
setTimeout(() => process.exit(), 1_000).unref();

// Once nothing is left to do, exit at once rather than let Node free the heap page by page: on a 300-cell
// replay that teardown is ≈ 60 ms of CPU (docs/performance.md, "Replay cost against 0b6568e"). Exits only
// when Node would have exited anyway: one turn after the loop ran dry (so promptfoo's own beforeExit
// handlers, provider and telemetry shutdown, have started), and only if no resource is open that was not
// open when it ran dry (stdio pipes count as resources without keeping the loop alive).
let idle: string[] = [];
process.prependListener('beforeExit', () => {
  idle = process.getActiveResourcesInfo();
});
process.on('beforeExit', () => {
  setImmediate(() => {
    if (onlyIdle(process.getActiveResourcesInfo(), idle)) process.exit();
  });
});

/** Whether every resource in `now` was already open, as many times, when the loop ran dry. */
function onlyIdle(now: string[], dry: string[]): boolean {
  const left = [...dry];
  return now.every((r) => {
    const i = left.indexOf(r);
    if (i >= 0) left.splice(i, 1);
    return i >= 0;
  });
}
