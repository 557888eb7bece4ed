import { describe, expect, it } from 'vitest';
import { Thresholds } from '../../schema/eval-config.ts';
import { gateRun } from '../../score/gate.ts';
import { aggs } from '../../../test/support/cells.ts';
import { renderGateConsole } from './gate-console.ts';

const planned = 14;

describe('renderGateConsole', () => {
  it('the blessed run gated against itself: threshold misses are labelled as such, never "regressed … prompt unchanged"', () => {
    const run = aggs('rev/a', ['PFFFFFF', 'FFFFFFF']);
    const gate = gateRun({ current: run, baseline: run, thresholds: Thresholds.parse({ passRate: 0.5 }), plannedCells: planned });
    const lines = renderGateConsole(gate, 'reports/baseline.json (run r1)');
    expect(lines[0]).toBe('gate: below threshold (exit 1): 1 variant × model below threshold: rev/a @ m1 passRate 7% < 50%');
    expect(lines).toContain(
      '  below-threshold rev/a @ m1: 7% [1–31%] vs baseline 7% [1–31%], ±0 pts [−22 to +22 pts], mcnemar-exact discrete Holm p=1.000 over 2 scenarios',
    );
    expect(lines).toContain('                    below threshold: passRate 7% < 50% (1/14)');
    expect(lines.join('\n')).not.toMatch(/regress/);
  });

  it('a regression and a miss together: the headline says both', () => {
    const base = aggs(
      'rev/a',
      Array.from({ length: 5 }, () => 'PPPP'),
    );
    const cur = aggs(
      'rev/a',
      Array.from({ length: 5 }, () => 'FFFP'),
      { variantHash: 'vh-edited' },
    );
    const gate = gateRun({ current: cur, baseline: base, thresholds: Thresholds.parse({ passRate: 0.5 }), plannedCells: 20 });
    expect(renderGateConsole(gate)[0]).toMatch(
      /^gate: regression and threshold miss \(exit 1\): 1 variant × model regressed; 1 variant × model below threshold/,
    );
  });
});
