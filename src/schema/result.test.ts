import { describe, expect, it } from 'vitest';
import { addsHistoryLine, isMeasured } from './result.ts';

describe('what a run measured', () => {
  it('a carried cell is not measured; live, replayed and cached cells are', () => {
    expect(isMeasured({ source: 'baseline' })).toBe(false);
    for (const source of ['live', 'replay', 'cache', undefined] as const) expect(isMeasured({ source })).toBe(true);
  });
  it('adds a history line only when a measured cell was scored or errored', () => {
    expect(addsHistoryLine([])).toBe(false);
    expect(addsHistoryLine([{ source: 'live', status: 'not-run' }])).toBe(false);
    expect(addsHistoryLine([{ source: 'baseline', status: 'pass' }])).toBe(false);
    expect(addsHistoryLine([{ source: 'live', status: 'error' }])).toBe(true);
    expect(
      addsHistoryLine([
        { source: 'baseline', status: 'pass' },
        { source: 'replay', status: 'fail' },
      ]),
    ).toBe(true);
  });
});
