#!/usr/bin/env node
/**
 * Command-line entry: parses argv, calls one command, prints errors. The only module that touches
 * `process` (argv, env, exit code, signals); commands get a `Context` and return an exit code.
 *
 * Exit codes: 0 ok · 1 regression / lint or calibration failure · 2 configuration or input error ·
 * 3 provider errors above the error budget (the gate could not measure).
 */
import { Command, Option } from 'commander';
import { isUserError, UserErrors } from './errors.ts';
import type { Context } from './context.ts';
import { useEngineBundle } from './run/promptfoo.ts';

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

const EXIT_HELP = `
Exit codes:
  0  no regression (or nothing to evaluate)
  1  regression, lint error or calibration failure
  2  configuration or input error (bad YAML, unknown field, missing credentials with --ci)
  3  provider errors above the error budget: the gate could not measure`;

const abort = new AbortController();

function makeContext(opts: { root?: string; debug?: boolean }): Context {
  return {
    root: opts.root ?? process.cwd(),
    env: process.env,
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
    write: (text) => process.stderr.write(text),
    isTTY: Boolean(process.stdout.isTTY),
    debug: Boolean(opts.debug),
    signal: abort.signal,
  };
}

type Runner = (ctx: Context) => Promise<number>;

async function run(globalOpts: { root?: string; debug?: boolean }, runner: Runner): Promise<void> {
  const ctx = makeContext(globalOpts);
  try {
    process.exitCode = await runner(ctx);
  } catch (err) {
    if (isUserError(err)) {
      const lines = err instanceof UserErrors ? err.errors.map((e) => e.message) : [err.message];
      for (const line of lines) ctx.err(`error: ${line}`);
      if (ctx.debug) ctx.err(String(err.stack));
      process.exitCode = err.exitCode;
    } else {
      ctx.err(`internal error (a bug in agent-evals, please report it):`);
      ctx.err(err instanceof Error ? (err.stack ?? err.message) : String(err));
      process.exitCode = 2;
    }
  }
}

const program = new Command('agent-evals')
  .description('Prompt regression tests for AI agent files (Claude Code subagents, OpenCode agents), on promptfoo.')
  .option('--root <dir>', 'project root holding agents/, scenarios/, evals/, reports/', process.cwd())
  .option('--debug', 'print stack traces for errors')
  .addHelpText('after', EXIT_HELP)
  .showHelpAfterError();

const globals = () => program.opts<{ root: string; debug?: boolean }>();
const collect = (value: string, previous: string[] = []) => [...previous, value];
const int = (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`expected a positive integer, got "${value}"`);
  return n;
};

program
  .command('agents')
  .description('list agent variants found under agents/')
  .option('--json', 'print JSON')
  .action((opts) => run(globals(), async (ctx) => (await import('./commands/agents.ts')).agentsCommand(ctx, opts)));

program
  .command('lint')
  .description('check every agent variant offline (costs nothing)')
  .option('--json', 'print findings as JSON')
  .option('--max-prompt-tokens <n>', 'warn when a prompt is longer than this many tokens', int)
  .action((opts) => run(globals(), async (ctx) => (await import('./commands/lint.ts')).lintCommand(ctx, opts)));

program
  .command('calibrate')
  .description('check every scenario assertion against its reference answers, with no model')
  .option('--scenario <id>', 'only this scenario (repeatable)', collect)
  .option('--json', 'print JSON')
  .action((opts) => run(globals(), async (ctx) => (await import('./commands/calibrate.ts')).calibrateCommand(ctx, opts)));

program
  .command('eval', { isDefault: true })
  .description('run every agent variant × model × scenario × repeat, score, report')
  .option('-c, --config <file>', 'eval config', 'evals/default.yaml')
  .option('--agent <pattern>', 'only these agents or variants (name, id or glob; repeatable)', collect)
  .option('--scenario <pattern>', 'only these scenarios (id or glob; repeatable)', collect)
  .option('--tag <tag>', 'only scenarios with this tag (repeatable)', collect)
  .option('--model <pattern>', 'only these models (id, label or glob; repeatable)', collect)
  .option('--repeat <n>', 'repeats per cell (overrides the config)', int)
  .option('--concurrency <n>', 'model calls in flight (overrides the config)', int)
  .option('--dry-run', 'print the matrix size and estimated calls and tokens; call nothing')
  .addOption(new Option('--replay', 'answer only from evals/recordings/: no network').conflicts('record'))
  .option('--record', 'call models and refresh recordings')
  .option('--resume [run-id]', 'finish an interrupted run (latest if no id)')
  .option('--ci', 'gate mode: a model that cannot run is an error; compare to the baseline')
  .option('--changed-since <git-ref>', 'run only variants and scenarios whose files changed since the ref')
  .option('--baseline <git-ref>', 'read reports/baseline.json as it was at this git ref')
  .option('--shard <i/n>', 'run a deterministic share of the cells (e.g. 2/4)')
  .action((opts) => run(globals(), async (ctx) => (await import('./commands/eval.ts')).evalCommand(ctx, opts)));

program
  .command('report')
  .description('rebuild reports/index.html, summary.md and junit.xml from history and runs (no model calls)')
  .option('--run <id>', 'the run to show (default: latest)')
  .option('--open', 'open the report in a browser')
  .action((opts) => run(globals(), async (ctx) => (await import('./commands/report.ts')).reportCommand(ctx, opts)));

program
  .command('bless [run-id]')
  .description('write reports/baseline.json from a run (default: latest)')
  .action((runId, opts) => run(globals(), async (ctx) => (await import('./commands/bless.ts')).blessCommand(ctx, { ...opts, runId })));

program
  .command('gate')
  .description('compare a run to the baseline and set the exit code')
  .option('--run <id>', 'the run to gate (default: latest)')
  .option('-c, --config <file>', 'eval config (thresholds, error budget)', 'evals/default.yaml')
  .option('--baseline <git-ref>', 'read reports/baseline.json as it was at this git ref')
  .addHelpText('after', EXIT_HELP)
  .action((opts) => run(globals(), async (ctx) => (await import('./commands/gate.ts')).gateCommand(ctx, opts)));

program
  .command('merge <run-dirs...>')
  .description('combine shard runs into one run')
  .option('--out <run-id>', 'id of the merged run')
  .action((runDirs, opts) => run(globals(), async (ctx) => (await import('./commands/merge.ts')).mergeCommand(ctx, { ...opts, runDirs })));

process.once('SIGINT', () => {
  process.stderr.write('\nstopping: finished cells are kept; in-flight cells are abandoned…\n');
  abort.abort();
  process.once('SIGINT', () => process.exit(130));
});

await program.parseAsync(process.argv);

// The command is done and everything it wrote is on disk. promptfoo can still hold timers and sockets
// of requests it abandoned (an eval-step timeout leaves the HTTP call running; a 429 without
// Retry-After sleeps 60 s): they must not keep the CLI alive. The timer is unref'd, so a clean
// process exits at once and never waits for it.
setTimeout(() => process.exit(), 1_000).unref();
