/**
 * The GitHub Actions workflows do what docs/ci.md promises: parsed as YAML, step by step, and every
 * agent-evals flag they use exists in the CLI.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { REPO_ROOT } from '../support/project-fixture.ts';

interface Step {
  name?: string;
  uses?: string;
  run?: string;
  if?: string;
  with?: Record<string, unknown>;
  env?: Record<string, string>;
}
interface Job {
  needs?: string | string[];
  strategy?: { matrix?: Record<string, unknown> };
  permissions?: Record<string, string>;
  steps: Step[];
}
interface Workflow {
  on: { pull_request?: { paths: string[] }; push?: { branches: string[]; paths: string[] }; schedule?: Array<{ cron: string }> };
  permissions?: Record<string, string>;
  jobs: Record<string, Job>;
}

const read = (file: string) => readFileSync(path.join(REPO_ROOT, file), 'utf8');
const workflow = (file: string) => parse(read(file)) as Workflow;
const uses = (job: Job, action: string) => job.steps.filter((s) => s.uses?.startsWith(`${action}@`));
const runs = (job: Job, pattern: RegExp) => job.steps.filter((s) => s.run && pattern.test(s.run));
const SUBJECTS = ['agents/**', 'scenarios/**', 'evals/**'];

/** checkout, Node 20 and npm ci, in that order. */
function expectSetup(job: Job): void {
  const at = (pred: (s: Step) => boolean) => job.steps.findIndex(pred);
  const checkout = at((s) => Boolean(s.uses?.startsWith('actions/checkout@')));
  const node = at((s) => Boolean(s.uses?.startsWith('actions/setup-node@')));
  const ci = at((s) => s.run?.trim() === 'npm ci');
  expect(checkout).toBeGreaterThanOrEqual(0);
  expect(node).toBeGreaterThan(checkout);
  expect(ci).toBeGreaterThan(node);
  expect(String(job.steps[node]!.with?.['node-version'])).toBe('20');
}

function expectSummaryAndArtifact(job: Job): void {
  const summary = runs(job, /reports\/summary\.md.*>>\s*"\$GITHUB_STEP_SUMMARY"/);
  expect(summary).toHaveLength(1);
  expect(summary[0]!.if).toBe('always()');
  const upload = uses(job, 'actions/upload-artifact').find((s) => String(s.with?.path).includes('reports/'));
  expect(upload?.if).toBe('always()');
}

describe('.github/workflows/eval.yml (pull request gate)', () => {
  const wf = workflow('.github/workflows/eval.yml');
  const job = wf.jobs.gate!;

  it('runs on pull requests touching agents/, scenarios/ and evals/', () => {
    expect(wf.on.pull_request?.paths).toEqual(SUBJECTS);
  });

  it('checks out with full history, sets up Node 20 and runs npm ci', () => {
    expect(uses(job, 'actions/checkout')[0]!.with?.['fetch-depth']).toBe(0);
    expectSetup(job);
  });

  it('gates with --ci, --changed-since and --baseline against the base branch, keys from secrets', () => {
    const [gate] = runs(job, /npm run eval -- --ci/);
    expect(gate!.run).toContain('--changed-since "$BASE_REF"');
    expect(gate!.run).toContain('--baseline "$BASE_REF"');
    expect(gate!.env?.BASE_REF).toBe('origin/${{ github.base_ref }}');
    expect(gate!.env?.ANTHROPIC_API_KEY).toBe('${{ secrets.ANTHROPIC_API_KEY }}');
    expect(gate!.env?.OPENAI_API_KEY).toBe('${{ secrets.OPENAI_API_KEY }}');
    expect(gate!.run).not.toContain('${{'); // no expression pasted into the script
  });

  it('appends summary.md to the job summary, uploads reports/, publishes junit.xml, even when the gate fails', () => {
    expectSummaryAndArtifact(job);
    const junit = job.steps.find((s) => s.with?.report_paths === 'reports/junit.xml');
    expect(junit?.if).toMatch(/^always\(\)/);
    expect(wf.permissions?.checks).toBe('write');
  });
});

describe('the pull-request comment (eval.yml, job comment)', () => {
  const wf = workflow('.github/workflows/eval.yml');
  const job = wf.jobs.comment!;
  const step = job.steps.find((s) => s.run?.includes('--format pr-comment'))!;

  it('runs after the gate, even when it fails, for pull requests from this repository only', () => {
    expect(job.needs).toBe('gate');
    expect((job as Job & { if?: string }).if).toBe('always() && github.event.pull_request.head.repo.full_name == github.repository');
  });

  it('holds the only token that can write to the pull request, and no API key', () => {
    expect(job.permissions).toEqual({ contents: 'read', 'pull-requests': 'write' });
    expect(wf.jobs.gate!.permissions).toBeUndefined();
    expect(JSON.stringify(job)).not.toContain('secrets.');
  });

  it("renders the body with the harness from the gate's uploaded reports, then updates its own comment or creates one", () => {
    const download = uses(job, 'actions/download-artifact')[0];
    expect(download?.with).toEqual({ name: 'agent-evals-reports', path: 'reports/' });
    expect(step.run).toContain('node bin/agent-evals.js report --format pr-comment --baseline "$BASE_REF" --report-url "$REPORT_URL"');
    expect(step.run).toContain("marker='<!-- agent-evals:pr-comment -->'");
    expect(step.run).toMatch(/gh api --method PATCH "repos\/\$GITHUB_REPOSITORY\/issues\/comments\/\$id"/);
    expect(step.run).toMatch(/gh api --method POST "repos\/\$GITHUB_REPOSITORY\/issues\/\$PR\/comments"/);
    expect(step.env?.GH_TOKEN).toBe('${{ github.token }}');
    expect(step.run).not.toContain('${{');
    // GitHub's own actions and the gh CLI only: no third-party action touches the token.
    expect(job.steps.filter((s) => s.uses && !s.uses.startsWith('actions/'))).toEqual([]);
  });
});

describe('what pull-request code can reach (scenario files are code)', () => {
  const pr = workflow('.github/workflows/eval.yml');
  const baseline = workflow('.github/workflows/eval-baseline.yml');

  it("gates on pull_request, never pull_request_target or workflow_run: a fork's scenarios never run with secrets", () => {
    for (const wf of [pr, baseline]) {
      expect(Object.keys(wf.on)).not.toContain('pull_request_target');
      expect(Object.keys(wf.on)).not.toContain('workflow_run');
    }
    expect(Object.keys(pr.on)).toEqual(['pull_request']);
  });

  it('jobs that run scenario code check out without leaving the job token in .git/config', () => {
    for (const job of [pr.jobs.gate!, baseline.jobs.shard!]) {
      expect(uses(job, 'actions/checkout')[0]!.with?.['persist-credentials']).toBe(false);
    }
    // Only the merge job may write, and it runs no scenario code: merge, gate and bless read run folders.
    expect(pr.permissions).toEqual({ contents: 'read', checks: 'write' });
    expect(baseline.permissions).toEqual({ contents: 'read' });
    expect(baseline.jobs.shard!.permissions).toBeUndefined();
    expect(runs(baseline.jobs.merge!, /npm run eval\b/)).toHaveLength(0);
  });

  it("publishes the JUnit check only for pull requests from this repository (a fork's token cannot write checks)", () => {
    const junit = pr.jobs.gate!.steps.find((s) => s.with?.report_paths === 'reports/junit.xml');
    expect(junit?.if).toContain('github.event.pull_request.head.repo.full_name == github.repository');
  });

  it('the docs say so', () => {
    expect(read('docs/ci.md')).toMatch(/^## What a pull request can reach$/m);
    expect(read('docs/ci.md')).toContain('pull_request_target');
    expect(read('docs/scenarios.md')).toMatch(/^## Scenario files are code$/m);
  });
});

describe('.github/workflows/eval-baseline.yml (full suite, shards, baseline)', () => {
  const wf = workflow('.github/workflows/eval-baseline.yml');

  it('runs on pushes to main touching the evals and on a schedule', () => {
    expect(wf.on.push?.branches).toEqual(['main']);
    expect(wf.on.push?.paths).toEqual(SUBJECTS);
    expect(wf.on.schedule?.[0]?.cron).toMatch(/^\S+ \S+ \S+ \S+ \S+$/);
  });

  it('runs the suite as a 4-shard matrix, each shard uploading its run folder', () => {
    const shard = wf.jobs.shard!;
    expectSetup(shard);
    expect(shard.strategy?.matrix?.shard).toEqual([1, 2, 3, 4]);
    const [run] = runs(shard, /npm run eval -- .*--shard "\$SHARD"/);
    expect(run!.env?.SHARD).toBe('${{ matrix.shard }}/4');
    expect(run!.run).toContain('--ci');
    const upload = uses(shard, 'actions/upload-artifact')[0]!;
    expect(upload.with).toMatchObject({ name: 'shard-${{ matrix.shard }}', path: 'reports/runs/' });
  });

  it('merges the shards, gates, blesses and proposes the baseline in a pull request', () => {
    const merge = wf.jobs.merge!;
    expect(merge.needs).toBe('shard');
    expectSetup(merge);
    expect(uses(merge, 'actions/download-artifact')[0]!.with).toMatchObject({ pattern: 'shard-*', path: 'shards/' });
    const order = ['agent-evals -- merge shards/', 'agent-evals -- gate', 'agent-evals -- bless'].map((cmd) =>
      merge.steps.findIndex((s) => s.run?.includes(cmd)),
    );
    expect(order.every((i) => i >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    const pr = uses(merge, 'peter-evans/create-pull-request')[0]!;
    expect(String(pr.with?.['add-paths'])).toContain('reports/baseline.json');
    expect(merge.permissions).toMatchObject({ contents: 'write', 'pull-requests': 'write' });
    expectSummaryAndArtifact(merge);
  });
});

describe('workflows and docs agree with the CLI', () => {
  const cli = read('src/program.ts');
  const scripts = ['.github/workflows/eval.yml', '.github/workflows/eval-baseline.yml'].flatMap((f) =>
    Object.values(workflow(f).jobs).flatMap((j) => j.steps.map((s) => s.run ?? '')),
  );

  it('uses only flags and commands the CLI declares', () => {
    // The lines that call the harness (other lines call gh, git, cat…).
    const calls = scripts.flatMap((s) => s.split('\n')).filter((l) => /npm run (eval|agent-evals)\b|bin\/agent-evals\.js/.test(l));
    const flags = new Set(calls.flatMap((s) => s.match(/--[a-z][a-z-]+/g) ?? []));
    expect(flags.size).toBeGreaterThan(3);
    for (const flag of flags) expect(cli, flag).toMatch(new RegExp(`'(-\\w, )?${flag}[ '\\]]`));
    for (const command of ['merge', 'gate', 'bless', 'report']) expect(cli).toContain(`.command('${command}`);
  });

  it('docs/ci.md documents the same exit codes as the CLI help', () => {
    const doc = read('docs/ci.md');
    for (const code of [0, 1, 2, 3]) {
      expect(cli).toMatch(new RegExp(`^ {2}${code} {2}`, 'm'));
      expect(doc).toMatch(new RegExp(`^\\| ${code} \\|`, 'm'));
    }
    for (const file of ['eval.yml', 'eval-baseline.yml']) expect(doc).toContain(`.github/workflows/${file}`);
  });
});

describe('every job that runs agent cells installs their sandbox first', () => {
  it.each([
    ['.github/workflows/eval.yml', 'gate'],
    ['.github/workflows/eval-baseline.yml', 'shard'],
  ])('%s, job %s: bubblewrap installed and user namespaces allowed before the eval', (file, name) => {
    const job = workflow(file).jobs[name]!;
    const sandbox = job.steps.findIndex((s) => /apt-get install -y -qq bubblewrap/.test(s.run ?? ''));
    const evalStep = job.steps.findIndex((s) => /npm run eval/.test(s.run ?? ''));
    expect(sandbox).toBeGreaterThan(0);
    expect(evalStep).toBeGreaterThan(sandbox);
    expect(job.steps[sandbox]!.run).toContain('kernel.apparmor_restrict_unprivileged_userns=0');
  });
});
