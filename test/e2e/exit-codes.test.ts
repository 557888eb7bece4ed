/**
 * The README's exit-code table is the one truth (issue 13, item 21): `agent-evals --help` prints the
 * same codes with the same meanings, and the real CLI returns each documented code in a real case:
 * 0 (a clean lint), 1 (a lint error stops `eval` before any model call, and `lint` itself), 2 (bad
 * input, bad usage), 3 (every answer a provider error, against the fake server). 130 (Ctrl-C) is
 * checked against the help text here; the real case is test/e2e/eval-interrupt.test.ts.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { startFakeOpenAI } from '../support/fake-openai-server.ts';
import { REPO_ROOT, type CliResult } from '../support/project-fixture.ts';
import { createMiniProject, STACK_FRAME } from '../support/mini-project.ts';

interface ExitRow {
  code: number;
  meaning: string;
  /** Command names (`eval`, `gate`…) from the "set by" column, or `every command`. */
  setBy: string;
}

/** The rows of the README table headed `| code | meaning | set by |`. */
function readmeExitTable(readme: string): ExitRow[] {
  const lines = readme.split('\n');
  const head = lines.findIndex((l) => /^\|\s*code\s*\|\s*meaning\s*\|\s*set by\s*\|$/.test(l.trim()));
  if (head === -1) return [];
  const rows: ExitRow[] = [];
  for (const line of lines.slice(head + 2)) {
    if (!line.startsWith('|')) break;
    const [code, meaning, setBy] = line
      .split('|')
      .slice(1, -1)
      .map((c) => c.trim());
    rows.push({ code: Number(code), meaning: meaning!, setBy: setBy! });
  }
  return rows;
}

/** `  2    bad input or usage: …` lines under `Exit codes:` in the help text. */
function helpExitCodes(help: string): Map<number, string> {
  const block = help.slice(help.indexOf('Exit codes:'));
  return new Map([...block.matchAll(/^ {2}(\d+) +(.+)$/gm)].map((m) => [Number(m[1]), m[2]!]));
}

/** The words before the first `:`: "bad input or usage", "a finding"… */
const headline = (meaning: string) => meaning.split(':')[0]!.trim();

const README = readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8');
const TABLE = readmeExitTable(README);
const row = (code: number) => TABLE.find((r) => r.code === code);
const show = (r: CliResult) => `exit ${r.code}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;

/** The real exit code equals the README's, and the command that set it is one the table names. */
function expectDocumented(r: CliResult, code: number, command: string): void {
  expect(r.code, show(r)).toBe(code);
  expect(r.stderr, show(r)).not.toMatch(STACK_FRAME);
  const documented = row(code);
  expect(documented, `README has no row for exit ${code}`).toBeDefined();
  if (documented!.setBy !== 'every command') expect(documented!.setBy, `README: exit ${code} set by`).toContain(`\`${command}\``);
}

describe('README exit-code table', () => {
  it('is a table of codes 0, 1, 2, 3 and 130 with a meaning and the commands that set each', () => {
    expect(TABLE.map((r) => r.code)).toEqual([0, 1, 2, 3, 130]);
    for (const r of TABLE) {
      expect(r.meaning.length, `exit ${r.code}`).toBeGreaterThan(10);
      expect(r.setBy, `exit ${r.code}`).toMatch(/^every command$|`\w+`/);
    }
  });

  it('agrees with `agent-evals --help`: same codes, same headline meaning', async () => {
    using project = createMiniProject({ url: 'http://127.0.0.1:9/v1' });
    const help = await project.cli(['--help']);
    expect(help.code, show(help)).toBe(0);
    const codes = helpExitCodes(help.stdout);
    expect([...codes.keys()]).toEqual(TABLE.map((r) => r.code));
    for (const r of TABLE) expect(headline(codes.get(r.code)!), `exit ${r.code}`).toBe(headline(r.meaning));
  });

  it('agrees with `gate --help` (the command whose exit code CI reads)', async () => {
    using project = createMiniProject({ url: 'http://127.0.0.1:9/v1' });
    const help = await project.cli(['gate', '--help']);
    expect(help.code, show(help)).toBe(0);
    expect([...helpExitCodes(help.stdout).keys()]).toEqual(TABLE.map((r) => r.code));
  });
});

describe('the CLI returns each documented code', () => {
  it('0: lint on clean agent files', async () => {
    using project = createMiniProject({ url: 'http://127.0.0.1:9/v1' });
    expectDocumented(await project.cli(['lint']), 0, 'lint');
  });

  it('1: a lint error in an agent file stops eval before any model call (and lint says 1 too)', async () => {
    await using server = await startFakeOpenAI({ defaultReply: 'Refunds take 5 days.' });
    using project = createMiniProject({ url: server.url });
    project.write(
      'agents/helper/hot.md',
      '---\nname: helper\ndescription: Answers refund questions. Use it for refund questions.\ntemperature: 9\n---\n\nYou answer.\n',
    );
    const run = await project.cli(['eval']);
    expectDocumented(run, 1, 'eval');
    expect(run.stderr).toMatch(/^agents\/helper\/hot\.md:4 +error +temperature-range +temperature: 9 is out of range/m);
    expect(server.chatCalls, 'no model call').toHaveLength(0);
    expect(
      existsSync(path.join(project.root, 'reports', 'runs')) ? readdirSync(path.join(project.root, 'reports', 'runs')) : [],
      'no run folder',
    ).toEqual([]);
    expectDocumented(await project.cli(['lint']), 1, 'lint');
  });

  it('2: bad input (an unknown field in the eval config) and bad usage (an unknown option)', async () => {
    using project = createMiniProject({ url: 'http://127.0.0.1:9/v1', config: { concurency: 4 } });
    const bad = await project.cli(['eval', '--replay']);
    expectDocumented(bad, 2, 'eval');
    expect(bad.stderr).toMatch(/^error: evals\/default\.yaml:\d+:1: unknown field "concurency"; did you mean "concurrency"\?$/m);
    expectDocumented(await project.cli(['gate', '--frobnicate']), 2, 'gate');
  });

  it('2: a model id promptfoo cannot load, at plan time (with --dry-run too): no model called, no run folder', async () => {
    await using server = await startFakeOpenAI({ defaultReply: 'Refunds take 5 days.' });
    using project = createMiniProject({ url: server.url });
    project.write('evals/default.yaml', { models: [{ id: 'gpt-4o', config: { apiBaseUrl: server.url, apiKey: 'test-key' } }] });
    for (const args of [['eval'], ['eval', '--dry-run'], ['eval', '--ci']]) {
      const r = await project.cli(args);
      expectDocumented(r, 2, 'eval');
      expect(r.stderr).toMatch(/^error: evals\/default\.yaml:2:\d+: models\[0\]\.id: "gpt-4o" is not a model id promptfoo can load/m);
      expect(r.stderr, show(r)).not.toMatch(/internal error/);
    }
    expect(server.chatCalls, 'no model call').toHaveLength(0);
    expect(existsSync(path.join(project.root, 'reports', 'runs')) ? readdirSync(path.join(project.root, 'reports', 'runs')) : []).toEqual(
      [],
    );
  });

  it('3: every answer a provider error, over the error budget', async () => {
    await using server = await startFakeOpenAI({ faults: { rates: { 'empty-choices': 1 }, appliesTo: 'agent' } });
    using project = createMiniProject({ url: server.url, config: { maxRetries: 0 } });
    const run = await project.cli(['eval', '--record']);
    expectDocumented(run, 3, 'eval');
    expect(run.stderr).toMatch(/provider errors: \d+ of \d+ cells \(100%\) exceed the error budget/);
  });
});
