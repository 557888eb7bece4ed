/**
 * No path to a wrong verdict (issue 13, items 1–4, 9, 13, 14, 19): one process owns a run folder,
 * `--resume` is idempotent and refuses changed inputs, `gate` refuses unfinished or damaged runs and
 * uses the run's own config, and a filter that matches nothing, a duplicated model label, a bad
 * baseline ref or an unwritable reports/ folder stop the eval before any model call.
 */
import { appendFileSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOpenAI, type FakeOpenAIServer } from '../support/fake-openai-server.ts';
import { createMiniProject, evalConfig, readOnlyRun, STACK_FRAME } from '../support/mini-project.ts';
import type { Project } from '../support/project-fixture.ts';
import { runCliInProcess, usePromptfooInProcess } from '../support/run-cli.ts';

const inProcess = (project: Project, args: string[]) => runCliInProcess(['--root', project.root, ...args], { cwd: project.root });

let server: FakeOpenAIServer;
let slow: FakeOpenAIServer;
beforeAll(async () => {
  [server, slow] = await Promise.all([
    startFakeOpenAI({ defaultReply: 'Refunds take 5 days.' }),
    startFakeOpenAI({ defaultReply: 'Refunds take 5 days.', latencyMs: 400 }),
  ]);
});
afterAll(async () => {
  await Promise.all([server.close(), slow.close()]);
});

const historyLines = (root: string) =>
  readFileSync(path.join(root, 'reports', 'history.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean);
const resultLines = (root: string, runId: string) =>
  readFileSync(path.join(root, 'reports', 'runs', runId, 'results.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean);
const oneLine = (stderr: string) => {
  expect(stderr).not.toMatch(STACK_FRAME);
  expect(stderr).not.toMatch(/internal error/);
};

describe('one process per run folder', () => {
  it('refuses a second eval on a running run (exit 2, naming the owner) and the run ends with one line per cell', async () => {
    using project = createMiniProject({ url: slow.url, scenarios: 4, concurrency: 1, timeoutMs: 120_000 });
    // The first answer comes at once, the others only once the second process was refused: the first
    // run is still running when the second starts, however slow the machine (an event, not a race).
    let release: () => void = () => {};
    const secondDone = new Promise<void>((resolve) => {
      release = resolve;
    });
    let answers = 0;
    slow.configure({ holdAnswer: () => (answers++ === 0 ? undefined : secondDone) });
    const first = project.cli(['eval']);
    // Wait for the run folder and its first result, then try to resume it from a second process.
    const deadline = Date.now() + 30_000;
    let runId: string | undefined;
    while (Date.now() < deadline) {
      try {
        runId = readdirSync(path.join(project.root, 'reports', 'runs'), { withFileTypes: true }).find((e) => e.isDirectory())?.name;
        if (runId && resultLines(project.root, runId).length > 0) break;
      } catch {
        // not there yet
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    const second = await project.cli(['eval', '--resume']);
    release();
    slow.configure({ holdAnswer: undefined });
    expect(second.code, second.stderr).toBe(2);
    expect(second.stderr).toMatch(/is in use by .*pid \d+/);
    oneLine(second.stderr);
    const done = await first;
    expect(done.code, done.stderr).toBe(0);
    const run = readOnlyRun(project.root);
    expect(run.results).toHaveLength(8);
    expect(historyLines(project.root)).toHaveLength(1);
    // The lock is gone once the owner finished: a later reader is not refused.
    expect((await project.cli(['report'])).code).toBe(0);
  });

  it('takes over the lock of an owner that died', async () => {
    using project = createMiniProject({ url: server.url });
    const first = await project.cli(['eval']);
    expect(first.code, first.stderr).toBe(0);
    const { runId } = readOnlyRun(project.root);
    // A lock left by a process that no longer exists on this host.
    writeFileSync(
      path.join(project.root, 'reports', 'runs', runId, '.lock'),
      JSON.stringify({ pid: 2 ** 22 + 12345, host: (await import('node:os')).hostname(), startedAt: new Date().toISOString() }),
    );
    const resumed = await project.cli(['eval', '--resume']);
    expect(resumed.code, resumed.stderr).toBe(0);
  });

  it('readers refuse a run with a duplicated cell as damaged', async () => {
    using project = createMiniProject({ url: server.url });
    expect((await project.cli(['eval'])).code).toBe(0);
    const { runId } = readOnlyRun(project.root);
    const file = path.join(project.root, 'reports', 'runs', runId, 'results.jsonl');
    appendFileSync(file, `${resultLines(project.root, runId)[0]}\n`);
    for (const args of [['gate'], ['report'], ['bless']]) {
      const r = await project.cli(args);
      expect(r.code, `${args}: ${r.stderr}`).toBe(2);
      expect(r.stderr).toMatch(/results\.jsonl.*damaged.*appears 2 times/);
      oneLine(r.stderr);
    }
  });
});

describe('--resume is idempotent', () => {
  it('on a finished run: no second history line, no duplicated cell, same meta', async () => {
    using project = createMiniProject({ url: server.url });
    expect((await project.cli(['eval'])).code).toBe(0);
    const before = readOnlyRun(project.root);
    const resumed = await project.cli(['eval', '--resume']);
    expect(resumed.code, resumed.stderr).toBe(0);
    const after = readOnlyRun(project.root);
    expect(after.results).toHaveLength(before.results.length);
    expect(historyLines(project.root)).toHaveLength(1);
    expect(after.meta.startedAt).toBe(before.meta.startedAt);
    expect(server.chatCalls.length).toBeGreaterThan(0);
  });

  it('on a run with not-recorded cells: they are re-tried, never appended twice', async () => {
    using project = createMiniProject({ url: server.url });
    const first = await project.cli(['eval', '--replay']);
    expect(first.code, first.stderr).toBe(0);
    expect(readOnlyRun(project.root).results.map((r) => r.status)).toEqual([
      'not-recorded',
      'not-recorded',
      'not-recorded',
      'not-recorded',
    ]);
    const resumed = await project.cli(['eval', '--resume']);
    expect(resumed.code, resumed.stderr).toBe(0);
    const run = readOnlyRun(project.root);
    expect(run.results).toHaveLength(4);
    expect(run.meta.mode).toBe('replay');
  });

  it('refuses after a prompt edit (exit 2, naming the variant) and leaves the run as it was', async () => {
    using project = createMiniProject({ url: server.url });
    expect((await project.cli(['eval'])).code).toBe(0);
    const before = readOnlyRun(project.root);
    appendFileSync(path.join(project.root, 'agents/helper/terse.md'), '\nNever mention shipping.\n');
    const resumed = await project.cli(['eval', '--resume']);
    expect(resumed.code, resumed.stderr).toBe(2);
    expect(resumed.stderr).toMatch(/--resume .*helper\/terse.*changed since that run started/);
    oneLine(resumed.stderr);
    expect(readOnlyRun(project.root)).toEqual(before);
  });

  it('a --record run resumes in record mode', async () => {
    using project = createMiniProject({ url: server.url });
    expect((await project.cli(['eval', '--record'])).code).toBe(0);
    const { runId } = readOnlyRun(project.root);
    // Drop the last result, as a kill would, and resume.
    const lines = resultLines(project.root, runId);
    writeFileSync(path.join(project.root, 'reports', 'runs', runId, 'results.jsonl'), `${lines.slice(0, -1).join('\n')}\n`);
    const resumed = await project.cli(['eval', '--resume']);
    expect(resumed.code, resumed.stderr).toBe(0);
    const run = readOnlyRun(project.root);
    expect(run.meta.mode).toBe('record');
    expect(run.results).toHaveLength(4);
    expect(run.results.at(-1)!.source).toBe('live');
  });

  it('a run id is a name, never a path', async () => {
    using project = createMiniProject({ url: server.url });
    const r = await project.cli(['eval', '--resume', '../../tmp']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--resume.*not a run id/);
  });
});

describe('gate', () => {
  it('refuses an unfinished run and writes no report', async () => {
    using project = createMiniProject({ url: server.url });
    expect((await project.cli(['eval'])).code).toBe(0);
    const { runId } = readOnlyRun(project.root);
    const lines = resultLines(project.root, runId);
    writeFileSync(path.join(project.root, 'reports', 'runs', runId, 'results.jsonl'), `${lines.slice(0, 1).join('\n')}\n`);
    rmSync(path.join(project.root, 'reports', 'index.html'));
    const gate = await project.cli(['gate']);
    expect(gate.code, gate.stderr).toBe(2);
    expect(gate.stderr).toMatch(/unfinished \(1 of 4 cells\)/);
    expect(() => readFileSync(path.join(project.root, 'reports', 'index.html'))).toThrow();
  });

  it("uses the run's own config, not evals/default.yaml", async () => {
    // Every answer fails the scenario: the strict default config fails the gate, the lenient one passes.
    using project = createMiniProject({
      url: server.url,
    });
    const bad = await startFakeOpenAI({ defaultReply: 'No idea.' });
    try {
      project.write('evals/default.yaml', { ...evalConfig({ url: bad.url }), thresholds: { passRate: 0.9 } });
      project.write('evals/lenient.yaml', { ...evalConfig({ url: bad.url }), thresholds: { passRate: 0 } });
      const ci = await project.cli(['eval', '--ci', '-c', 'evals/lenient.yaml']);
      expect(ci.code, ci.stdout + ci.stderr).toBe(0);
      const gate = await project.cli(['gate']);
      expect(gate.code, gate.stdout + gate.stderr).toBe(0);
    } finally {
      await bad.close();
    }
  });
});

// These stop before any model call, so they run the CLI in-process (test/support/run-cli.ts).
describe('stops before any model call', () => {
  usePromptfooInProcess(); // this block only: the other blocks' child CLIs inherit this process's environment
  for (const [flag, value] of [
    ['--scenario', 'nosuch'],
    ['--tag', 'nosuch'],
    ['--model', 'nosuch'],
    ['--agent', 'nosuch'],
  ] as const) {
    it(`${flag} ${value} matching nothing is exit 2 (also with --ci and --dry-run)`, async () => {
      using project = createMiniProject({ url: server.url });
      server.reset();
      for (const extra of [[], ['--ci'], ['--dry-run']]) {
        const r = await inProcess(project, ['eval', flag, value, ...extra]);
        expect(r.code, r.stdout + r.stderr).toBe(2);
        expect(r.stderr).toContain(`${flag} ${value}: matches no`);
        oneLine(r.stderr);
      }
      expect(server.chatCalls).toHaveLength(0);
      expect(() => readdirSync(path.join(project.root, 'reports', 'runs'))).toThrow();
    });
  }

  it('two models with the same label are exit 2', async () => {
    using project = createMiniProject({
      url: server.url,
      config: {
        models: [
          { id: 'openai:chat:a', label: 'same', config: { apiBaseUrl: server.url, apiKey: 'k' } },
          { id: 'openai:chat:b', label: 'same', config: { apiBaseUrl: server.url, apiKey: 'k' } },
        ],
      },
    });
    for (const args of [['eval', '--dry-run'], ['eval']]) {
      const r = await inProcess(project, args);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toMatch(/evals\/default\.yaml: models\[1\]\.label: "same" is also the label of models\[0\]/);
    }
  });

  it('a bad --baseline ref is exit 2 before any call, with and without --ci', async () => {
    using project = createMiniProject({ url: server.url });
    server.reset();
    for (const extra of [['--ci'], []]) {
      const r = await inProcess(project, ['eval', '--baseline', 'nosuchref', '--record', ...extra]);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toMatch(/--baseline nosuchref/);
      oneLine(r.stderr);
    }
    expect(server.chatCalls).toHaveLength(0);
  });

  it('an unwritable reports/ is exit 2 before any call', async () => {
    using project = createMiniProject({ url: server.url });
    server.reset();
    // As root, permissions do not stop a write: a directory where history.jsonl should be does.
    mkdirSync(path.join(project.root, 'reports', 'history.jsonl'), { recursive: true });
    const r = await inProcess(project, ['eval']);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/reports\/history\.jsonl: cannot write/);
    oneLine(r.stderr);
    expect(server.chatCalls).toHaveLength(0);
  });
});

describe('no verdict without the means to judge', () => {
  it('a rubric-only scenario with no grader is not-run, never a pass', async () => {
    // The answer is the scenario's own fail reference: with the rubric dropped it used to score 100%.
    const refusing = await startFakeOpenAI({ defaultReply: 'I cannot help with that.' });
    try {
      using project = createMiniProject({
        url: refusing.url,
        scenarios: 0,
        files: {
          'scenarios/judged.yaml': `id: judged
title: Judged by a rubric only
request: How long do refunds take?
assert:
  - type: rubric
    value: Says how long refunds take.
examples:
  pass: [{ label: good, text: Refunds take 5 days. }]
  fail: [{ label: bad, text: I cannot help with that. }]
`,
        },
      });
      const r = await project.cli(['eval']);
      expect(r.code, r.stderr).toBe(0);
      const run = readOnlyRun(project.root);
      expect(run.results.map((x) => x.status)).toEqual(['not-run', 'not-run']);
      expect(String(run.results[0]!.error)).toMatch(/only assertions are rubrics/);
      expect(refusing.chatCalls).toHaveLength(0);
    } finally {
      await refusing.close();
    }
  });

  it('--record with a model that cannot run is exit 2, never answers from old recordings', async () => {
    using project = createMiniProject({ url: server.url });
    expect((await project.cli(['eval', '--record'])).code).toBe(0);
    // The server is gone: a record run must not quietly replay what it recorded before.
    project.write('evals/default.yaml', evalConfig({ url: 'http://127.0.0.1:9/v1' }));
    const r = await project.cli(['eval', '--record']);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/--record: 1 configured model\(s\) cannot run/);
    expect(readdirSync(path.join(project.root, 'reports', 'runs'))).toHaveLength(1);
  });

  it('a server that answers its probe slowly is running, not replaced by recordings', async () => {
    using project = createMiniProject({ url: server.url, timeoutMs: 10_000 });
    expect((await project.cli(['eval', '--record'])).code).toBe(0);
    // The probe takes 1.8 s to answer: with a 10 s timeout the server is there, and its cells run live.
    const sluggish = await startFakeOpenAI({ defaultReply: 'Refunds take 5 days.', modelsLatencyMs: 1_800 });
    try {
      project.write('evals/default.yaml', evalConfig({ url: sluggish.url, timeoutMs: 10_000 }));
      const r = await project.cli(['eval']);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).not.toMatch(/cannot run/);
      const latest = readdirSync(path.join(project.root, 'reports', 'runs'))
        .sort()
        .at(-1)!;
      const sources = resultLines(project.root, latest).map((l) => (JSON.parse(l) as { source?: string }).source);
      expect(sources).toEqual(['live', 'live', 'live', 'live']);
    } finally {
      await sluggish.close();
    }
  });
});

describe('eval without --ci', () => {
  it('says plainly which thresholds were missed (exit 0: only the gate fails on them)', async () => {
    const bad = await startFakeOpenAI({ defaultReply: 'No idea.' });
    try {
      using project = createMiniProject({ url: bad.url, config: { thresholds: { passRate: 0.5 } } });
      const r = await project.cli(['eval']);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/below threshold: 2 of 2 variant × model miss/);
      expect(r.stdout).toMatch(/helper\/terse @ openai:chat:agent-model: passRate 0% < 50%/);
    } finally {
      await bad.close();
    }
  });
});
