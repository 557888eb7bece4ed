import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evenRates, FAULT_KINDS, startFakeOpenAI, type FakeOpenAIServer, type RecordedCall } from '../support/fake-openai-server.ts';
import type { CliResult, Project } from '../support/project-fixture.ts';
import { readHistory } from '../../src/io/history/history.ts';
import { createMiniProject, evalConfig, readOnlyRun, scenarioYaml, STACK_FRAME } from '../support/mini-project.ts';

const FAST = { PROMPTFOO_REQUEST_BACKOFF_MS: '0', REQUEST_TIMEOUT_MS: '1000' };
const ANSWER = 'Refunds take 5 days.';
type Line = {
  cellId: string;
  variantId: string;
  scenarioId: string;
  repeat: number;
  status: string;
  error?: string;
  output?: string;
  score: number;
  assertions: Array<Record<string, unknown>>;
};

describe('30% faults on a 200-cell run (eval --ci)', () => {
  let server: FakeOpenAIServer;
  let project: Project;
  let run: CliResult;
  let lines: Line[];
  let calls: RecordedCall[];

  beforeAll(async () => {
    server = await startFakeOpenAI({
      defaultReply: ANSWER,
      latencyMs: 5,
      faults: { rates: evenRates(0.3), seed: 7, retryAfterSeconds: 1, appliesTo: 'agent' },
    });
    // 2 variants × 1 model × 10 scenarios × 10 repeats = 200 cells.
    // A tight error budget: most faults recover after retries, so the few cells that still error exceed it.
    project = createMiniProject({
      url: server.url,
      scenarios: 10,
      repeats: 10,
      concurrency: 16,
      timeoutMs: 3000,
      config: { thresholds: { errorBudget: 0.02 } },
    });
    run = await project.cli(['eval', '--ci'], { env: FAST, timeoutMs: 200_000 });
    lines = readOnlyRun(project.root).results as unknown as Line[];
    calls = [...server.chatCalls];
  }, 240_000);
  afterAll(async () => {
    await server?.close();
    project?.[Symbol.dispose]();
  });

  it('completes, and the server really injected every fault kind on about 30% of requests', () => {
    expect(run.signal).toBeNull();
    expect(run.stderr).not.toMatch(STACK_FRAME);
    expect(run.stderr).toContain('progress: 200/200 cells');
    const faulted = calls.filter((c) => c.fault);
    expect(faulted.length / calls.length).toBeGreaterThan(0.2);
    expect(faulted.length / calls.length).toBeLessThan(0.4);
    expect(new Set(faulted.map((c) => c.fault))).toEqual(new Set(FAULT_KINDS));
  });

  it('has every planned cell exactly once in results.jsonl, as a scored result or an error with its cause', () => {
    const { meta } = readOnlyRun(project.root);
    expect(meta.plannedCells).toBe(200);
    expect(lines).toHaveLength(200);
    expect(new Set(lines.map((l) => l.cellId)).size).toBe(200);
    const planned = new Set<string>();
    for (const v of ['helper/brief', 'helper/terse'])
      for (let s = 1; s <= 10; s++) for (let r = 0; r < 10; r++) planned.add(`${v} s${s} ${r}`);
    expect(new Set(lines.map((l) => `${l.variantId} ${l.scenarioId} ${l.repeat}`))).toEqual(planned);
    for (const l of lines) {
      expect(['pass', 'error']).toContain(l.status); // the scripted answer passes whenever it arrives
      if (l.status === 'pass') expect(l.output).toBe(ANSWER);
      else {
        expect(l.error, JSON.stringify(l)).toMatch(/\S{10}/);
        expect(l).toMatchObject({ score: 0, assertions: [] });
        expect(l.output).toBeUndefined();
      }
    }
  });

  it('retries transient faults: 429 (with or without Retry-After) and 5xx almost never end a cell, and most faults recover', () => {
    const errors = lines.filter((l) => l.status === 'error');
    // Retries are finite: with faults drawn at random, a cell can meet a 429 or 5xx on every attempt.
    // That must stay rare (the chance per cell is well under 1%), never the rule.
    const endedByTransient = errors.filter((e) => /\b(429|500|502|503)\b|rate limit/i.test(String(e.error)));
    expect(endedByTransient.length, JSON.stringify(endedByTransient.map((e) => e.error))).toBeLessThanOrEqual(2);
    const faulted = calls.filter((c) => c.fault).length;
    const retriedOk = calls.filter(
      (c) => c.fault && ['rate-limit-retry-after', 'server-error', 'bad-gateway', 'unavailable'].includes(c.fault),
    ).length;
    expect(retriedOk).toBeGreaterThan(15);
    // "Mostly": fewer than half the faulted requests cost a cell.
    expect(errors.length).toBeLessThan(faulted / 2);
    expect(errors.length).toBeGreaterThan(0);
  });

  it('never counts error cells as passes or failures', async () => {
    const errors = lines.filter((l) => l.status === 'error').length;
    const history = await readHistory(project.root);
    expect(history.entries).toHaveLength(1);
    expect(history.damaged).toEqual([]);
    const cells = history.entries[0]!.cells;
    expect(cells.reduce((n, c) => n + c.errors, 0)).toBe(errors);
    expect(cells.reduce((n, c) => n + c.runs, 0)).toBe(200 - errors);
    for (const c of cells) expect(c.passes).toBe(c.runs); // errors are not failures: every scored cell passed
    expect(run.stdout).toMatch(/helper\/brief\s+★? ?100%/);
  });

  it('exits 3 when errors exceed the error budget, and the budget is what decides (gate with a looser budget exits 0)', async () => {
    const errors = lines.filter((l) => l.status === 'error').length;
    expect(errors / 200).toBeGreaterThan(0.02); // the budget of this run's config
    expect(run.code).toBe(3);
    expect(run.stdout).toMatch(new RegExp(`provider errors ${errors}/200 .*over budget`));

    const loose = evalConfig({ url: server.url, scenarios: 10, repeats: 10, config: { thresholds: { errorBudget: 0.5 } } });
    project.write('evals/loose.yaml', loose);
    const gate = await project.cli(['gate', '-c', 'evals/loose.yaml']);
    expect(gate.stderr).not.toMatch(STACK_FRAME);
    expect(gate.code).toBe(0);
  });
});

describe('single faults', () => {
  it('honours Retry-After: the retry of a 429 comes after the announced wait, and the cell passes', async () => {
    await using server = await startFakeOpenAI({
      defaultReply: ANSWER,
      faults: { schedule: ['rate-limit-retry-after'], retryAfterSeconds: 2 },
    });
    using project = createMiniProject({ url: server.url, scenarios: 1 });
    project.write('evals/default.yaml', { ...evalConfig({ url: server.url }), agents: ['helper/brief'] });
    const run = await project.cli(['eval'], { env: FAST });
    expect(run.code, run.stderr).toBe(0);
    const [limited, retried] = server.chatCalls;
    expect(server.chatCalls.map((c) => c.status)).toEqual([429, 200]);
    expect(retried!.startedAt - limited!.endedAt!).toBeGreaterThanOrEqual(1_950);
    expect(readOnlyRun(project.root).results).toMatchObject([{ status: 'pass', output: ANSWER }]);
  });

  // promptfoo's OpenAI provider does not retry a body cut off mid-read, truncated JSON or `choices: []`;
  // the engine seam (src/run/promptfoo.ts) does, with the config's `maxRetries`.
  it('retries a connection reset mid-body, malformed JSON and empty choices', async () => {
    const first = new Map<string, boolean>();
    await using server = await startFakeOpenAI({
      defaultReply: ANSWER,
      faults: {
        schedule: (_i, ctx) => {
          const kind = ({ 1: 'reset', 2: 'malformed-json', 3: 'empty-choices' } as const)[ctx.user.match(/order (\d)/)?.[1] as '1'];
          if (!kind || first.get(ctx.user)) return null;
          first.set(ctx.user, true);
          return kind;
        },
      },
    });
    using project = createMiniProject({ url: server.url, scenarios: 3 });
    project.write('evals/default.yaml', { ...evalConfig({ url: server.url }), agents: ['helper/brief'] });
    const run = await project.cli(['eval'], { env: FAST });
    expect(run.stderr).not.toMatch(STACK_FRAME);
    expect(readOnlyRun(project.root).results.map((r) => r.status)).toEqual(['pass', 'pass', 'pass']);
  });
});

describe('the grader failing', () => {
  async function gradedRun(server: FakeOpenAIServer): Promise<{ project: Project; run: CliResult; lines: Line[] }> {
    const rubric = '  - type: rubric\n    id: polite\n    value: The answer is polite.\n';
    const project = createMiniProject({
      url: server.url,
      scenarios: 0,
      files: { 'scenarios/s1.yaml': scenarioYaml(1, rubric), 'scenarios/s2.yaml': scenarioYaml(2, rubric) },
    });
    const grader = { id: 'openai:chat:grader-model', config: { apiBaseUrl: server.url, apiKey: 'test-key' } };
    project.write('evals/default.yaml', { ...evalConfig({ url: server.url, repeats: 2 }), agents: ['helper/brief'], grader });
    const run = await project.cli(['eval'], { env: FAST });
    return { project, run, lines: readOnlyRun(project.root).results as unknown as Line[] };
  }
  const graderDown = () => startFakeOpenAI({ defaultReply: ANSWER, faults: { schedule: () => 'malformed-json', appliesTo: 'grader' } });

  it('is reported as a grading error on the rubric assertion, with its cause, not as an error of the agent', async () => {
    await using server = await graderDown();
    const { project, run, lines } = await gradedRun(server);
    using _ = project;
    expect(run.stderr).not.toMatch(STACK_FRAME);
    expect(server.chatCalls).toHaveLength(4);
    expect(server.graderCalls.length).toBeGreaterThanOrEqual(2); // identical grader prompts may be shared
    for (const c of server.graderCalls) expect(c.fault).toBe('malformed-json');
    expect(lines).toHaveLength(4);
    for (const l of lines) {
      expect(l.output).toBe(ANSWER); // the agent answered; only the grading failed
      const polite = l.assertions.find((a) => a.id === 'polite');
      expect(polite).toMatchObject({ kind: 'rubric', pass: false, gradingError: true });
      expect(String(polite!.reason)).toMatch(/error/i);
      expect(l.assertions.find((a) => a.id === 'icontains-refund')).toMatchObject({ pass: true });
    }
    // Nothing else failed, so the cell could not be judged: the history counts it as an error cell,
    // and the ungraded assertion adds no run to its pass counts.
    const history = await readHistory(project.root);
    expect(history.entries).toHaveLength(1);
    for (const c of history.entries[0]!.cells) {
      expect(c).toMatchObject({ errors: 2, runs: 0 });
      expect(c.assertions.polite?.runs ?? 0).toBe(0);
    }
  });

  // The cell verdict treats an ungraded assertion as unknown, not as failed: the cell is an `error`
  // (grading), which the error budget counts, instead of lowering the agent's pass rate.
  it("does not fail the agent's cell when the only failing assertion could not be graded", async () => {
    await using server = await graderDown();
    const { project, lines } = await gradedRun(server);
    using _ = project;
    for (const l of lines) {
      expect(l.status).toBe('error');
      expect(l.error).toMatch(/^grading error: the grader failed on polite/);
    }
  });
});
