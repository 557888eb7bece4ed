/**
 * The command line as a function: argv in, exit code out, every output through the `ProgramIO` it is
 * given. `cli.ts` (the entry) hands it the real process; tests hand it strings and arrays and run it
 * in-process (test/support/run-cli.ts).
 *
 * Exit codes (README, "Exit codes"): 0 ok · 1 a finding (regression, missed threshold, lint or
 * calibration failure) · 2 bad input or usage · 3 provider errors above the error budget · 130 interrupted.
 *
 * @example
 * const code = await runProgram(['lint', '--json'], { cwd, env, pid, stdout: { write, isTTY: false }, stderr: { write, isTTY: false } });
 */
import { statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { isUserError, UsageError, UserErrors } from './errors.ts';
import type { Context } from './context.ts';
import { stripControl, stripProgress } from './shared/console-text.ts';
import { closest } from './shared/closest.ts';
import { MAX_CONCURRENCY, MAX_REPEATS } from './schema/eval-config.ts';
import { versionText } from './commands/version.ts';

/** One output stream: where text goes and what kind of terminal it is. */
export interface ProgramStream {
  write(text: string): void;
  /** An interactive terminal (progress bar instead of lines; help wraps to `columns`). */
  isTTY: boolean;
  columns?: number;
  /** Whether the terminal shows colours (a tty stream's `hasColors()`). */
  hasColors?: () => boolean;
}

/** What the command line reads from the outside world: the entry passes the process, tests pass doubles. */
export interface ProgramIO {
  /** The working folder: `--root`'s default. */
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** This process's id: the owner written into a run folder's lock. */
  pid: number;
  stdout: ProgramStream;
  stderr: ProgramStream;
  /** Aborted on Ctrl-C: in-flight work is abandoned, finished work is kept. */
  signal?: AbortSignal;
}

// The README's exit-code table says the same (test/e2e/exit-codes.test.ts holds them together).
const EXIT_HELP = `
Exit codes:
  0    success: no regression, every check passed (or nothing to evaluate)
  1    a finding: regression or missed threshold, lint error, calibration failure
  2    bad input or usage: bad YAML, unknown field or option, missing credentials with --ci
  3    provider errors above the error budget: the run could not measure
  130  interrupted (Ctrl-C): finished cells are kept; eval --resume finishes the run`;

// package.json sits one folder up from both src/program.ts and dist/cli.mjs.
const { version } = createRequire(import.meta.url)('../package.json') as { version: string };

/**
 * Runs one command line (the arguments after the program name) to its exit code. Never throws for a
 * user's mistake: usage errors and known errors are one line on stderr and exit 2 (or the error's own
 * code); an unknown error prints its stack as an internal error, exit 2.
 *
 * @example
 * await runProgram(['eval', '--repeat', '0'], io) // 2, and "error: option '--repeat <n>' argument '0' is invalid: …" on stderr
 */
export async function runProgram(args: string[], io: ProgramIO): Promise<number> {
  const program = createProgram(io);
  try {
    await program.command.parseAsync(args, { from: 'user' });
  } catch (err) {
    if (!(err instanceof CommanderError)) throw err;
    return commanderExit(err, program.command, io);
  }
  return program.exitCode();
}

/** The commander program bound to `io`, and the exit code its last action set. */
function createProgram(io: ProgramIO): { command: Command; exitCode: () => number } {
  let exitCode = 0;
  const colors = (s: ProgramStream) => colorsFor(io.env, s);
  const program = new Command('agent-evals')
    .description('Prompt regression tests for AI agent files (Claude Code subagents, OpenCode agents), on promptfoo.')
    .version(versionText(version), '-V, --version', 'print the version and the pinned Claude Code and OpenCode versions')
    .option('--root <dir>', 'project root holding agents/, scenarios/, evals/, reports/', io.cwd)
    .option('--debug', 'print stack traces for errors')
    .addHelpText('after', EXIT_HELP)
    // Commander's errors are thrown, not printed: runProgram prints them as one line (exit 2). Set
    // before the subcommands are added, which inherit both.
    .exitOverride()
    .configureOutput({
      outputError: () => {},
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
      // Commander's own default: the terminal's width, or undefined (its 80) when not a terminal; its type says number.
      getOutHelpWidth: () => (io.stdout.isTTY ? io.stdout.columns : undefined) as number,
      getErrHelpWidth: () => (io.stderr.isTTY ? io.stderr.columns : undefined) as number,
      getOutHasColors: () => colors(io.stdout),
      getErrHasColors: () => colors(io.stderr),
    });
  const run = async (runner: Runner) => {
    exitCode = await runCommand(io, program.opts<{ root: string; debug?: boolean }>(), runner);
  };
  addCommands(program, run);
  return { command: program, exitCode: () => exitCode };
}

type Runner = (ctx: Context) => Promise<number>;
type Run = (runner: Runner) => Promise<void>;

/** Commander's colour rule (its `useColor`), read from the given environment instead of the process's. */
function colorsFor(env: NodeJS.ProcessEnv, stream: ProgramStream): boolean {
  if (env.NO_COLOR || env.FORCE_COLOR === '0' || env.FORCE_COLOR === 'false') return false;
  if (env.FORCE_COLOR || env.CLICOLOR_FORCE !== undefined) return true;
  return Boolean(stream.isTTY && stream.hasColors?.());
}

function makeContext(io: ProgramIO, opts: { root?: string; debug?: boolean }): Context {
  return {
    root: opts.root ?? io.cwd,
    env: io.env,
    // File names, YAML values and answers reach these: no control character goes to the terminal raw.
    out: (line) => io.stdout.write(`${stripControl(line)}\n`),
    err: (line) => io.stderr.write(`${stripControl(line)}\n`),
    // The progress bar redraws with `\r` (and may colour); see execute/progress.ts.
    write: (text) => io.stderr.write(stripProgress(text)),
    isTTY: io.stdout.isTTY,
    debug: Boolean(opts.debug),
    pid: io.pid,
    ...(io.signal ? { signal: io.signal } : {}),
  };
}

/** Runs one command with the single error printer: a known error is one line, an unknown one its stack. */
async function runCommand(io: ProgramIO, globalOpts: { root?: string; debug?: boolean }, runner: Runner): Promise<number> {
  const ctx = makeContext(io, globalOpts);
  try {
    checkRoot(ctx.root);
    return await runner(ctx);
  } catch (err) {
    if (isUserError(err)) {
      const lines = err instanceof UserErrors ? err.errors.map((e) => e.message) : [err.message];
      for (const line of lines) ctx.err(`error: ${line}`);
      if (ctx.debug) ctx.err(String(err.stack));
      return err.exitCode;
    }
    ctx.err(`internal error (a bug in agent-evals, please report it):`);
    ctx.err(err instanceof Error ? (err.stack ?? err.message) : String(err));
    return 2;
  }
}

/** A missing --root must not read as an empty project ("0 errors in 0 files", exit 0). */
function checkRoot(root: string): void {
  const st = statSync(root, { throwIfNoEntry: false });
  if (!st) throw new UsageError(`--root ${root}: no such folder; expected the project root holding agents/, scenarios/, evals/`);
  if (!st.isDirectory())
    throw new UsageError(`--root ${root}: not a folder; expected the project root holding agents/, scenarios/, evals/`);
}

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

function addCommands(program: Command, run: Run): void {
  program
    .command('init')
    .description('add an eval config, an example scenario and the GitHub workflows to this repository (never overwrites)')
    .action(() => run(async (ctx) => (await import('./commands/init.ts')).initCommand(ctx)));

  program
    .command('agents')
    .description('list agent variants: agents/, .claude/agents/, .opencode/agent(s)/, opencode.json')
    .option('--json', 'print JSON')
    .action((opts) => run(async (ctx) => (await import('./commands/agents.ts')).agentsCommand(ctx, opts)));

  program
    .command('lint')
    .description('check every agent variant offline (costs nothing)')
    .option('--json', 'print findings as JSON')
    .option('--max-prompt-tokens <n>', 'warn when a prompt is longer than this many tokens', intIn(1, 10_000_000))
    .action((opts) => run(async (ctx) => (await import('./commands/lint.ts')).lintCommand(ctx, opts)));

  program
    .command('calibrate')
    .description('check every scenario assertion against its reference answers, with no model (rubrics: with the grader of --config)')
    .option('--scenario <id>', 'only this scenario (repeatable)', collect)
    .option('-c, --config <file>', "also grade each rubric on its reference answers with this eval config's grader")
    .option('--repeat <k>', 'grades per rubric and reference answer, with --config (default 3)', intIn(1, 20))
    .option('--json', 'print JSON')
    .action((opts) => run(async (ctx) => (await import('./commands/calibrate.ts')).calibrateCommand(ctx, opts)));

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
    .action((opts) => run(async (ctx) => (await import('./commands/examples.ts')).examplesAddCommand(ctx, opts)));

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
    .action((opts) => run(async (ctx) => (await import('./commands/eval.ts')).evalCommand(ctx, opts)));

  program
    .command('report')
    .description('rebuild reports/index.html, summary.md and junit.xml from history and runs (no model calls)')
    .option('--run <id>', 'the run to show (default: latest)')
    .option('--open', 'open the report in a browser')
    .option('--format <format>', 'files (default: index.html, summary.md, junit.xml) or pr-comment (the pull-request comment, on stdout)')
    .option('--baseline <git-ref>', 'pr-comment: read reports/baseline.json as it was at this git ref')
    .option('--report-url <url>', 'pr-comment: where the full report is (the CI run or its artifact)')
    .action((opts) => run(async (ctx) => (await import('./commands/report.ts')).reportCommand(ctx, opts)));

  program
    .command('bless [run-id]')
    .description('write reports/baseline.json from a run (default: latest)')
    .action((runId, opts) => run(async (ctx) => (await import('./commands/bless.ts')).blessCommand(ctx, { ...opts, runId })));

  program
    .command('gate')
    .description('compare a run to the baseline and set the exit code')
    .option('--run <id>', 'the run to gate (default: latest)')
    .option('-c, --config <file>', 'eval config whose thresholds to use (default: the config the run was made with)')
    .option('--baseline <git-ref>', 'read reports/baseline.json as it was at this git ref')
    .addHelpText('after', EXIT_HELP)
    .action((opts) => run(async (ctx) => (await import('./commands/gate.ts')).gateCommand(ctx, opts)));

  program
    .command('merge <run-dirs...>')
    .description('combine shard runs into one run')
    .option('--out <run-id>', 'id of the merged run')
    .action((runDirs, opts) => run(async (ctx) => (await import('./commands/merge.ts')).mergeCommand(ctx, { ...opts, runDirs })));

  program
    .command('history')
    .description('reports/history.jsonl upkeep')
    .command('compact')
    .description('keep every aggregate of the newest runs and per-variant × model totals of older ones (what trends draw)')
    .option('--keep <n>', 'runs kept in full (default: 100)', intIn(0, 1_000_000))
    .action((opts) => run(async (ctx) => (await import('./commands/history.ts')).historyCompactCommand(ctx, opts)));

  program
    .command('install-runtime <name>')
    .description(
      'install the program of an agent runtime at its pinned version: opencode (into .agent-evals/runtimes/opencode/) or claude-code',
    )
    .action((name, opts) =>
      run(async (ctx) => (await import('./commands/install-runtime.ts')).installRuntimeCommand(ctx, { ...opts, runtime: name })),
    );
}

/**
 * Commander's own outcomes: help and version are exit 0; help shown because no command was given
 * is exit 2 (the help is already on stderr); every usage error is one line and exit 2.
 */
function commanderExit(err: CommanderError, program: Command, io: ProgramIO): number {
  if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version') return 0;
  if (err.code === 'commander.help') return err.exitCode === 0 ? 0 : 2;
  let message = err.message.replace(/^error: /, '').replace(/ is invalid\. /, ' is invalid: ');
  if (err.code === 'commander.unknownCommand') {
    const typed = program.args[0] ?? '';
    const names = program.commands.map((c) => c.name());
    const near = closest(typed, names);
    message = `unknown command '${typed}' ${near ? `(did you mean '${near}'?)` : `(commands: ${names.join(', ')})`}`;
  }
  io.stderr.write(`error: ${stripControl(message.split('\n')[0]!)}\n`);
  return 2;
}
