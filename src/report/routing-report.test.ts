import { describe, expect, it } from 'vitest';
import type { CellResult } from '../schema/result.ts';
import { aggregateRun } from '../score/aggregate-results.ts';
import { ResultFold } from '../score/fold-results.ts';
import { routingFigures } from '../score/routing-figures.ts';
import { gateRouting } from '../score/routing-gate.ts';
import { renderRoutingGateRows, renderRoutingSection } from './html/routing-html.ts';
import { routingGateMarkdown, routingMarkdown } from './markdown/routing-md.ts';

const EVIL = '<img src=x onerror=alert(1)>|x';

function cell(id: string, expected: string, chosen: string, repeat = 0): CellResult {
  return {
    cellId: `${id}-${repeat}`,
    agent: 'api',
    variantId: 'api@v2',
    variantHash: 'v2',
    scenarioId: `backend/${id}`,
    scenarioHash: id,
    assertionsHash: id,
    model: 'opencode:m',
    repeat,
    status: chosen === expected ? 'pass' : 'fail',
    assertions: [],
    score: chosen === expected ? 1 : 0,
    routing: { suite: 'backend', expected, chosen, detail: 'Design it' },
    finishedAt: '2026-12-01T10:00:00.000Z',
  };
}

const RESULTS = [
  cell('orders', 'api', 'api'),
  cell('orders', 'api', 'api', 1),
  cell('tables', 'db', 'api'),
  cell('tables', 'db', 'db', 1),
  cell('hello', 'none', EVIL),
  cell('hello', 'none', 'none', 1),
];

describe('the Routing section', () => {
  it('shows the matrix with a number in every cell, recall and precision, misrouted requests; decisions escaped', () => {
    const page = (renderRoutingSection(routingFigures(aggregateRun(RESULTS))) as { value: string }).value;
    expect(page).toContain('<h3>backend · api@v2 @ opencode:m</h3>');
    // Row db: 1 to api, ✓ 1 to db; the model's odd decision is a column of its own, escaped.
    expect(page).toMatch(
      /<th scope="row">db<\/th><td class="num bad">1<\/td><td class="num good">✓ 1<\/td><td class="num">0<\/td><td class="num">0<\/td><td class="num">2<\/td>/,
    );
    expect(page).not.toContain('<img');
    expect(page).toContain('&lt;img src=x onerror=alert(1)&gt;|x');
    expect(page).toContain('<th scope="row">api</th><td class="num">100% (2/2, 34–100%)</td><td class="num">67% (2/3, 21–94%)</td>');
    expect(page).toContain('<b>backend/tables</b>: expected db, went to <span class="bad">api</span> in repeat 1');
  });

  it('says the same in summary.md text, every cell escaped for Markdown', () => {
    const md = routingMarkdown(routingFigures(aggregateRun(RESULTS))).join('\n');
    expect(md).toContain('| db | 1 | **1** | 0 | 0 |');
    expect(md).toContain('| api | 100% (2/2, 34–100%) | 67% (2/3, 21–94%) |');
    expect(md).toContain('- misrouted: backend/hello: expected none, went to &lt;img src=x onerror=alert(1)&gt;\\|x (repeat 1)');
    expect(md).not.toContain('<img');
  });

  it('keeps the decisions through the run fold, so history, gate and reports see them', () => {
    const fold = new ResultFold();
    for (const r of RESULTS) fold.add(r);
    expect(routingFigures(aggregateRun(fold.cells))).toEqual(routingFigures(aggregateRun(RESULTS)));
  });

  it('the gate rows link to the figures and name the moved requests', () => {
    const baseline = aggregateRun(RESULTS.map((r) => ({ ...r, routing: { ...r.routing!, chosen: r.routing!.expected } })));
    const items = gateRouting({ current: aggregateRun(RESULTS), baseline, alpha: 0.05, thresholds: { recall: 0.9 } });
    const rows = (renderRoutingGateRows(items) as { value: string }).value;
    expect(rows).toMatch(
      /^<h3>Routing<\/h3><div class="gate-row v-below-threshold"><p><span class="verdict">below-threshold<\/span> <a href="#r-backend-[0-9a-z]+">backend · api@v2 @ opencode:m<\/a><\/p><p>db recall 0\.50 \(1\/2\) below threshold 0\.90; moved: backend\/tables#1 \(db → api\)<\/p><\/div>/,
    );
    expect(rows).toContain('moved: backend/hello#1 (none → &lt;img src=x onerror=alert(1)&gt;|x)');
    expect(routingGateMarkdown(items)[0]).toBe(
      '- **routing below-threshold** backend · api@v2 @ opencode:m: db recall 0.50 (1/2) below threshold 0.90; moved: backend/tables#1 (db → api)',
    );
  });

  it('tracks the share of correct decisions run by run from history, newest first', () => {
    const earlier = aggregateRun(
      RESULTS.map((r) => ({ ...r, status: 'pass' as const, routing: { ...r.routing!, chosen: r.routing!.expected } })),
    );
    const history = [
      { runId: 'r1', time: '2026-01-01', cells: earlier },
      { runId: 'r2', time: '2026-01-02', cells: aggregateRun(RESULTS) },
    ];
    const page = (renderRoutingSection(routingFigures(aggregateRun(RESULTS)), undefined, history) as { value: string }).value;
    expect(page).toContain(
      '<tbody><tr><td>r2</td><td>2026-01-02</td><td class="num">67% (4/6)</td></tr><tr><td>r1</td><td>2026-01-01</td><td class="num">100% (6/6)</td></tr></tbody>',
    );
  });
});
