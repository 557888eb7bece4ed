/**
 * The command line itself (issue 13, items 12, 16, 19, 20, 22, 25): bad options and unknown commands
 * are one line and exit 2, never a stack trace; no arguments prints help instead of starting an eval;
 * a missing --root is an error; a run id is a name, never a path; terminal control characters in file
 * names never reach the console raw. Every case runs the real CLI in-process
 * (src/program.ts, as the bin runs it) offline; test/e2e/cli-entry.test.ts runs the bin itself.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCliInProcess, usePromptfooInProcess } from '../support/run-cli.ts';
import { AGENT_FILES, STACK_FRAME } from '../support/mini-project.ts';

usePromptfooInProcess();
const work = mkdtempSync(path.join(tmpdir(), 'agent-evals-cli-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the real CLI in-process in `cwd` (an empty folder unless given) with no network and no keys. */
function cli(args: string[], cwd = emptyRoot()): Promise<Result> {
  return runCliInProcess(args, { cwd });
}

let roots = 0;
function emptyRoot(): string {
  const dir = path.join(work, `root-${roots++}`);
  mkdirSync(dir, { recursive: true });
  return dir;
}

const show = (r: Result) => `exit ${r.code}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;

/** Exit 2, nothing on stdout, exactly one stderr line (matching `message`), no stack, no help dump. */
function expectUsageError(r: Result, message: RegExp): void {
  expect(r.code, show(r)).toBe(2);
  expect(r.stderr, show(r)).not.toMatch(STACK_FRAME);
  expect(r.stdout, show(r)).toBe('');
  const lines = r.stderr.split('\n').filter((l) => l.trim());
  expect(lines, show(r)).toHaveLength(1);
  expect(lines[0], show(r)).toMatch(message);
}

describe('bad options: one line, exit 2 (item 12)', () => {
  it.concurrent.each([
    [
      ['eval', '--repeat', '0', '--dry-run'],
      /^error: option '--repeat <n>' argument '0' is invalid: expected a whole number from 1 to 100$/,
    ],
    [
      ['eval', '--repeat', '-1', '--dry-run'],
      /^error: option '--repeat <n>' argument '-1' is invalid: expected a whole number from 1 to 100$/,
    ],
    [
      ['eval', '--repeat', 'abc', '--dry-run'],
      /^error: option '--repeat <n>' argument 'abc' is invalid: expected a whole number from 1 to 100$/,
    ],
    [
      ['eval', '--concurrency', '0', '--dry-run'],
      /^error: option '--concurrency <n>' argument '0' is invalid: expected a whole number from 1 to 256$/,
    ],
    [['lint', '--max-prompt-tokens', 'abc'], /^error: option '--max-prompt-tokens <n>' argument 'abc' is invalid: expected a whole number/],
    [['eval', '--bogus'], /^error: unknown option '--bogus'/],
    [['eval', '--replay', '--record'], /^error: option '--replay' cannot be used with option '--record'$/],
    [['eval', '--config'], /^error: option '-c, --config <file>' argument missing$/],
    [['gate', 'extra'], /^error: too many arguments for 'gate'/],
  ])('%j', async (args, message) => {
    expectUsageError(await cli(args), message);
  });

  it('--repeat is capped like `repeats:` in the eval config (item 15): 1e9 is refused at once, nothing is planned', async () => {
    expectUsageError(
      await cli(['eval', '--repeat', '1000000000', '--dry-run']),
      /^error: option '--repeat <n>' argument '1000000000' is invalid: expected a whole number from 1 to 100$/,
    );
  });

  it('--debug keeps the one line (commander errors have no useful stack)', async () => {
    const r = await cli(['--debug', 'eval', '--repeat', '0']);
    expect(r.code, show(r)).toBe(2);
    expect(r.stderr).toMatch(/^error: option '--repeat <n>' argument '0' is invalid/m);
  });
});

describe('commands (item 20)', () => {
  it('no arguments prints the help on stderr and exits 2; nothing runs', async () => {
    const root = emptyRoot();
    const r = await cli([], root);
    expect(r.code, show(r)).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^Usage: agent-evals \[options\] \[command\]/m);
    expect(r.stderr).toMatch(/^Exit codes:/m);
    expect(existsSync(path.join(root, 'reports')), 'no eval started').toBe(false);
  });

  it.concurrent.each([
    ['gat', 'gate'],
    ['evl', 'eval'],
    ['agnets', 'agents'],
  ])('unknown command %s: one line suggesting %s, exit 2', async (typo, meant) => {
    expectUsageError(await cli([typo]), new RegExp(`^error: unknown command '${typo}' \\(did you mean '${meant}'\\?\\)$`));
  });

  it('an unknown command with nothing close lists the commands', async () => {
    expectUsageError(
      await cli(['frobnicate']),
      /^error: unknown command 'frobnicate' \(commands: init, agents, lint, calibrate, examples, eval, report, bless, gate, merge, history, install-runtime\)$/,
    );
  });

  it.concurrent.each([[['--help']], [['--version']], [['eval', '--help']], [['help', 'gate']]])('%j exits 0 on stdout', async (args) => {
    const r = await cli(args);
    expect(r.code, show(r)).toBe(0);
    expect(r.stdout.trim()).not.toBe('');
    expect(r.stderr).toBe('');
  });
});

describe('--root (item 16)', () => {
  it.concurrent.each([['lint'], ['agents'], ['eval'], ['report']])('a missing --root is exit 2 naming it (%s)', async (command) => {
    const missing = path.join(work, 'no-such-project');
    expectUsageError(
      await cli(['--root', missing, command]),
      new RegExp(
        `^error: --root ${missing.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: no such folder; expected the project root holding agents/, scenarios/, evals/$`,
      ),
    );
  });

  it('a --root that is a file is exit 2', async () => {
    const file = path.join(emptyRoot(), 'file.txt');
    writeFileSync(file, 'x');
    expectUsageError(await cli(['--root', file, 'lint']), /^error: --root .*file\.txt: not a folder; expected the project root/);
  });
});

describe('merge --out is a run id, never a path (item 19)', () => {
  it.concurrent.each([['../../../tmp/escape'], ['a/b'], ['..'], ['.hidden'], ['a\\b'], ['']])(
    '--out %j: exit 2, nothing written',
    async (out) => {
      const root = emptyRoot();
      const r = await cli(['--root', root, 'merge', 'shard-1', 'shard-2', '--out', out], root);
      expectUsageError(
        r,
        /^error: merge --out: .* is not a run id; expected a name of letters, digits, '\.', '_' and '-' \(no '\/', no leading '\.'\)$/,
      );
      expect(existsSync(path.join(root, 'reports')), 'nothing written').toBe(false);
      expect(existsSync(path.resolve(root, 'reports', 'runs', out)), 'nothing at the escaped path').toBe(false);
    },
  );
});

describe('terminal control characters never reach the console (item 22)', () => {
  // ESC sequences that clear the screen and retitle the terminal, a bell, a backspace and a carriage return.
  const EVIL = '\u001b[2J\u001b]0;pwned\u0007\b\r';
  const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;

  it('file names in lint findings and in the agents table are printed without them', async () => {
    const root = emptyRoot();
    const dir = path.join(root, 'agents', 'helper');
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'brief.md'), AGENT_FILES['agents/helper/brief.md']);
    // A lint warning (no trigger guidance) on a file whose name holds control characters.
    writeFileSync(path.join(dir, `x${EVIL}y.md`), '---\nname: helper\ndescription: Refunds.\n---\n\nYou answer.\n');
    for (const args of [['lint'], ['agents'], ['lint', '--json']]) {
      const r = await cli(['--root', root, ...args], root);
      expect(r.code, show(r)).toBe(0);
      expect(`${r.stdout}${r.stderr}`).toMatch(/x.*y/);
      expect(r.stdout, `${args.join(' ')}: ${JSON.stringify(r.stdout)}`).not.toMatch(CONTROL);
      expect(r.stderr, `${args.join(' ')}: ${JSON.stringify(r.stderr)}`).not.toMatch(CONTROL);
    }
  });

  it('error messages quoting a value from a file are printed without them', async () => {
    const root = emptyRoot();
    mkdirSync(path.join(root, 'evals'), { recursive: true });
    // YAML double-quoted escapes: \e is ESC, \a is BEL, \b is backspace.
    writeFileSync(path.join(root, 'evals', 'default.yaml'), 'models: [m]\n"bad\\e[2J\\e]0;pwned\\a\\bkey": 1\n');
    const r = await cli(['--root', root, 'eval', '--dry-run'], root);
    expect(r.code, show(r)).toBe(2);
    expect(r.stderr).toMatch(/^error: evals\/default\.yaml:2:1: unknown field "bad.*key"$/m);
    expect(r.stderr, JSON.stringify(r.stderr)).not.toMatch(CONTROL);
  });
});

describe('lint says each finding once (item 25)', () => {
  it('the lenient-YAML warning: one line per file, on stdout only, for lint and for agents', async () => {
    const root = emptyRoot();
    const dir = path.join(root, 'agents', 'helper');
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      path.join(dir, 'colon.md'),
      '---\nname: helper\ndescription: Use when: the user asks about refunds.\n---\n\nYou answer.\n',
    );
    writeFileSync(path.join(dir, 'brief.md'), AGENT_FILES['agents/helper/brief.md']);
    const lenient = (text: string) => text.split('\n').filter((l) => /yaml-lenient/.test(l));
    const lint = await cli(['--root', root, 'lint'], root);
    expect(lint.code, show(lint)).toBe(0);
    expect(lenient(lint.stdout), show(lint)).toEqual([
      expect.stringMatching(/^agents\/helper\/colon\.md:3 {2}warning {2}yaml-lenient {2}description: /),
    ]);
    expect(lenient(lint.stderr), show(lint)).toEqual([]);
    const agents = await cli(['--root', root, 'agents'], root);
    expect(agents.code, show(agents)).toBe(0);
    expect(lenient(`${agents.stdout}\n${agents.stderr}`), show(agents)).toHaveLength(1);
  });
});
