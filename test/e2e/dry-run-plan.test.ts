/**
 * `eval --dry-run` plans from history (issue 28): the repeats each comparison needs to detect a 10- and a
 * 20-point change, and the run's expected tokens and cost, equal an independent computation from the runs'
 * own results (discordance counted here, the exact test's power by brute-force enumeration here).
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { startFakeOpenAI } from '../support/fake-openai-server.ts';
import { createMiniProject } from '../support/mini-project.ts';

const SCENARIOS = 5;
const REPEATS = 4;

/** Exact McNemar power by enumerating every (b, c) of n pairs (as in src/plan/power.test.ts, written again here). */
function bruteForcePower(n: number, psi0: number, effect: number, alpha: number): number {
  const lf = [0];
  for (let i = 1; i <= n; i++) lf.push(lf[i - 1]! + Math.log(i));
  const p10 = psi0 / 2;
  const p01 = psi0 / 2 + effect;
  const pc = 1 - p10 - p01;
  const pValue = (b: number, d: number) => {
    if (d === 0) return 1;
    const pmf = (i: number) => Math.exp(lf[d]! - lf[i]! - lf[d - i]! - d * Math.LN2);
    const obs = pmf(b);
    let t = 0;
    for (let i = 0; i <= d; i++) if (pmf(i) <= obs * (1 + 1e-7)) t += pmf(i);
    return t;
  };
  const term = (k: number, p: number) => (k === 0 ? 0 : k * Math.log(p));
  let power = 0;
  for (let b = 0; b <= n; b++)
    for (let c = 0; b + c <= n; c++)
      if (pValue(b, b + c) < alpha)
        power += Math.exp(lf[n]! - lf[b]! - lf[c]! - lf[n - b - c]! + term(b, p10) + term(c, p01) + term(n - b - c, pc));
  return power;
}

interface Line {
  variantId: string;
  scenarioId: string;
  repeat: number;
  status: string;
  tokens?: { total: number };
  cost?: number;
}

const runLines = (root: string): Line[][] =>
  readdirSync(path.join(root, 'reports', 'runs'))
    .sort()
    .map((id) =>
      readFileSync(path.join(root, 'reports', 'runs', id, 'results.jsonl'), 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Line),
    );

describe('eval --dry-run: planning figures', () => {
  it('with no history: the stated default discordance, and no spend figures beyond the prompt estimate', { timeout: 240_000 }, async () => {
    await using server = await startFakeOpenAI({ defaultReply: 'Refunds take 5 days.' });
    using project = createMiniProject({ url: server.url, scenarios: 2, repeats: 1 });
    const dry = await project.cli(['eval', '--dry-run']);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toContain('α = 0.05 over 2 comparison(s) = 0.025 each');
    expect(dry.stdout).toMatch(/helper\/brief @ openai:chat:agent-model: 2 scenarios, discordance 0\.20 \(default: no history\)/);
    expect(dry.stdout).toContain('4 cells have no history');
    expect(dry.stdout).toContain('USD unknown (4 cells on a model with no price)');
    expect(server.chatCalls).toHaveLength(0);
  });

  it('from two recorded runs: repeats and cost equal an independent computation', { timeout: 300_000 }, async () => {
    // Scenario i fails on its (i + 1)-th identical request: one pair in four of each scenario disagrees between the runs.
    await using server = await startFakeOpenAI({
      usage: { prompt_tokens: 100, completion_tokens: 50 },
      defaultReply: (ctx) => {
        const i = Number(/order (\d+)/.exec(ctx.user)?.[1]);
        return ctx.sameRequestIndex === i + 1 ? 'No idea.' : 'Refunds take 5 days.';
      },
    });
    using project = createMiniProject({
      url: server.url,
      scenarios: SCENARIOS,
      repeats: REPEATS,
      concurrency: 1,
      config: {
        models: [{ id: 'openai:chat:agent-model', config: { apiBaseUrl: server.url, apiKey: 'test-key' }, cost: { input: 1, output: 2 } }],
      },
    });
    for (let run = 0; run < 2; run++) {
      const r = await project.cli(['eval', '--record']);
      expect(r.code, r.stdout + r.stderr).toBe(0);
    }
    const calls = server.chatCalls.length;
    const dry = await project.cli(['eval', '--dry-run']);
    expect(dry.code, dry.stderr).toBe(0);
    expect(server.chatCalls).toHaveLength(calls);

    // The independent computation, from the two runs' results.jsonl.
    const [first, second] = runLines(project.root);
    const key = (l: Line) => `${l.variantId}|${l.scenarioId}|${l.repeat}`;
    const later = new Map(second!.map((l) => [key(l), l]));
    const alpha = 0.05 / 2;
    for (const variantId of ['helper/brief', 'helper/terse']) {
      let pairs = 0;
      let discordant = 0;
      for (const a of first!.filter((l) => l.variantId === variantId)) {
        const b = later.get(key(a))!;
        pairs++;
        if (a.status !== b.status) discordant++;
      }
      const psi0 = discordant / pairs;
      expect(pairs).toBe(SCENARIOS * REPEATS);
      const line = dry.stdout.split('\n').find((l) => l.includes(`${variantId} @ openai:chat:agent-model: ${SCENARIOS} scenarios`))!;
      expect(line, dry.stdout).toContain(`discordance ${psi0.toFixed(2)} from ${pairs} history pairs`);
      for (const effect of [0.1, 0.2]) {
        const said = new RegExp(`${Math.round(effect * 100)} points: (\\d+) repeats \\((\\d+) pairs\\)`).exec(line);
        expect(said, line).not.toBeNull();
        const repeats = Number(said![1]);
        expect(Number(said![2])).toBe(repeats * SCENARIOS);
        expect(bruteForcePower(repeats * SCENARIOS, psi0, effect, alpha)).toBeGreaterThanOrEqual(0.8);
        expect(bruteForcePower((repeats - 1) * SCENARIOS, psi0, effect, alpha)).toBeLessThan(0.8);
      }
    }

    // Expected spend: each planned cell at the lowest..highest its variant × scenario spent in the two runs.
    const spent = new Map<string, number[]>();
    for (const l of [...first!, ...second!]) {
      const k = `${l.variantId}|${l.scenarioId}`;
      spent.set(k, [...(spent.get(k) ?? []), l.tokens!.total]);
    }
    let low = 0;
    let high = 0;
    for (const totals of spent.values()) {
      low += REPEATS * Math.min(...totals);
      high += REPEATS * Math.max(...totals);
    }
    expect(low).toBe(2 * SCENARIOS * REPEATS * 150);
    const usd = (tokens: number) => `$${((tokens / 150) * 0.0002).toFixed(4)}`;
    const total = dry.stdout.split('\n').find((l) => l.trimStart().startsWith('total:'))!;
    expect(total, dry.stdout).toContain(low === high ? `total: ${low.toLocaleString('en-US')} tokens, ${usd(low)}` : `${low}–${high}`);
    expect(total).toContain('wall time');
    expect(dry.stdout).toContain(`helper/brief @ openai:chat:agent-model × s1: ${REPEATS} cells, 600 tokens, $0.0008`);
  });

  it('repeats: auto picks the repeats a target effect needs, capped by what the budget affords', { timeout: 240_000 }, async () => {
    await using server = await startFakeOpenAI({ defaultReply: 'Refunds take 5 days.' });
    using project = createMiniProject({ url: server.url, scenarios: 2, config: { repeats: 'auto', targetEffect: 0.2 } });
    // No history: ψ₀ = 0.20, 2 comparisons (α = 0.025 each), 2 scenarios a comparison.
    const needed = (() => {
      let r = 1;
      while (bruteForcePower(r * 2, 0.2, 0.2, 0.025) < 0.8) r++;
      return r;
    })();
    const free = await project.cli(['eval', '--dry-run']);
    expect(free.code, free.stderr).toBe(0);
    expect(free.stdout).toContain(`repeats: auto → ${needed} (${needed} detect 20 points at 80 % power)`);
    expect(free.stdout).toContain(`× ${needed} repeats`);
    // One repeat is 4 cells of estimated prompts (nothing seen yet): the budget affords its tokens ten times.
    const perRepeat = Number(/estimated prompt tokens: ~([\d,]+)/.exec(free.stdout)![1]!.replaceAll(',', '')) / needed;
    project.write('evals/default.yaml', {
      models: [{ id: 'openai:chat:agent-model', config: { apiBaseUrl: server.url, apiKey: 'test-key' } }],
      repeats: 'auto',
      targetEffect: 0.2,
      budget: { tokens: perRepeat * 10 },
    });
    const capped = await project.cli(['eval', '--dry-run']);
    expect(capped.code, capped.stderr).toBe(0);
    expect(capped.stdout).toContain(`repeats: auto → 10 (${needed} detect 20 points at 80 % power; the budget affords 10)`);
    expect(server.chatCalls).toHaveLength(0);
  });
});
