/**
 * Builders for the CI tests: synthetic run folders written straight to reports/runs/ (no model),
 * a small real project for live runs against the fake server, and git in a temporary repository.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { cellKey } from '../../src/schema/cell-key.ts';
import { scenarioYaml } from './mini-project.ts';
import type { CellResult, CellStatus } from '../../src/schema/result.ts';
import type { RunMeta } from '../../src/schema/run-meta.ts';

export const MODEL = 'm1';

/** One variant × scenario of a synthetic run: one letter per repeat (P pass, F fail, E error, N not run). */
export interface SyntheticScenario {
  variantId: string;
  scenarioId: string;
  letters: string;
  variantHash?: string;
  scenarioHash?: string;
  /** Repeats (by index) where the critical assertion `no-secrets` failed although the cell passed. */
  criticalFailures?: number[];
}

const STATUS: Record<string, CellStatus> = { P: 'pass', F: 'fail', E: 'error', N: 'not-run' };

export function syntheticResults(scenarios: SyntheticScenario[]): CellResult[] {
  return scenarios.flatMap((s) =>
    [...s.letters].map((letter, repeat): CellResult => {
      const status = STATUS[letter]!;
      const scored = status === 'pass' || status === 'fail';
      const criticalFailed = s.criticalFailures?.includes(repeat) ?? false;
      return {
        cellId: cellKey(s.variantId, MODEL, s.scenarioId, repeat),
        agent: s.variantId.split('/')[0]!,
        variantId: s.variantId,
        variantHash: s.variantHash ?? `vh-${s.variantId}`,
        scenarioId: s.scenarioId,
        scenarioHash: s.scenarioHash ?? `sh-${s.scenarioId}`,
        assertionsHash: `ah-${s.scenarioId}`,
        model: MODEL,
        repeat,
        status,
        output: scored ? `answer ${repeat}` : undefined,
        assertions: scored
          ? [
              {
                id: 'mentions-topic',
                kind: 'icontains',
                pass: status === 'pass',
                score: status === 'pass' ? 1 : 0,
                weight: 1,
                critical: false,
              },
              { id: 'no-secrets', kind: 'not-contains', pass: !criticalFailed, score: criticalFailed ? 0 : 1, weight: 1, critical: true },
            ]
          : [],
        score: status === 'pass' ? 1 : 0,
        ...(status === 'error' ? { error: 'HTTP 503 after 3 retries' } : status === 'not-run' ? { error: 'no key' } : {}),
        source: 'live',
        finishedAt: '2026-01-02T03:04:05.000Z',
      };
    }),
  );
}

export function syntheticMeta(runId: string, results: CellResult[], over: Partial<RunMeta> = {}): RunMeta {
  return {
    runId,
    startedAt: '2026-01-02T03:00:00.000Z',
    finishedAt: '2026-01-02T03:05:00.000Z',
    git: { commit: '0123456789abcdef0123456789abcdef01234567', branch: 'main', dirty: false },
    harnessVersion: '0.1.0',
    promptfooVersion: '0.121.20',
    config: { models: [MODEL], repeats: 1 },
    configFile: 'evals/default.yaml',
    planHash: 'synthetic',
    plannedCells: results.length,
    mode: 'live',
    fingerprints: { variants: {}, scenarios: {} },
    notRun: {},
    ...over,
  };
}

/** Writes reports/runs/<runId>/{meta.json,results.jsonl}; returns the folder. */
export function writeRun(root: string, runId: string, scenarios: SyntheticScenario[], over: Partial<RunMeta> = {}): string {
  const results = syntheticResults(scenarios);
  const dir = path.join(root, 'reports', 'runs', runId);
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'meta.json'), JSON.stringify(syntheticMeta(runId, results, over), null, 2));
  writeFileSync(path.join(dir, 'results.jsonl'), results.map((r) => `${JSON.stringify(r)}\n`).join(''));
  return dir;
}

/** `count` scenarios `s1..sN` of one variant, all with the same letters. */
export function uniform(variantId: string, count: number, letters: string, over: Partial<SyntheticScenario> = {}): SyntheticScenario[] {
  return Array.from({ length: count }, (_, i) => ({ variantId, scenarioId: `s${i + 1}`, letters, ...over }));
}

export function readJsonl<T = unknown>(file: string): T[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as T);
}

/** git in `cwd` with a fixed identity; returns trimmed stdout. */
export function git(cwd: string, ...args: string[]): string {
  return execFileSync(
    'git',
    ['-c', 'user.name=Test', '-c', 'user.email=test@example.com', '-c', 'commit.gpgsign=false', '-c', 'init.defaultBranch=main', ...args],
    {
      cwd,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  ).trim();
}

/** Agent files for the live tests: five variants of one agent, told apart by their prompt. */
export const FIVE_VARIANTS: Record<string, string> = Object.fromEntries(
  ['alpha', 'bravo', 'charlie', 'delta', 'echo'].map((name) => [
    `agents/helper/${name}.md`,
    `---\nname: helper\ndescription: Answers short questions about refunds. Use it for refund questions.\n---\n\nYou are the ${name} refund assistant. Answer briefly and mention the refund policy.\n`,
  ]),
);

/** Scenario `q<i>`: passes when the answer mentions "refund". */
export function refundScenario(i: number): string {
  return scenarioYaml(i, '', 'q');
}
