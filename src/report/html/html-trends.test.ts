import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderTrends } from './html-trends.ts';
import { trendSeries } from '../model/trends.ts';
import { historyLine } from '../../io/history/history.ts';
import { historyTextReader } from '../../../test/support/history-text.ts';
import type { HistoryEntry } from '../../schema/aggregate.ts';
import { shapedEntry, STARTER_SHAPE } from '../../../test/support/history-shape.ts';

/** Real format-1 lines, as agent-evals wrote them before the compact format. */
const FORMAT_1 = readFileSync('test/fixtures/history/format-1.jsonl', 'utf8').trim().split('\n');

/**
 * 30 runs of the starter suite with what trends mark: a prompt edit (▲) at run 10, a changed
 * assertion (a break) at run 20, the judge's calibration on run 25.
 */
function history(): HistoryEntry[] {
  return Array.from({ length: 30 }, (_, run) => {
    const e = shapedEntry(STARTER_SHAPE, run);
    for (const c of e.cells) {
      if (run >= 10 && c.variantId.endsWith('-1')) c.variantHash = `beef${c.variantHash.slice(4)}`;
      if (run >= 20 && c.scenarioId.endsWith('-02')) c.assertionsHash = `cafe${c.assertionsHash.slice(4)}`;
    }
    return run === 25 ? { ...e, rubricCalibration: { grader: 'openai:chat:gpt-4.1', accuracy: 0.8, flagged: 1, rubrics: 4 } } : e;
  });
}

const readHistoryText = historyTextReader();
const trendsOf = async (text: string) => {
  const { entries, damaged } = await readHistoryText(text);
  expect(damaged).toEqual([]);
  return renderTrends(trendSeries(entries)).value;
};

describe('trends from an old history (issue 14)', () => {
  it('render the same from format-1 lines, from their format-2 equivalent, and from a file that changed format midway', async () => {
    const entries = history();
    const old = [...FORMAT_1, ...entries.map((e) => JSON.stringify(e))];
    const compact = [...FORMAT_1.map((l) => historyLine(JSON.parse(l) as HistoryEntry)), ...entries.map((e) => historyLine(e))];
    const before = await trendsOf(old.join('\n'));
    expect(before).toContain('Prompt changed in');
    expect(before).toContain('Break before');
    expect(before).toContain('calibration accuracy 0.80');
    expect(await trendsOf(compact.join('\n'))).toBe(before);
    expect(await trendsOf([...old.slice(0, 17), ...compact.slice(17)].join('\n'))).toBe(before);
    // The format-2 lines were drawn from their summed cells, not from decoded ones.
    expect((await readHistoryText(compact.join('\n'))).entries.every((e) => e.cellTotals !== undefined)).toBe(true);
  });

  it('draw a 1,000-run history in bounded markup: the last 400 runs on the line, the last 40 as points and rows', async () => {
    const shape = { variants: 1, models: 1, scenarios: 2, repeats: 3 };
    const runs = Array.from({ length: 1000 }, (_, run) => historyLine({ ...shapedEntry(shape, run), runId: `run-${run}` }));
    const html = await trendsOf(runs.join('\n'));
    expect(html).toContain('1000 runs (last 400 drawn)');
    expect(html.match(/<polyline class="l-rate" points="([^"]*)"/)![1]!.split(' ')).toHaveLength(400);
    expect(html.match(/<circle class="pt"/g)).toHaveLength(40);
    expect(html).toContain('<summary>runs (40)</summary>');
    expect(html).toContain('run-999 @ ');
    expect(html.length).toBeLessThan(30_000);
  });
});
