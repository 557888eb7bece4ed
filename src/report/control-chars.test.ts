/**
 * Issue 29, item 6: control characters in untrusted text (a file name an agent created, a model's
 * answer) reach no output raw: index.html, summary.md, junit.xml, the PR comment and the console show them.
 */
import { describe, expect, it } from 'vitest';
import type { CellResult } from '../schema/result.ts';
import { aggregateRun } from '../score/aggregate-results.ts';
import { gateRun } from '../score/gate.ts';
import { summarizeRun } from '../score/summarize.ts';
import { syntheticMeta, syntheticResults } from '../../test/support/report-synthetic.ts';
import { renderConsoleMatrix } from './text/console.ts';
import { renderGateConsole } from './text/gate-console.ts';
import { renderHtml } from './html/html.ts';
import { renderJunit } from './junit/junit.ts';
import { renderPrComment } from './markdown/pr-comment.ts';
import { renderSummaryMarkdown } from './markdown/summary-md.ts';

const RAW = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069]/;
const FILE = 'report\u001b[31m.md';

function hostileRun(): { results: CellResult[]; meta: ReturnType<typeof syntheticMeta> } {
  const meta = syntheticMeta({ variants: ['reviewer'], models: ['m1'], scenarios: 1, repeats: 2 });
  const results = syntheticResults({ variants: ['reviewer'], models: ['m1'], scenarios: 1, repeats: 2 }).map((r) => ({
    ...r,
    status: 'fail' as const,
    output: 'Done.\u001b[2J\u202Egnp.exe\u0007',
    assertions: [
      {
        id: 'no-file-created',
        kind: 'tool-not-called',
        pass: false,
        score: 0,
        weight: 1,
        critical: false,
        reason: `the agent changed ${FILE}`,
      },
    ],
    trajectory: {
      runtime: 'claude-code' as const,
      toolCalls: [{ index: 0, tool: 'Write', input: { file_path: FILE }, outcome: 'ran' as const, turn: 0 }],
      delegations: [],
      turns: 1,
      filesRead: [],
      workspaceDiff: `+++ b/${FILE}\n+hello\u001b[0m\n`,
      filesChanged: [FILE],
    },
  }));
  return { meta, results };
}

describe('control characters in every output', () => {
  it('are shown (␛, \\u202e), never passed on', () => {
    const { meta, results } = hostileRun();
    const summary = summarizeRun(meta.runId, results);
    const current = aggregateRun(results);
    const gate = gateRun({
      current,
      baseline: current.map((c) => ({ ...c, passes: c.runs, outcomes: 'P'.repeat(c.outcomes.length), variantHash: 'old' })),
      thresholds: { errorBudget: 0.1, alpha: 0.05 },
      plannedCells: 2,
    });
    const outputs = {
      html: renderHtml({ meta, results, summary, history: [], gate }),
      summary: renderSummaryMarkdown({ meta, results, summary, gate }),
      junit: renderJunit(meta.runId, results),
      pr: renderPrComment({ gate, runId: meta.runId }),
      console: [renderConsoleMatrix(summary), ...renderGateConsole(gate)].join('\n'),
    };
    for (const [name, text] of Object.entries(outputs)) expect({ name, raw: text.match(RAW)?.[0] }).toEqual({ name, raw: undefined });
    expect(outputs.html).toContain('report␛[31m.md');
    expect(outputs.html).toContain('Done.␛[2J\\u202egnp.exe␇');
    expect(outputs.summary).toMatch(/report␛\\?\[31m\.md/);
    expect(outputs.junit).toContain('report␛[31m.md');
  });
});
