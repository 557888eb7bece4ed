import { describe, expect, it } from 'vitest';
import type { CellStatus } from '../schema/result.ts';
import { compareWithControl } from './control.ts';
import { summarizeRun } from './summarize.ts';
import { cell } from '../../test/support/cells.ts';

/** Cells of one variant from a string of P/F letters, repeat i of scenario s<k> for letter k·repeats + i. */
function cells(variantId: string, letters: string, repeats: number) {
  return [...letters].map((ch, i) =>
    cell({
      variantId,
      agent: 'rev',
      scenarioId: `s${Math.floor(i / repeats) + 1}`,
      repeat: i % repeats,
      status: (ch === 'P' ? 'pass' : ch === 'F' ? 'fail' : 'error') as CellStatus,
    }),
  );
}

describe('compareWithControl', () => {
  // 2 scenarios × 5 repeats. The control passes 3 of 10; rev/a passes 9, every control pass among them:
  // 6 pairs only rev/a passed, none only the control → exact McNemar p = 2 · ½⁶ = 1/32.
  // rev/b: 3 pairs only rev/b, 1 only the control → p = 2 · (1 + 4) / 2⁴ = 0.625.
  const control = cells('rev@control', 'PPPFF' + 'FFFFF', 5);
  const a = cells('rev/a', 'PPPPP' + 'PPPPF', 5);
  const b = cells('rev/b', 'PPFPP' + 'PFFFF', 5);

  it('pairs each variant with the bare model by (scenario, repeat): exact figures', () => {
    const [ca, cb] = compareWithControl([...control, ...a, ...b], 0.05);
    expect(ca).toMatchObject({ variantId: 'rev/a', controlId: 'rev@control', model: 'm1', pairs: 10, variantOnly: 6, controlOnly: 0 });
    expect(ca!.variant.rate).toBe(0.9);
    expect(ca!.control.rate).toBe(0.3);
    expect(ca!.diff).toBeCloseTo(0.6, 15);
    expect(ca!.pValue).toBeCloseTo(1 / 32, 15);
    // Discrete Holm: rev/b's 4 discordant pairs cannot give p ≤ 1/32 (its smallest is 1/8), so it adds nothing.
    expect(ca!.adjustedP).toBeCloseTo(1 / 32, 15);
    expect(ca!.verdict).toBe('gain');
    expect(ca!.diffInterval!.low).toBeGreaterThan(0);
    expect(cb).toMatchObject({ variantId: 'rev/b', pairs: 10, variantOnly: 3, controlOnly: 1, verdict: 'no-measurable-gain' });
    expect(cb!.pValue).toBeCloseTo(0.625, 12);
    expect(cb!.adjustedP).toBeCloseTo(0.625, 12);
    expect(cb!.diff).toBeCloseTo(0.2, 15);
  });

  it("gives Newcombe's published paired interval (1998, example: 14/5/0/22 pairs) and no gain for a drop that is not significant", () => {
    // Newcombe's table: both 14, first only 5, second only 0, neither 22; first = the control.
    const letters = (both: number, ctrlOnly: number, varOnly: number, neither: number) => ({
      ctrl: 'P'.repeat(both + ctrlOnly) + 'F'.repeat(varOnly + neither),
      variant: 'P'.repeat(both) + 'F'.repeat(ctrlOnly) + 'P'.repeat(varOnly) + 'F'.repeat(neither),
    });
    const t = letters(14, 5, 0, 22);
    const [c] = compareWithControl([...cells('rev@control', t.ctrl, 41), ...cells('rev/a', t.variant, 41)], 0.05);
    expect(c!.pairs).toBe(41);
    expect(c!.diff).toBeCloseTo(-5 / 41, 15);
    expect(c!.diffInterval!.low).toBeCloseTo(-0.2265, 4);
    expect(c!.diffInterval!.high).toBeCloseTo(-0.0115, 4);
    expect(c!.pValue).toBeCloseTo(2 / 32, 15);
    expect(c!.verdict).toBe('no-measurable-gain');
  });

  it('pairs only cells both scored; an error cell drops its pair; no control, no comparison', () => {
    const [c] = compareWithControl([...cells('rev@control', 'PEF', 3), ...cells('rev/a', 'PPE', 3)], 0.05);
    expect(c).toMatchObject({ pairs: 1, variantOnly: 0, controlOnly: 0, verdict: 'no-measurable-gain' });
    expect(compareWithControl(cells('rev/a', 'PP', 2), 0.05)).toEqual([]);
  });

  it('summarizeRun keeps the control out of the pairwise comparisons between variants', () => {
    const summary = summarizeRun('r', [...control, ...a, ...b]);
    expect(summary.pairwise.map((p) => [p.a, p.b])).toEqual([['rev/a', 'rev/b']]);
    expect(summary.control?.map((c) => c.variantId)).toEqual(['rev/a', 'rev/b']);
    expect(summarizeRun('r', [...a, ...b]).control).toBeUndefined();
  });
});
