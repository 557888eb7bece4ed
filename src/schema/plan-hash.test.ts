import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { planHashOf } from './plan-hash.ts';

describe('planHashOf', () => {
  it('is sha-256 over the sorted cell ids, one per line, whatever their order', () => {
    const expected = createHash('sha256').update('a1\nb2\nc3').digest('hex');
    expect(planHashOf(['c3', 'a1', 'b2'])).toBe(expected);
    expect(planHashOf(['a1', 'b2', 'c3'])).toBe(expected);
  });
  it('tells two plans apart when one cell differs', () => {
    expect(planHashOf(['a1', 'b2'])).not.toBe(planHashOf(['a1', 'b3']));
  });
});
