/**
 * `agent-evals eval` end to end (issue 4): the real CLI as a child process, the fake OpenAI server in this
 * process. Matrix size and temperatures are counted and read at the server.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startFakeOpenAI, type FakeOpenAIServer } from '../support/fake-openai-server.ts';
import { REPO_ROOT } from '../support/project-fixture.ts';
import { evalProject, fakeModel, FAST_ENV, readResults, requestKey, SEEDS, systemOf } from '../support/eval-project.ts';

let server: FakeOpenAIServer;

beforeAll(async () => {
  server = await startFakeOpenAI({
    defaultReply: (ctx) => `Use JWT access tokens; answer 429 when over the limit. (sample ${ctx.sameRequestIndex})`,
  });
});
afterAll(() => server.close());
beforeEach(() => server.reset());

/** A line of a seed's prompt body: enough to tell its requests apart at the server. */
function seedMarker(variantId: string): string {
  const text = readFileSync(path.join(REPO_ROOT, 'agents', `${variantId}.md`), 'utf8');
  const body = text.replace(/^---[\s\S]*?\n---\n/, '');
  return body
    .split('\n')
    .find((l) => l.trim().length > 20)!
    .trim();
}

/** Temperatures seen at the server, per variant (recognised by its system prompt). */
function temperaturesByVariant(): Map<string, Set<number | undefined>> {
  const byVariant = new Map<string, Set<number | undefined>>();
  for (const call of server.chatCalls) {
    const variant = Object.values(SEEDS).find((id) => systemOf(call).includes(seedMarker(id)));
    expect(variant, `a request with an unknown system prompt: ${systemOf(call).slice(0, 80)}`).toBeDefined();
    const set = byVariant.get(variant!) ?? new Set();
    set.add((call.body as { temperature?: number }).temperature);
    byVariant.set(variant!, set);
  }
  return byVariant;
}

describe('eval: the matrix', () => {
  it('5 variants × 2 models × 2 scenarios × 2 repeats = 40 agent calls, each variant at its own temperature', async () => {
    using project = evalProject({ config: { models: [fakeModel(server, 'model-a'), fakeModel(server, 'model-b')], repeats: 2 } });
    const run = await project.cli(['eval'], { env: FAST_ENV });
    expect(run.stderr).not.toContain('internal error');
    expect(run.code, run.stdout + run.stderr).toBe(0);

    const calls = server.chatCalls;
    expect(calls).toHaveLength(5 * 2 * 2 * 2);
    expect(server.graderCalls).toHaveLength(0);
    // Every (variant, model, scenario) request was sent exactly twice: once per repeat.
    const perRequest = new Map<string, number>();
    for (const c of calls) perRequest.set(requestKey(c), (perRequest.get(requestKey(c)) ?? 0) + 1);
    expect(perRequest.size).toBe(20);
    expect([...perRequest.values()].every((n) => n === 2)).toBe(true);
    expect(new Set(calls.map((c) => (c.body as { model: string }).model))).toEqual(new Set(['model-a', 'model-b']));

    const results = readResults(project.root);
    expect(results).toHaveLength(40);
    expect(new Set(results.map((r) => r.cellId)).size).toBe(40);
    expect(results.every((r) => r.status === 'pass' && r.source === 'live')).toBe(true);

    // Temperature: the OpenCode seeds declare 0.1 and 0.2; the others declare none.
    const t = temperaturesByVariant();
    expect(t.size).toBe(5);
    expect([...t.get(SEEDS.sonnetPermissions)!]).toEqual([0.1]);
    expect([...t.get(SEEDS.reliability)!]).toEqual([0.2]);
    for (const id of [SEEDS.opusExamples, SEEDS.sonnetContractFirst, SEEDS.delegating]) {
      const values = [...t.get(id)!];
      // No temperature of its own: promptfoo's default (0) or none at all, never a neighbour's value.
      expect(values.length, id).toBe(1);
      expect(values[0] === undefined || values[0] === 0, `${id} sent temperature ${values[0]}`).toBe(true);
    }
  });

  it('an eval `temperature:` overrides every variant', async () => {
    using project = evalProject({ config: { models: [fakeModel(server, 'model-a')], scenarios: ['auth-tokens'], temperature: 0.7 } });
    const run = await project.cli(['eval'], { env: FAST_ENV });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(server.chatCalls).toHaveLength(5);
    const t = temperaturesByVariant();
    expect(t.size).toBe(5);
    for (const [id, set] of t) expect([...set], id).toEqual([0.7]);
  });

  it('--dry-run prints the matrix size and calls nothing', async () => {
    using project = evalProject({ config: { models: [fakeModel(server, 'model-a'), fakeModel(server, 'model-b')], repeats: 3 } });
    const run = await project.cli(['eval', '--dry-run']);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toContain('5 variants × 2 models × 2 scenarios × 3 repeats');
    expect(run.stdout).toContain('= 60 cells');
    expect(run.stdout).toContain('60 agent calls + 0 grader calls');
    // Not even the readiness probe (GET /models): a dry run touches no server.
    expect(server.calls).toHaveLength(0);
    // …and writes no run.
    expect(existsSync(path.join(project.root, 'reports', 'runs'))).toBe(false);
  });
});
