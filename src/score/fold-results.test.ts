import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import type { CellResult } from '../schema/result.ts';
import { ResultFold } from './fold-results.ts';

function result(i: number): CellResult {
  return {
    cellId: `cell-${i}`,
    agent: 'support',
    variantId: `v${i % 3}`,
    variantHash: 'vh',
    scenarioId: `s${i % 100}`,
    scenarioHash: 'sh',
    assertionsHash: 'ah',
    model: 'gpt-4.1',
    repeat: Math.floor(i / 300),
    status: 'pass',
    assertions: [{ id: 'refund', kind: 'contains', pass: true, score: 1, weight: 1, critical: false }],
    score: 1,
    latencyMs: 5,
    tokens: { prompt: 10, completion: 5, total: 15 },
    cost: 0.001,
    source: 'live',
    output: 'Refund: 5 days.',
    finishedAt: '2026-01-01T00:00:00.000Z',
  };
}

/** The heap in use after a full collection (the flag is set for this process; `gc` is read from a fresh context). */
function heapAfterGc(): number {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  gc();
  return process.memoryUsage().heapUsed;
}

describe('ResultFold', () => {
  it('gives each verdict its identity, counts and figures, without the answer or ids', () => {
    const fold = new ResultFold();
    fold.add(result(7));
    const [v] = fold.cells;
    expect(v).toEqual({
      agent: 'support',
      variantId: 'v1',
      variantHash: 'vh',
      scenarioId: 's7',
      scenarioHash: 'sh',
      assertionsHash: 'ah',
      model: 'gpt-4.1',
      repeat: 0,
      status: 'pass',
      assertions: [{ id: 'refund', kind: 'contains', pass: true, score: 1, weight: 1, critical: false }],
      score: 1,
      latencyMs: 5,
      tokens: { prompt: 10, completion: 5, total: 15 },
      cost: 0.001,
      source: 'live',
    });
  });

  // The finish stage builds every cell's verdict at once: what each costs is what a large run's peak grows by.
  it('builds 30,000 verdicts in well under 450 bytes each', () => {
    const fold = new ResultFold();
    const n = 30_000;
    for (let i = 0; i < n; i++) fold.add(result(i));
    const before = heapAfterGc();
    const cells = fold.cells;
    const perVerdict = (heapAfterGc() - before) / n;
    expect(cells).toHaveLength(n);
    expect(perVerdict).toBeLessThan(450);
  });
});
