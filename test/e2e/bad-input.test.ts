/**
 * The bad-input corpus (issue 7): every file under test/fixtures/bad/ is dropped into a copy of a small
 * valid project (recordings, one run, history and a blessed baseline already in place) and the real CLI
 * runs on it (in-process: test/support/run-cli.ts). Each case expects exit 2 with a one-line message
 * naming the file and place, or one of the documented outcomes of docs/bad-input.md (a warning, or input
 * accepted after normalization). Never a stack trace, and never a write to history, recordings or baseline.
 */
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOpenAI } from '../support/fake-openai-server.ts';
import { REPO_ROOT } from '../support/project-fixture.ts';
import { type InProcessResult, runCliInProcess, runCliProcess, usePromptfooInProcess } from '../support/run-cli.ts';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { stringify } from 'yaml';
import { createMiniProject, evalConfig, listFiles, scenarioYaml, STACK_FRAME } from '../support/mini-project.ts';

const BAD = path.join(REPO_ROOT, 'test', 'fixtures', 'bad');

/**
 * One case: a corpus file (or a generated one), where it goes in the project, the command, and the
 * outcome. `error`: exit 2 and an error line matching `message`. `finding`: a lint error about an
 * agent file, exit 1 (README, exit codes) with the finding on stdout. `warning`: exit 0 and a warning
 * line. `accepted`: exit 0 (the input is valid after normalization, or safely skipped).
 */
interface Case {
  name: string;
  /** Corpus file under test/fixtures/bad/, or a function writing the bad input into the project. */
  from: string | ((root: string) => void);
  /** Target path in the project; `@recording` = the first recording file, `@meta`/`@results` = the run's files. */
  to?: string;
  args: string[];
  outcome: 'error' | 'finding' | 'warning' | 'accepted';
  /** Must match one stderr line (for `accepted` and `finding`: a stdout line). */
  message: RegExp;
}

const EXIT: Record<Case['outcome'], number> = { error: 2, finding: 1, warning: 0, accepted: 0 };
const EVAL = ['eval', '--replay'];
/** Agent files are linted: an error in one is a lint finding (exit 1), `eval` refuses to run on it. */
const agent = (file: string, message: RegExp, outcome: Case['outcome'] = 'finding'): Case => ({
  name: `agents/${file}`,
  from: `agents/${file}`,
  to: `agents/helper/${file}`,
  args: outcome === 'finding' ? ['lint'] : ['agents'],
  outcome,
  message,
});
const scenario = (file: string, message: RegExp, outcome: Case['outcome'] = 'error'): Case => ({
  name: `scenarios/${file}`,
  from: `scenarios/${file}`,
  to: `scenarios/${file}`,
  args: outcome === 'error' ? EVAL : ['calibrate'],
  outcome,
  message,
});
const config = (file: string, message: RegExp): Case => ({
  name: `evals/${file}`,
  from: `evals/${file}`,
  to: 'evals/default.yaml',
  args: EVAL,
  outcome: 'error',
  message,
});

// The place: `file:line`, `file:line:column`, `file:row N` or `file: field:`.
const routing = (file: string, message: RegExp, outcome: Case['outcome'] = 'error'): Case => ({
  name: `routing/${file}`,
  from: `routing/${file}`,
  to: `routing/${file}`,
  args: ['calibrate'],
  outcome,
  message,
});

const CASES: Case[] = [
  routing(
    'unknown-expect.yaml',
    /^error: routing\/unknown-expect\.yaml:5:13: cases\[0\]\.expect: "reviewr" is not an agent of the suite; did you mean "reviewer"\?; expected one of helper, reviewer, none$/,
  ),
  routing(
    'bad-column.csv',
    /^error: routing\/bad-column\.csv:row 1:column 3: expct: unknown column "expct"; did you mean "expect"\?; expected id, request, expect, tags, note, not$/,
  ),
  // A case whose reference wrong decisions include its own expectation contradicts itself: calibration fails (exit 1).
  routing('contradiction.yaml', /^FAIL +contradiction\/review-this +\(routing\/contradiction\.yaml:3\)/, 'finding'),
  agent('broken-yaml.md', /^agents\/helper\/broken-yaml\.md:4 +error +yaml-syntax +tools: broken YAML/),
  agent('tabs.md', /^agents\/helper\/tabs\.md:5\b.*error.*tab/i),
  agent('wrong-type.md', /^agents\/helper\/wrong-type\.md:4 +error +field-type +temperature: expected number, got "hot"/),
  agent('no-frontmatter.md', /^agents\/helper\/no-frontmatter\.md:1 +error +frontmatter +no YAML frontmatter/),
  agent('empty.md', /^agents\/helper\/empty\.md:1 +error +frontmatter +no YAML frontmatter/),
  agent('empty-body.md', /^agents\/helper\/empty-body\.md:5 +error +empty-body +empty prompt body/),
  agent('binary.md', /^agents\/helper\/binary\.md:1 +error +file-read +binary file/),
  agent('non-utf8.md', /^agents\/helper\/non-utf8\.md:6 +error +file-read +not valid UTF-8/),
  agent('duplicate-key.md', /^agents\/helper\/duplicate-key\.md:4(:\d+)? +error +yaml-syntax +.*(duplicate|unique)/i),
  agent('missing-description.md', /^agents\/helper\/missing-description\.md(:\d+)? +error +description-missing/),
  agent('bom-crlf.md', /^helper +helper\/bom-crlf\b/m, 'accepted'),
  agent('billion-laughs.md', /^agents\/helper\/billion-laughs\.md:\d+ +error +yaml-syntax +.*too many YAML aliases/),
  {
    name: 'agents/<5 MB prompt> (generated)',
    from: (root) => writeFileSync(path.join(root, 'agents/helper/huge.md'), hugeAgent()),
    args: ['lint'],
    outcome: 'warning',
    message: /^agents\/helper\/huge\.md(:\d+)? +warning +prompt-budget\b/,
  },
  {
    name: 'agents/<11 MB file> (generated)',
    from: (root) => writeFileSync(path.join(root, 'agents/helper/huge.md'), `${hugeAgent()}${hugeAgent()}`),
    args: ['lint'],
    outcome: 'finding',
    message: /^agents\/helper\/huge\.md:1 +error +file-read +10\.\d MB; expected a file of at most 10 MB$/,
  },
  {
    name: 'agents/<symlink loop> (created here: git cannot hold it portably)',
    from: (root) => symlinkSync('..', path.join(root, 'agents/helper/loop')),
    args: ['agents'],
    outcome: 'accepted',
    message: /2 variants of 1 agent/,
  },

  {
    name: 'opencode/missing-comma.json',
    from: 'opencode/missing-comma.json',
    to: 'opencode.json',
    args: ['lint'],
    outcome: 'finding',
    message: /^opencode\.json:5 +error +json-syntax +broken JSON: expected "," between entries$/,
  },
  {
    name: 'evals/<agentsDirs naming a folder that does not exist>',
    from: (root) =>
      writeFileSync(
        path.join(root, 'evals/default.yaml'),
        `agentsDirs: [.claude/agents]\n${readFileSync(path.join(root, 'evals/default.yaml'), 'utf8')}`,
      ),
    args: EVAL,
    outcome: 'error',
    message:
      /^error: evals\/default\.yaml: agentsDirs\[0\]: "\.claude\/agents" does not exist; expected a folder of agent files or an opencode\.json/,
  },

  scenario('broken-yaml.yaml', /^error: scenarios\/broken-yaml\.yaml:\d+:\d+: broken YAML/),
  scenario('tabs.yaml', /^error: scenarios\/tabs\.yaml:5:1: broken YAML: Tabs are not allowed as indentation/),
  scenario('wrong-type.yaml', /^error: scenarios\/wrong-type\.yaml:4:\d+: weight: expected number, got "heavy"/),
  scenario('unknown-key.yaml', /^error: scenarios\/unknown-key\.yaml:4:1: unknown field "asert"; did you mean "assert"\?$/),
  scenario('missing-request.yaml', /^error: scenarios\/missing-request\.yaml:1(:\d+)?: .*request/),
  scenario(
    'duplicate-id.yaml',
    /^error: scenarios\/s1\.yaml:1: id: duplicate scenario id "s1", also defined at scenarios\/duplicate-id\.yaml:1$/,
  ),
  scenario('unknown-kind.yaml', /^error: scenarios\/unknown-kind\.yaml:5(:\d+)?: assert\[0\]\.type: .*containz.*contains/),
  scenario('bad-regex.yaml', /^error: scenarios\/bad-regex\.yaml:6(:\d+)?: assert\[0\]\.value: .*regular expression/i),
  scenario('empty.yaml', /^error: scenarios\/empty\.yaml:1: empty scenario file/),
  scenario('binary.yaml', /^error: scenarios\/binary\.yaml: binary file/),
  scenario('non-utf8.yaml', /^error: scenarios\/non-utf8\.yaml:3: not valid UTF-8/),
  scenario('bom-crlf.yaml', /bad1/, 'accepted'),
  scenario('unbalanced-quote.csv', /^error: scenarios\/unbalanced-quote\.csv:(row )?\d+.*quote/i),
  scenario('missing-column.csv', /^error: scenarios\/missing-column\.csv:(row )?1\b.*request/),
  scenario('short-row.csv', /^error: scenarios\/short-row\.csv:(row )?2\b/),
  scenario('unknown-column.csv', /^error: scenarios\/unknown-column\.csv:(row )?1\b.*icontainz/),
  scenario('duplicate-id.csv', /^error: scenarios\/duplicate-id\.csv:(row )?3\b.*c1/),
  scenario('empty.csv', /^error: scenarios\/empty\.csv\b.*(empty|header)/i),
  scenario('header-only.csv', /^error: scenarios\/header-only\.csv:row 2: no scenario rows under the header/),
  scenario('billion-laughs.yaml', /^error: scenarios\/billion-laughs\.yaml:\d+:\d+: broken YAML: too many YAML aliases/),
  // An unquoted `: ` inside a value, and a line indented under a value: the hint says what to do, at the right line.
  scenario(
    'unquoted-colon.yaml',
    /^error: scenarios\/unquoted-colon\.yaml:2:\d+: broken YAML: .*; quote the value: title: "Refunds: how long they take"$/,
  ),
  scenario('bad-indent.yaml', /^error: scenarios\/bad-indent\.yaml:7:\d+: broken YAML: .*; check the indentation of line 7$/),
  // A scenario for an agent that does not exist: an error with --ci, else a warning at its `agent:` line.
  {
    name: 'scenarios/unknown-agent.yaml --ci',
    from: 'scenarios/unknown-agent.yaml',
    to: 'scenarios/unknown-agent.yaml',
    args: [...EVAL, '--ci'],
    outcome: 'error',
    message: /^error: scenarios\/unknown-agent\.yaml:5: agent: "helpr" matches no agent or variant; did you mean "helper"\?; expected /,
  },
  {
    name: 'scenarios/unknown-agent.yaml',
    from: 'scenarios/unknown-agent.yaml',
    to: 'scenarios/unknown-agent.yaml',
    // A dry run: the warning is the eval's, and nothing is written.
    args: ['eval', '--dry-run'],
    outcome: 'warning',
    message:
      /^warning: scenarios\/unknown-agent\.yaml:5: agent: "helpr" matches no agent or variant; did you mean "helper"\?; scenario "wrong-agent" will not run for it$/,
  },

  config('broken-yaml.yaml', /^error: evals\/default\.yaml:\d+:\d+: broken YAML/),
  config('tabs.yaml', /^error: evals\/default\.yaml:5: tab used for indentation/),
  config('wrong-type.yaml', /^error: evals\/default\.yaml:4:\d+: repeats: expected number \(1 to 100\) or "auto", got "three"/),
  config('unknown-key.yaml', /^error: evals\/default\.yaml:4:1: unknown field "concurency"; did you mean "concurrency"\?$/),
  config('missing-models.yaml', /^error: evals\/default\.yaml(:1(:\d+)?)?: models: /),
  config('empty.yaml', /^error: evals\/default\.yaml: empty file/),
  config('binary.yaml', /^error: evals\/default\.yaml: binary file/),
  config('out-of-range.yaml', /^error: evals\/default\.yaml:5:\d+: thresholds\.errorBudget: /),
  config('non-utf8.yaml', /^error: evals\/default\.yaml:4: not valid UTF-8/),
  config(
    'billion-laughs.yaml',
    /^error: evals\/default\.yaml:\d+:\d+: broken YAML: too many YAML aliases \(more than 100\); expected plain YAML/,
  ),
  config('repeats-huge.yaml', /^error: evals\/default\.yaml:4:\d+: repeats: .*100/),
  config('bad-indent.yaml', /^error: evals\/default\.yaml:7:\d+: broken YAML: .*; check the indentation of line 7$/),
  // A model id promptfoo cannot load: refused at plan time (also by --dry-run), before any run folder.
  config(
    'model-no-provider.yaml',
    /^error: evals\/default\.yaml:3:\d+: models\[0\]\.id: "gpt-4o" is not a model id promptfoo can load; expected /,
  ),
  config(
    'model-unknown-type.yaml',
    /^error: evals\/default\.yaml:3:\d+: models\[0\]\.id: "anthropic:foo" is not a model id promptfoo can load; expected /,
  ),
  // promptfoo cannot build the provider from the entry: one line at the start of the run, never a stack trace.
  {
    ...config(
      'model-http-no-body.yaml',
      /^error: evals\/default\.yaml: model .*promptfoo cannot build this provider: Invariant failed: Expected HTTP provider/,
    ),
    args: ['eval'],
  },
  config(
    'model-opencode-form.yaml',
    /^error: evals\/default\.yaml:5:\d+: models\[1\]\.id: "openai\/stub-a" is not a model id promptfoo can load; expected /,
  ),
  {
    ...config(
      'model-no-provider.yaml',
      /^error: evals\/default\.yaml:3:\d+: models\[0\]\.id: "gpt-4o" is not a model id promptfoo can load/,
    ),
    name: 'evals/model-no-provider.yaml --dry-run',
    args: ['eval', '--dry-run'],
  },
  // A text file that is not YAML (say /etc/passwd): quoted as a short excerpt, never whole.
  config('plain-text.yaml', /^error: evals\/default\.yaml:1:1: expected object, got "[^"\n]{1,60}…"$/),
  {
    name: '--config <a folder>',
    from: () => {},
    args: [...EVAL, '--config', 'evals'],
    outcome: 'error',
    message: /^error: evals: a folder; expected a file$/,
  },
  {
    name: '--config /dev/zero (endless, not a regular file)',
    from: () => {},
    args: [...EVAL, '--config', '/dev/zero'],
    outcome: 'error',
    message: /^error: \/dev\/zero: not a regular file; expected a file$/,
  },
  {
    name: 'evals/<11 MB config> (generated)',
    from: (root) => writeFileSync(path.join(root, 'evals/default.yaml'), `models: [m]\n${'# padding\n'.repeat(1.1 * 1024 * 1024)}`),
    args: EVAL,
    outcome: 'error',
    message: /^error: evals\/default\.yaml: 11\.0 MB; expected a file of at most 10 MB$/,
  },

  ...['broken-json.json', 'wrong-shape.json'].map(
    (file): Case => ({
      name: `recordings/${file}`,
      from: `recordings/${file}`,
      to: '@recording',
      args: EVAL,
      outcome: 'error',
      message: /^error: evals\/recordings\/openai_chat_agent-model\/[0-9a-f]{24}\.json: .*(re-record|--record)/,
    }),
  ),

  ...['damaged-line.jsonl', 'wrong-shape.jsonl'].map(
    (file): Case => ({
      name: `history/${file}`,
      from: `history/${file}`,
      to: 'reports/history.jsonl',
      args: ['report'],
      outcome: 'warning',
      message: /^warning: reports\/history\.jsonl:1: .*line skipped/,
    }),
  ),
  ...['broken-json.json', 'wrong-shape.json', 'empty.json'].map(
    (file): Case => ({
      name: `baseline/${file}`,
      from: `baseline/${file}`,
      to: 'reports/baseline.json',
      args: ['gate'],
      outcome: 'error',
      message: /^error: reports\/baseline\.json\b/,
    }),
  ),
  {
    name: 'runs/meta-broken.json',
    from: 'runs/meta-broken.json',
    to: '@meta',
    args: ['report'],
    outcome: 'error',
    message: /^error: reports\/runs\/[\w-]+\/meta\.json: broken JSON/,
  },
  {
    name: 'runs/results-damaged.jsonl',
    from: 'runs/results-damaged.jsonl',
    to: '@results',
    args: ['report'],
    outcome: 'warning',
    message: /^warning: reports\/runs\/[\w-]+\/results\.jsonl:\d+: (damaged line skipped|.*line skipped)/,
  },
];

function hugeAgent(): string {
  const line = 'Always answer refund questions with the policy, the timeline and the next step for the customer.\n';
  const body = line.repeat(Math.ceil((5 * 1024 * 1024) / line.length));
  return `---\nname: helper\ndescription: Answers refund questions. Use it for refund questions.\n---\n\n${body}`;
}

/** Files that must never change on bad input. */
const GUARDED = ['reports/history.jsonl', 'reports/baseline.json', 'evals/recordings'];
function snapshot(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const rel of GUARDED) {
    const abs = path.join(root, rel);
    const files =
      existsSync(abs) && !rel.endsWith('.json') && !rel.endsWith('.jsonl') ? listFiles(abs).map((f) => path.join(rel, f)) : [rel];
    for (const f of files)
      out[f] = existsSync(path.join(root, f))
        ? createHash('sha256')
            .update(readFileSync(path.join(root, f)))
            .digest('hex')
        : 'missing';
  }
  return out;
}

/** The real CLI on `root`, in-process (every case is offline: replay, or stops before any call). */
function runCli(root: string, args: string[]): Promise<InProcessResult> {
  return runCliInProcess(['--root', root, ...args], { cwd: root });
}

let template: string;
let runId: string;
const work = mkdtempSync(path.join(tmpdir(), 'agent-evals-bad-'));

beforeAll(async () => {
  // The valid project: a live run against the fake server records answers, writes a run and a history
  // line; bless writes the baseline. Then the server is gone: every case runs offline. The config keeps
  // the server's address: it is part of what a recording answers (a replay calls nothing).
  await using server = await startFakeOpenAI({ defaultReply: 'Refunds take 5 days.' });
  const project = createMiniProject({ url: server.url, scenarios: 2 });
  const live = await project.cli(['eval']);
  expect(live.code, live.stderr).toBe(0);
  const bless = await project.cli(['bless']);
  expect(bless.code, bless.stderr).toBe(0);
  template = project.root;
  runId = readdirSync(path.join(template, 'reports', 'runs'))[0]!;
  for (const rel of ['reports/history.jsonl', 'reports/baseline.json']) expect(existsSync(path.join(template, rel)), rel).toBe(true);
  expect(listFiles(path.join(template, 'evals', 'recordings'))).toHaveLength(4);
}, 240_000);
afterAll(() => {
  rmSync(work, { recursive: true, force: true });
  if (template) rmSync(template, { recursive: true, force: true });
});

describe('bad-input corpus', () => {
  // This block only: the template's and the null-answer case's child CLIs inherit this process's environment.
  usePromptfooInProcess();
  it('holds at least 30 malformed inputs across agents, scenarios, eval configs, recordings, history, baseline and runs', () => {
    const files = listFiles(BAD).filter((f) => f !== 'README.md');
    expect(files.length).toBeGreaterThanOrEqual(30);
    const used = new Set(CASES.flatMap((c) => (typeof c.from === 'string' ? [c.from] : [])));
    expect(
      files.filter((f) => !used.has(f)),
      'corpus files without a case',
    ).toEqual([]);
  });

  it.concurrent.each(CASES.map((c) => [c.name, c] as const))(
    '%s',
    async (_name, c) => {
      const root = path.join(work, c.name.replace(/[^\w.-]+/g, '_'));
      cpSync(template, root, { recursive: true });
      const runsBefore = readdirSync(path.join(root, 'reports', 'runs'));
      let target: string | undefined;
      if (typeof c.from === 'function') c.from(root);
      else {
        target =
          c.to === '@recording'
            ? path.join('evals/recordings', listFiles(path.join(root, 'evals/recordings'))[0]!)
            : c.to === '@meta'
              ? `reports/runs/${runId}/meta.json`
              : c.to === '@results'
                ? `reports/runs/${runId}/results.jsonl`
                : c.to!;
        const abs = path.join(root, target);
        mkdirSync(path.dirname(abs), { recursive: true });
        const bytes = readFileSync(path.join(BAD, c.from));
        if (c.to === '@results') writeFileSync(abs, Buffer.concat([readFileSync(abs), bytes]));
        else writeFileSync(abs, bytes);
      }
      // Taken after planting: the bad file itself must be left exactly as it is, too.
      const before = snapshot(root);
      const planted = target ? readFileSync(path.join(root, target)) : undefined;

      const result = await runCli(root, c.args);
      const out = `exit ${result.code}\n--- stdout\n${result.stdout}\n--- stderr\n${result.stderr}`;

      expect(result.stderr, out).not.toMatch(STACK_FRAME);
      expect(result.stderr, out).not.toContain('internal error');
      expect(result.code, out).toBe(EXIT[c.outcome]);
      // Errors and warnings go to stderr (lint findings, warnings included, to stdout); `accepted` shows on stdout.
      const lines = (c.outcome === 'error' ? result.stderr : `${result.stdout}\n${result.stderr}`).split('\n');
      expect(
        lines.some((l) => c.message.test(l)),
        `no line matches ${c.message}\n${out}`,
      ).toBe(true);
      if (c.outcome === 'error') {
        // One line per problem, each naming the file: nothing else on stderr but the lint summary.
        const bad = lines.filter((l) => l.trim() && !/^(error: |lint: )/.test(l) && !/^\S+\.(md)(:\d+)* +error +/.test(l));
        expect(bad, out).toEqual([]);
      }
      if (c.outcome === 'finding') expect(result.stderr, out).toBe('');
      if (c.outcome === 'error' || c.outcome === 'finding') {
        expect(readdirSync(path.join(root, 'reports', 'runs')), 'no run folder written').toEqual(runsBefore);
      }
      // History, recordings and baseline untouched (a planted bad file is left exactly as it was).
      expect(snapshot(root), out).toEqual(before);
      if (target && planted) expect(readFileSync(path.join(root, target)).equals(planted), 'the bad file is left as it is').toBe(true);
      rmSync(root, { recursive: true, force: true });
    },
    80_000,
  );
});

describe('a run that died before its first cell', () => {
  it('is never the latest run: report, gate and bless read the finished run before it', async () => {
    const root = path.join(work, 'stillborn-run');
    cpSync(template, root, { recursive: true });
    // What a crash between meta.json and the first result leaves: a meta with no finishedAt, no result.
    const dead = '29991231-235959-dead';
    const meta = JSON.parse(readFileSync(path.join(root, 'reports/runs', runId, 'meta.json'), 'utf8')) as Record<string, unknown>;
    delete meta.finishedAt;
    mkdirSync(path.join(root, 'reports/runs', dead));
    writeFileSync(path.join(root, 'reports/runs', dead, 'meta.json'), JSON.stringify({ ...meta, runId: dead }));
    writeFileSync(path.join(root, 'reports/runs', dead, 'results.jsonl'), '');
    for (const args of [['report'], ['gate'], ['bless']]) {
      const r = await runCli(root, args);
      const out = `${args}: exit ${r.code}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;
      expect(r.code, out).toBe(0);
      expect(`${r.stdout}${r.stderr}`, out).not.toMatch(/unfinished|29991231/);
    }
    expect(JSON.parse(readFileSync(path.join(root, 'reports/baseline.json'), 'utf8')).runId).toBe(runId);
    rmSync(root, { recursive: true, force: true });
  }, 240_000);
});

describe('an answer that is not an answer', () => {
  it('content: null is an error cell (could not measure), never an empty answer scored as a failure', async () => {
    // The model answers `"content": null` to a third scenario (graded by `mentions`, which scored the
    // missing answer as "" and failed it), and answers the other two normally.
    await using server = await startNullAnswerServer(/order 3\b/);
    const root = path.join(work, 'null-answer');
    cpSync(template, root, { recursive: true });
    writeFileSync(path.join(root, 'evals/default.yaml'), stringify(evalConfig({ url: server.url })));
    writeFileSync(path.join(root, 'scenarios/s3.yaml'), scenarioYaml(3).replace('type: icontains', 'type: mentions'));
    // A live eval: promptfoo's per-run settings reach only a child CLI (test/support/run-cli.ts).
    const r = await runCliProcess(root, ['eval', '--record']);
    const out = `exit ${r.code}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;
    expect(r.stderr, out).not.toMatch(STACK_FRAME);
    // 2 of 6 cells could not be measured: over the error budget, exit 3 (README, exit codes).
    expect(r.code, out).toBe(3);
    const newest = readdirSync(path.join(root, 'reports/runs'))
      .filter((id) => id !== runId)
      .at(-1)!;
    const results = readFileSync(path.join(root, 'reports/runs', newest, 'results.jsonl'), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { scenarioId: string; status: string; error?: string; output?: string });
    expect(results.filter((x) => x.scenarioId === 's3').map((x) => [x.status, x.error])).toEqual([
      ['error', 'no answer: the model returned no content (content: null) and no error'],
      ['error', 'no answer: the model returned no content (content: null) and no error'],
    ]);
    expect(results.filter((x) => x.scenarioId !== 's3').map((x) => x.status)).toEqual(['pass', 'pass', 'pass', 'pass']);
    expect(results.some((x) => x.output === '""')).toBe(false);
    rmSync(root, { recursive: true, force: true });
  }, 240_000);
});

/**
 * A loopback OpenAI chat-completions server answering `"content": null` to requests whose last message
 * matches `nullFor`, and a refund answer otherwise. (The shared double's script answers text only.)
 */
async function startNullAnswerServer(nullFor: RegExp): Promise<{ url: string } & AsyncDisposable> {
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      if (req.method !== 'POST') return void res.writeHead(200, { 'content-type': 'application/json' }).end('{"data":[]}');
      const { messages } = JSON.parse(body) as { messages: Array<{ content: string }> };
      const content = nullFor.test(messages.at(-1)?.content ?? '') ? null : 'Refunds take 5 days.';
      const usage = { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 };
      const message = { role: 'assistant', content };
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          id: 'x',
          object: 'chat.completion',
          created: 0,
          model: 'm',
          choices: [{ index: 0, message, finish_reason: 'stop' }],
          usage,
        }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    [Symbol.asyncDispose]: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
