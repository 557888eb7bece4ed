#!/usr/bin/env node
/**
 * Command-line entry: parses argv, calls one command, prints errors. The only module that touches
 * `process` (argv, env, exit code, signals); commands get a `Context` and return an exit code.
 *
 * Exit codes (README, "Exit codes"): 0 ok · 1 a finding (regression, missed threshold, lint or
 * calibration failure) · 2 bad input or usage · 3 provider errors above the error budget · 130 interrupted.
 */
import { statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { isUserError, UsageError, UserErrors } from './errors.ts';
import type { Context } from './context.ts';
import { stripControl, stripProgress } from './shared/console-text.ts';
import { closest } from './shared/closest.ts';
import { MAX_CONCURRENCY, MAX_REPEATS } from './schema/eval-config.ts';
import { useEngineBundle } from './execute/engine.ts';
import { versionText } from './execute/runtimes/runtime-install.ts';

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

// The README's exit-code table says the same (test/e2e/exit-codes.test.ts holds them together).
const EXIT_HELP = `
Exit codes:
  0    success: no regression, every check passed (or nothing to evaluate)
  1    a finding: regression or missed threshold, lint error, calibration failure
  2    bad input or usage: bad YAML, unknown field or option, missing credentials with --ci
  3    provider errors above the error budget: the run could not measure
  130  interrupted (Ctrl-C): finished cells are kept; eval --resume finishes the run`;

const abort = new AbortController();

function makeContext(opts: { root?: string; debug?: boolean }): Context {
  return {
    root: opts.root ?? process.cwd(),
    env: process.env,
    // File names, YAML values and answers reach these: no control character goes to the terminal raw.
    out: (line) => process.stdout.write(`${stripControl(line)}\n`),
    err: (line) => process.stderr.write(`${stripControl(line)}\n`),
    // The progress bar redraws with `\r` (and may colour); see run/progress.ts.
    write: (text) => process.stderr.write(stripProgress(text)),
    isTTY: Boolean(process.stdout.isTTY),
    debug: Boolean(opts.debug),
    pid: process.pid,
    signal: abort.signal,
  };
}

type Runner = (ctx: Context) => Promise<number>;

async function run(globalOpts: { root?: string; debug?: boolean }, runner: Runner): Promise<void> {
  const ctx = makeContext(globalOpts);
  try {
    checkRoot(ctx.root);
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

/** A missing --root must not read as an empty project ("0 errors in 0 files", exit 0). */
function checkRoot(root: string): void {
  const st = statSync(root, { throwIfNoEntry: false });
  if (!st) throw new UsageError(`--root ${root}: no such folder; expected the project root holding agents/, scenarios/, evals/`);
  if (!st.isDirectory())
    throw new UsageError(`--root ${root}: not a folder; expected the project root holding agents/, scenarios/, evals/`);
}

// package.json sits one folder up from both src/cli.ts and dist/cli.mjs.
const { version } = createRequire(import.meta.url)('../package.json') as { version: string };

const program = new Command('agent-evals')
  .description('Prompt regression tests for AI agent files (Claude Code subagents, OpenCode agents), on promptfoo.')
  .version(versionText(version), '-V, --version', 'print the version and the pinned Claude Code and OpenCode versions')
  .option('--root <dir>', 'project root holding agents/, scenarios/, evals/, reports/', process.cwd())
  .option('--debug', 'print stack traces for errors')
  .addHelpText('after', EXIT_HELP)
  // Commander's errors are thrown, not printed: the catch around parseAsync prints them as one line
  // (exit 2). Set before the subcommands are added, which inherit both.
  .exitOverride()
  .configureOutput({ outputError: () => {} });

const globals = () => program.opts<{ root: string; debug?: boolean }>();
const collect = (value: string, previous: string[] = []) => [...previous, value];
/** An option parser for a whole number in [min, max]; commander reports its message as the option's error. */
const intIn = (min: number, max: number) => (value: string) => {
  const n = Number(value);
  if (!/^\s*[-+]?\d+\s*$/.test(value) || !Number.isSafeInteger(n) || n < min || n > max) {
    throw new InvalidArgumentError(`expected a whole number from ${min} to ${max}`);
  }
  return n;
};
/** An option parser for a positive decimal number (`--budget-usd 2.50`). */
const positiveNumber = (value: string) => {
  const n = Number(value);
  if (!/^\s*\d*\.?\d+\s*$/.test(value) || !Number.isFinite(n) || n <= 0)
    throw new InvalidArgumentError('expected a positive number, e.g. 2.50');
  return n;
};

program
  .command('init')
  .description('add an eval config, an example scenario and the GitHub workflows to this repository (never overwrites)')
  .action(() => run(globals(), async (ctx) => (await import('./commands/init.ts')).initCommand(ctx)));

program
  .command('agents')
  .description('list agent variants: agents/, .claude/agents/, .opencode/agent(s)/, opencode.json')
  .option('--json', 'print JSON')
  .action((opts) => run(globals(), async (ctx) => (await import('./commands/agents.ts')).agentsCommand(ctx, opts)));

program
  .command('lint')
  .description('check every agent variant offline (costs nothing)')
  .option('--json', 'print findings as JSON')
  .option('--max-prompt-tokens <n>', 'warn when a prompt is longer than this many tokens', intIn(1, 10_000_000))
  .action((opts) => run(globals(), async (ctx) => (await import('./commands/lint.ts')).lintCommand(ctx, opts)));

program
  .command('calibrate')
  .description('check every scenario assertion against its reference answers, with no model (rubrics: with the grader of --config)')
  .option('--scenario <id>', 'only this scenario (repeatable)', collect)
  .option('-c, --config <file>', "also grade each rubric on its reference answers with this eval config's grader")
  .option('--repeat <k>', 'grades per rubric and reference answer, with --config (default 3)', intIn(1, 20))
  .option('--json', 'print JSON')
  .action((opts) => run(globals(), async (ctx) => (await import('./commands/calibrate.ts')).calibrateCommand(ctx, opts)));

program
  .command('examples')
  .description("scenarios' reference examples")
  .command('add')
  .description(
    "write a cell of a run as a pass or fail reference example beside its scenario: answer, trajectory, and the scenario's examples: entry",
  )
  .requiredOption('--cell <cell-id>', "the cell: its cellId in the run's results.jsonl, or the first 6+ characters of it")
  .addOption(new Option('--as <side>', 'a pass or a fail example').choices(['pass', 'fail']).makeOptionMandatory())
  .option('--run <id>', 'the run (default: latest)')
  .option('--label <name>', "the example's label, which also names its files")
  .action((opts) => run(globals(), async (ctx) => (await import('./commands/examples.ts')).examplesAddCommand(ctx, opts)));

program
  .command('eval')
  .description('run every agent variant × model × scenario × repeat, score, report')
  .option('-c, --config <file>', 'eval config', 'evals/default.yaml')
  .option('--agent <pattern>', 'only these agents or variants (name, id or glob; repeatable)', collect)
  .option('--scenario <pattern>', 'only these scenarios (id or glob; repeatable)', collect)
  .option('--tag <tag>', 'only scenarios with this tag (repeatable)', collect)
  .option('--model <pattern>', 'only these models (id, label or glob; repeatable)', collect)
  .option('--repeat <n>', `repeats per cell, 1 to ${MAX_REPEATS} (overrides the config)`, intIn(1, MAX_REPEATS))
  .option('--concurrency <n>', `model calls in flight, 1 to ${MAX_CONCURRENCY} (overrides the config)`, intIn(1, MAX_CONCURRENCY))
  .option(
    '--dry-run',
    'print the matrix size, the repeats a 10- and 20-point change need, the expected tokens, cost and time; call nothing',
  )
  .option('--budget-usd <usd>', "the run's USD budget (over the config's budget.usd): no cell starts that would cross it", positiveNumber)
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
  .option('--format <format>', 'files (default: index.html, summary.md, junit.xml) or pr-comment (the pull-request comment, on stdout)')
  .option('--baseline <git-ref>', 'pr-comment: read reports/baseline.json as it was at this git ref')
  .option('--report-url <url>', 'pr-comment: where the full report is (the CI run or its artifact)')
  .action((opts) => run(globals(), async (ctx) => (await import('./commands/report.ts')).reportCommand(ctx, opts)));

program
  .command('bless [run-id]')
  .description('write reports/baseline.json from a run (default: latest)')
  .action((runId, opts) => run(globals(), async (ctx) => (await import('./commands/bless.ts')).blessCommand(ctx, { ...opts, runId })));

program
  .command('gate')
  .description('compare a run to the baseline and set the exit code')
  .option('--run <id>', 'the run to gate (default: latest)')
  .option('-c, --config <file>', 'eval config whose thresholds to use (default: the config the run was made with)')
  .option('--baseline <git-ref>', 'read reports/baseline.json as it was at this git ref')
  .addHelpText('after', EXIT_HELP)
  .action((opts) => run(globals(), async (ctx) => (await import('./commands/gate.ts')).gateCommand(ctx, opts)));

program
  .command('merge <run-dirs...>')
  .description('combine shard runs into one run')
  .option('--out <run-id>', 'id of the merged run')
  .action((runDirs, opts) => run(globals(), async (ctx) => (await import('./commands/merge.ts')).mergeCommand(ctx, { ...opts, runDirs })));

program
  .command('history')
  .description('reports/history.jsonl upkeep')
  .command('compact')
  .description('keep every aggregate of the newest runs and per-variant × model totals of older ones (what trends draw)')
  .option('--keep <n>', 'runs kept in full (default: 100)', intIn(0, 1_000_000))
  .action((opts) => run(globals(), async (ctx) => (await import('./commands/history.ts')).historyCompactCommand(ctx, opts)));

program
  .command('install-runtime <name>')
  .description(
    'install the program of an agent runtime at its pinned version: opencode (into .agent-evals/runtimes/opencode/) or claude-code',
  )
  .action((name, opts) =>
    run(globals(), async (ctx) => (await import('./commands/install-runtime.ts')).installRuntimeCommand(ctx, { ...opts, runtime: name })),
  );

process.once('SIGINT', () => {
  process.stderr.write('\nstopping: finished cells are kept; in-flight cells are abandoned…\n');
  abort.abort();
  process.once('SIGINT', () => process.exit(130));
});

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (!(err instanceof CommanderError)) throw err;
  process.exitCode = commanderExit(err);
}

/**
 * Commander's own outcomes: help and version are exit 0; help shown because no command was given
 * is exit 2 (the help is already on stderr); every usage error is one line and exit 2.
 */
function commanderExit(err: CommanderError): number {
  if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version') return 0;
  if (err.code === 'commander.help') return err.exitCode === 0 ? 0 : 2;
  let message = err.message.replace(/^error: /, '').replace(/ is invalid\. /, ' is invalid: ');
  if (err.code === 'commander.unknownCommand') {
    const typed = program.args[0] ?? '';
    const names = program.commands.map((c) => c.name());
    const near = closest(typed, names);
    message = `unknown command '${typed}' ${near ? `(did you mean '${near}'?)` : `(commands: ${names.join(', ')})`}`;
  }
  process.stderr.write(`error: ${stripControl(message.split('\n')[0]!)}\n`);
  return 2;
}

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
