/**
 * Affected-only runs end to end: the real CLI against the loopback OpenAI server, in a temporary git
 * repository, counting the model calls.
 */
import { appendFileSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { startFakeOpenAI } from '../support/fake-openai-server.ts';
import { createProject } from '../support/project-fixture.ts';
import type { CellResult } from '../../src/schema/result.ts';
import type { RunMeta } from '../../src/schema/run-meta.ts';
import { FIVE_VARIANTS, git, readJsonl, refundScenario } from '../support/ci-project.ts';

const systemOf = (body: unknown) =>
  (body as { messages: Array<{ role: string; content: string }> }).messages.find((m) => m.role === 'system')?.content ?? '';

describe('eval --changed-since <ref>', () => {
  it('runs only the edited variant (1/5 of the calls), the edited scenario for every variant, nothing when nothing changed', {
    timeout: 240_000,
  }, async () => {
    await using server = await startFakeOpenAI({ defaultReply: 'Refunds take 5 days under our refund policy.' });
    using p = createProject({
      seedAgents: false,
      files: {
        ...FIVE_VARIANTS,
        'scenarios/q1.yaml': refundScenario(1),
        'scenarios/q2.yaml': refundScenario(2),
        '.gitignore': 'reports/runs/\nreports/*.html\nreports/*.md\nreports/*.xml\n.promptfoo/\n.promptfoo-*/\n',
      },
      evalConfig: {
        models: [{ id: 'openai:chat:test-model', config: { apiBaseUrl: server.url, apiKey: 'test-key' } }],
        repeats: 1,
        concurrency: 4,
        thresholds: { passRate: 0.5 },
      },
    });
    const full = await p.cli(['eval']);
    expect(full.code, full.stderr).toBe(0);
    expect(server.chatCalls).toHaveLength(10); // 5 variants × 2 scenarios
    expect((await p.cli(['bless'])).code).toBe(0);
    const baselineRun = (JSON.parse(readFileSync(path.join(p.root, 'reports', 'baseline.json'), 'utf8')) as { runId: string }).runId;
    git(p.root, 'init', '-q');
    git(p.root, 'add', '.');
    git(p.root, 'commit', '-q', '-m', 'agents, scenarios, baseline');
    git(p.root, 'branch', 'base');

    // One of five variants edited (committed on the branch): only its two cells are called.
    git(p.root, 'checkout', '-q', '-b', 'pr');
    appendFileSync(path.join(p.root, 'agents/helper/charlie.md'), '\nAlways state the refund window in days.\n');
    git(p.root, 'commit', '-q', '-am', 'charlie: state the window');
    server.reset();
    const edited = await p.cli(['eval', '--ci', '--changed-since', 'base', '--baseline', 'base']);
    expect(edited.code, edited.stderr + edited.stdout).toBe(0);
    expect(server.chatCalls).toHaveLength(2); // 10 / 5
    expect(server.chatCalls.every((c) => systemOf(c.body).includes('charlie'))).toBe(true);
    expect(edited.stdout).toMatch(/changed since base: 1 variant\(s\) \(helper\/charlie\)/);
    expect(edited.stdout).toMatch(
      new RegExp(`carried 8 cell\\(s\\) from baseline run ${baselineRun} \\(base:reports/baseline\\.json\\); running 2`),
    );
    expect(edited.stdout).toMatch(/gate: passed \(exit 0\)/);

    const runId = latestRun(p.root);
    const results = readJsonl<CellResult>(path.join(p.root, 'reports', 'runs', runId, 'results.jsonl'));
    const meta = JSON.parse(readFileSync(path.join(p.root, 'reports', 'runs', runId, 'meta.json'), 'utf8')) as RunMeta;
    expect(results).toHaveLength(10);
    expect(
      results
        .filter((r) => r.source === 'baseline')
        .map((r) => r.variantId)
        .sort(),
    ).toEqual(['alpha', 'alpha', 'bravo', 'bravo', 'delta', 'delta', 'echo', 'echo'].map((n) => `helper/${n}`));
    expect(results.filter((r) => r.source === 'baseline').every((r) => r.status === 'pass' && r.assertions.length === 1)).toBe(true);
    expect(meta).toMatchObject({ carriedFrom: baselineRun, plannedCells: 2 });
    const summary = readFileSync(path.join(p.root, 'reports', 'summary.md'), 'utf8');
    expect(summary).toContain(`8 of 10 cells were carried over from run \`${baselineRun}\``);
    expect(summary).toMatch(/Gate: passed/);

    // A scenario file edited (uncommitted): that scenario runs for every variant.
    git(p.root, 'checkout', '-q', 'base');
    writeFileSync(
      path.join(p.root, 'scenarios/q2.yaml'),
      refundScenario(2).replace('How long do refunds take', 'How many days do refunds take'),
    );
    server.reset();
    const scenario = await p.cli(['eval', '--ci', '--changed-since', 'base', '--baseline', 'base']);
    expect(scenario.code, scenario.stderr).toBe(0);
    expect(server.chatCalls).toHaveLength(5);
    expect(new Set(server.chatCalls.map((c) => systemOf(c.body))).size).toBe(5);
    expect(scenario.stdout).toMatch(/1 scenario\(s\) \(q2\)/);

    // Nothing changed since the ref: no model call, the gate passes with "nothing to evaluate".
    git(p.root, 'checkout', '-q', '--', 'scenarios/q2.yaml');
    server.reset();
    const nothing = await p.cli(['eval', '--ci', '--changed-since', 'base', '--baseline', 'base']);
    expect(nothing.code, nothing.stderr).toBe(0);
    expect(server.calls).toHaveLength(0);
    expect(nothing.stdout).toMatch(/nothing to evaluate: no model will be called/);
    expect(nothing.stdout).toMatch(/gate: passed \(exit 0\): nothing to evaluate/);

    // An unknown ref is an input error, before any call.
    const bad = await p.cli(['eval', '--changed-since', 'no-such-ref']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/error: --changed-since no-such-ref: not a commit in this repository/);
    expect(server.calls).toHaveLength(0);
  });
});

function latestRun(root: string): string {
  return readdirSync(path.join(root, 'reports', 'runs'))
    .sort()
    .at(-1)!;
}
