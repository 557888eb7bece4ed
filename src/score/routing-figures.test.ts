import { describe, expect, it } from 'vitest';
import type { CellResult } from '../schema/result.ts';
import { aggregateRun } from './aggregate-results.ts';
import { gateRun } from './gate.ts';
import { routingFigures } from './routing-figures.ts';
import { gateRouting } from './routing-gate.ts';

/** The routing cells of one variant: one per (case, repeat), the decision as given. */
function cells(variantId: string, decisions: Record<string, { expected: string; chosen: Array<string | undefined> }>): CellResult[] {
  return Object.entries(decisions).flatMap(([id, { expected, chosen }]) =>
    chosen.map((c, repeat) => ({
      cellId: `${variantId}-${id}-${repeat}`,
      agent: 'api',
      variantId,
      variantHash: variantId,
      scenarioId: `backend/${id}`,
      scenarioHash: `h-${id}`,
      assertionsHash: `a-${id}`,
      model: 'claude-code:m',
      repeat,
      status: c === undefined ? 'error' : c === expected ? 'pass' : 'fail',
      assertions: [],
      score: c === expected ? 1 : 0,
      routing: { suite: 'backend', expected, ...(c === undefined ? {} : { chosen: c }) },
      finishedAt: '2026-01-01T00:00:00Z',
    })),
  );
}

// The stated rule of the scripted main agent: "tables" → db, "login" → api, "injection" → sec, else itself.
const BASE = {
  tables: { expected: 'db', chosen: ['db', 'db', 'db'] },
  index: { expected: 'db', chosen: ['db', 'db', 'db'] },
  login: { expected: 'api', chosen: ['api', 'api', 'api'] },
  routes: { expected: 'api', chosen: ['api', 'api', 'db'] },
  injection: { expected: 'sec', chosen: ['sec', 'sec', undefined] },
  hello: { expected: 'none', chosen: ['none', 'general-purpose', 'none'] },
};

describe('routingFigures', () => {
  it('gives the exact confusion matrix, recall and precision with Wilson intervals, and the misrouted requests', () => {
    const [f] = routingFigures(aggregateRun(cells('api@v1', BASE)));
    expect(f!.labels).toEqual(['api', 'db', 'sec', 'general-purpose', 'none']);
    expect(f!.matrix).toEqual([
      [5, 1, 0, 0, 0],
      [0, 6, 0, 0, 0],
      [0, 0, 2, 0, 0],
      [0, 0, 0, 0, 0],
      [0, 0, 0, 1, 2],
    ]);
    expect(f!.decisions).toBe(17); // the error cell is no decision
    const db = f!.agents.find((a) => a.agent === 'db')!;
    expect([db.recall.passed, db.recall.runs, db.precision.passed, db.precision.runs]).toEqual([6, 6, 6, 7]);
    expect(db.precision.interval!.low).toBeCloseTo(0.4869, 3);
    expect(db.recall.interval).toEqual({ low: expect.closeTo(0.6097, 3), high: 1 });
    const none = f!.agents.find((a) => a.agent === 'none')!;
    expect([none.recall.passed, none.recall.runs]).toEqual([2, 3]);
    expect(f!.misrouted).toEqual([
      { scenarioId: 'backend/hello', expected: 'none', chosen: 'general-purpose', repeats: [1] },
      { scenarioId: 'backend/routes', expected: 'api', chosen: 'db', repeats: [2] },
    ]);
    // api → db once, db → api never: not a collision (they do not take each other's requests).
    expect(f!.collisions).toEqual([]);
  });

  it('names a collision: two agents taking each other requests above the stated rate', () => {
    const [f] = routingFigures(
      aggregateRun(
        cells('api@v1', {
          a: { expected: 'api', chosen: ['db', 'api', 'api', 'api'] },
          b: { expected: 'db', chosen: ['api', 'db', 'db', 'db'] },
        }),
      ),
    );
    expect(f!.collisions).toEqual([{ a: 'api', b: 'db', aToB: 1, bToA: 1, rate: 0.25 }]);
  });
});

describe('gateRouting', () => {
  // Four database requests, three repeats each: enough pairs for a drop to show through the family correction
  // (recall and precision are both tested, so one move is counted twice: Holm holds under that dependence).
  const DB = ['tables', 'index', 'migrate', 'join'];
  const GOOD = { ...BASE, ...Object.fromEntries(DB.map((id) => [id, { expected: 'db', chosen: ['db', 'db', 'db'] }])) };
  // The edited description of `api` takes the database requests from `db`.
  const STEALS = { ...BASE, ...Object.fromEntries(DB.map((id) => [id, { expected: 'db', chosen: ['api', 'api', 'api'] }])) };

  it('an edit that takes a sibling`s requests is a regression of the sibling, naming the requests that moved and where', () => {
    const baseline = aggregateRun(cells('api@v1', GOOD));
    const current = aggregateRun(cells('api@v1', STEALS));
    const items = gateRouting({ current, baseline, alpha: 0.05 });
    const regressed = items.filter((i) => i.verdict === 'regressed');
    expect(regressed.map((i) => [i.sibling, i.figure])).toEqual([
      ['db', 'recall'],
      ['api', 'precision'],
    ]);
    expect(regressed[0]!.pValue).toBeCloseTo(2 ** -11, 8);
    expect(regressed[0]!.reason).toBe(
      'db recall 1.00 → 0.00 (0/12), adjusted p = 0.00098; moved: backend/index#1 (db → api), backend/index#2 (db → api), backend/index#3 (db → api), backend/join#1 (db → api), backend/join#2 (db → api), +7 more',
    );
    // api's precision fell too (12 wrong takes), the same evidence from the other side.
    const apiPrecision = items.find((i) => i.sibling === 'api' && i.figure === 'precision')!;
    expect(apiPrecision.verdict).toBe('regressed');
    expect(apiPrecision.moved.map((m) => `${m.scenarioId}:${m.from}>${m.to}`)).toContain('backend/tables:db>api');
  });

  it('fails the gate (exit 1) with the routing regression named, and passes the unchanged run', () => {
    const thresholds = { errorBudget: 0.5, alpha: 0.05 };
    const baseline = aggregateRun(cells('api@v1', GOOD));
    const bad = gateRun({ current: aggregateRun(cells('api@v1', STEALS)), baseline, thresholds, plannedCells: 30 });
    expect(bad.exitCode).toBe(1);
    expect(bad.reason).toContain('routing regressed: backend with api@v1 @ claude-code:m: db recall 1.00 → 0.00');
    // One family: the variant × model comparison (12 discordant pairs) and the two routing tests, each p = 2^-11.
    expect(bad.routing![0]!.adjustedP).toBeCloseTo(3 * 2 ** -11, 10);
    expect(bad.comparisons[0]!.comparison!.adjustedP).toBeCloseTo(3 * 2 ** -11, 10);
    const same = gateRun({ current: aggregateRun(cells('api@v1', GOOD)), baseline, thresholds, plannedCells: 30 });
    expect(same.exitCode).toBe(0);
    expect(same.routing!.every((i) => i.verdict === 'unchanged')).toBe(true);
  });

  it('a figure under thresholds.routing is below threshold, with no baseline too', () => {
    const items = gateRouting({ current: aggregateRun(cells('api@v1', BASE)), alpha: 0.05, thresholds: { recall: 0.8 } });
    expect(items.filter((i) => i.verdict === 'below-threshold').map((i) => i.reason)).toEqual([
      'handled itself recall 0.67 (2/3) below threshold 0.80',
    ]);
  });

  it("the gate holds the run to the config's thresholds.routing (exit 1 naming the figure), and passes it without them", () => {
    const current = aggregateRun(cells('api@v1', BASE));
    const held = gateRun({ current, thresholds: { errorBudget: 0.5, alpha: 0.05, routing: { recall: 0.8 } }, plannedCells: 18 });
    expect(held.exitCode).toBe(1);
    expect(held.reason).toContain(
      'routing below threshold: backend with api@v1 @ claude-code:m: handled itself recall 0.67 (2/3) below threshold 0.80',
    );
    const free = gateRun({ current, thresholds: { errorBudget: 0.5, alpha: 0.05 }, plannedCells: 18 });
    expect(free.exitCode).toBe(0);
  });

  it('names a change of the runtime program between the baseline`s decisions and these beside every figure', () => {
    const version = (results: CellResult[], v: string) => results.map((r) => ({ ...r, routing: { ...r.routing!, runtimeVersion: v } }));
    const baseline = aggregateRun(version(cells('api@v1', GOOD), '1.0.0'));
    const items = gateRouting({ current: aggregateRun(version(cells('api@v1', STEALS), '1.1.0')), baseline, alpha: 0.05 });
    expect(items[0]!.reason).toMatch(/^db recall 1\.00 → 0\.00 .*; runtime 1\.0\.0 → 1\.1\.0 \(routing depends on it\)$/);
    expect(items.every((i) => i.runtimeChange === 'runtime 1.0.0 → 1.1.0')).toBe(true);
  });
});
