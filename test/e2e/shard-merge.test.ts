/**
 * Sharding across machines end to end: `eval --shard i/n` runs merged with `agent-evals merge` equal
 * an unsharded run cell for cell, and merge refuses shard sets that would give a wrong run.
 */
import { cpSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { startFakeOpenAI, type ReplyContext } from '../support/fake-openai-server.ts';
import { createProject } from '../support/project-fixture.ts';
import type { CellResult } from '../../src/schema/result.ts';
import type { RunMeta } from '../../src/schema/run-meta.ts';
import { FIVE_VARIANTS, readJsonl, refundScenario } from '../support/ci-project.ts';
import { runCliOn } from '../support/run-cli.ts';

/** Answers that differ per variant and scenario; "echo" never mentions refunds (its cells fail). */
function reply(ctx: ReplyContext): string {
  const variant = /You are the (\w+) refund assistant/.exec(ctx.system)?.[1] ?? '?';
  const order = /order (\d+)/.exec(ctx.user)?.[1] ?? '?';
  return variant === 'echo' ? `Order ${order}: no idea, sorry.` : `${variant}: refunds for order ${order} take 5 days.`;
}

const runsIn = (root: string) => readdirSync(path.join(root, 'reports', 'runs')).sort();
const load = (root: string, id: string) => ({
  meta: JSON.parse(readFileSync(path.join(root, 'reports', 'runs', id, 'meta.json'), 'utf8')) as RunMeta,
  results: readJsonl<CellResult>(path.join(root, 'reports', 'runs', id, 'results.jsonl')),
});
/** What a cell measured, without when or how fast. */
const essence = (r: CellResult) => ({
  cellId: r.cellId,
  variantId: r.variantId,
  model: r.model,
  scenarioId: r.scenarioId,
  repeat: r.repeat,
  status: r.status,
  output: r.output,
  assertions: r.assertions,
  score: r.score,
});

describe('sharded runs and agent-evals merge', () => {
  it('two shards merged equal the unsharded run cell for cell; report, gate and bless work on the merged run; bad sets are refused', {
    timeout: 300_000,
  }, async () => {
    await using server = await startFakeOpenAI({ defaultReply: reply });
    const model = { id: 'openai:chat:test-model', config: { apiBaseUrl: server.url, apiKey: 'test-key' } };
    using p = createProject({
      seedAgents: false,
      files: {
        ...FIVE_VARIANTS,
        'scenarios/q1.yaml': refundScenario(1),
        'scenarios/q2.yaml': refundScenario(2),
        'scenarios/q3.yaml': refundScenario(3),
      },
      evalConfig: { models: [model], repeats: 2, concurrency: 4 },
    });

    const whole = await p.cli(['eval', '--record']);
    expect(whole.code, whole.stderr).toBe(0);
    const [wholeId] = runsIn(p.root);
    expect(server.chatCalls).toHaveLength(30); // 5 variants × 3 scenarios × 2 repeats

    server.reset();
    for (const shard of ['1/2', '2/2']) {
      const r = await p.cli(['eval', '--record', '--shard', shard]);
      expect(r.code, r.stderr).toBe(0);
    }
    expect(server.chatCalls).toHaveLength(30); // each cell once, on one shard
    // Run ids sort by second, then by a random suffix: runs of the same second are told apart by their shard.
    const shardRun = (index: number) => runsIn(p.root).find((id) => id !== wholeId && load(p.root, id).meta.shard?.index === index);
    const [shard1, shard2] = [shardRun(1), shardRun(2)];
    const s1 = load(p.root, shard1!);
    const s2 = load(p.root, shard2!);
    expect([s1.results.length, s2.results.length]).toEqual([15, 15]);
    expect(s1.meta.shard).toEqual({ index: 1, count: 2 });

    const merged = await runCliOn(p.root, ['merge', `reports/runs/${shard2}`, `reports/runs/${shard1}`, '--out', '20991231-000000-merged']);
    expect(merged.code, merged.stderr).toBe(0);
    expect(merged.stdout).toMatch(/merged 2 shards .* into run 20991231-000000-merged: 30 cells/);
    const m = load(p.root, '20991231-000000-merged');
    const w = load(p.root, wholeId!);
    const byId = (rs: CellResult[]) => [...rs].sort((a, b) => (a.cellId < b.cellId ? -1 : 1)).map(essence);
    expect(byId(m.results)).toEqual(byId(w.results));
    expect(m.results.filter((r) => r.status === 'fail')).toHaveLength(6); // echo's cells
    expect(m.meta.planHash).toBe(w.meta.planHash);
    expect(m.meta.plannedCells).toBe(30);
    expect(m.meta.shard).toBeUndefined();
    expect(m.meta.fingerprints).toEqual(w.meta.fingerprints);

    // Shards add no history line of their own; the merged run does.
    const history = readJsonl<{ runId: string }>(path.join(p.root, 'reports', 'history.jsonl')).map((e) => e.runId);
    expect(history).toEqual([wholeId, '20991231-000000-merged']);

    // report, bless and gate on the merged run.
    expect((await runCliOn(p.root, ['report', '--run', '20991231-000000-merged'])).code).toBe(0);
    expect(readFileSync(path.join(p.root, 'reports', 'summary.md'), 'utf8')).toContain('20991231-000000-merged');
    expect((await runCliOn(p.root, ['bless', wholeId!])).code).toBe(0);
    const gate = await runCliOn(p.root, ['gate', '--run', '20991231-000000-merged']);
    expect(gate.code, gate.stderr).toBe(0);
    expect(gate.stdout).toMatch(/unchanged +5 variant × model/);
    const blessMerged = await runCliOn(p.root, ['bless', '20991231-000000-merged']);
    expect(blessMerged.code, blessMerged.stderr).toBe(0);

    // Refusals: one line each, exit 2, nothing written.
    const refuse = async (args: string[], message: RegExp) => {
      const r = await runCliOn(p.root, ['merge', ...args]);
      expect(r.code, r.stdout).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(message);
    };
    await refuse([shard1!], /missing shard 2\/2/);
    await refuse([shard1!, shard1!], /shard 1\/2 \(run .*\) and shard 1\/2 \(run .*\) are the same shard: their cells overlap/);
    await refuse([shard1!, wholeId!], /is not a shard run/);
    await refuse([shard1!, shard2!, '--out', '20991231-000000-merged'], /already exists/);

    // A shard of another config.
    const other = path.join(p.root, 'elsewhere', shard2!);
    cpSync(path.join(p.root, 'reports', 'runs', shard2!), other, { recursive: true });
    const otherMeta = JSON.parse(readFileSync(path.join(other, 'meta.json'), 'utf8')) as RunMeta;
    writeFileSync(path.join(other, 'meta.json'), JSON.stringify({ ...otherMeta, config: { ...otherMeta.config, repeats: 3 } }));
    await refuse([shard1!, `elsewhere/${shard2}`], /ran different eval config/);

    // Overlapping cells: shard 2 also claims one of shard 1's cells.
    const stolen = s1.results[0]!;
    // (Its meta plans the extra cell too: a shard holding more results than it planned is refused as damaged.)
    writeFileSync(path.join(other, 'meta.json'), JSON.stringify({ ...otherMeta, plannedCells: otherMeta.plannedCells + 1 }));
    writeFileSync(path.join(other, 'results.jsonl'), [...s2.results, stolen].map((r) => `${JSON.stringify(r)}\n`).join(''));
    await refuse(
      [shard1!, `elsewhere/${shard2}`],
      new RegExp(
        `cell ${stolen.variantId} @ openai:chat:test-model / ${stolen.scenarioId} #${stolen.repeat} is in shard 1/2 .* and in shard 2/2 .*: shards overlap`,
      ),
    );

    // Missing cells (an interrupted shard), named.
    // (Named where the other shards show the variant × scenario; here shard 1 holds the other repeat.)
    const inShard1 = new Set(s1.results.map((c) => `${c.variantId}/${c.scenarioId}`));
    const lost = s2.results.filter((c) => inShard1.has(`${c.variantId}/${c.scenarioId}`)).slice(0, 2);
    expect(lost).toHaveLength(2);
    writeFileSync(path.join(other, 'meta.json'), JSON.stringify(otherMeta));
    writeFileSync(
      path.join(other, 'results.jsonl'),
      s2.results
        .filter((c) => !lost.includes(c))
        .map((c) => `${JSON.stringify(c)}\n`)
        .join(''),
    );
    const r = await runCliOn(p.root, ['merge', shard1!, `elsewhere/${shard2}`]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/shard 2\/2 \(run .*\) is missing 2 of its 15 cells: .*--resume/);
    for (const c of lost) expect(r.stderr).toContain(`${c.variantId} @ openai:chat:test-model / ${c.scenarioId} #${c.repeat}`);
    expect(runsIn(p.root)).toHaveLength(4);
  });
});
