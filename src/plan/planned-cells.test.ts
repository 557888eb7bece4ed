import { describe, expect, it } from 'vitest';
import { PlannedCells } from './planned-cells.ts';

describe('PlannedCells', () => {
  it('is read while the eval is prepared, then handed over once: the plan holds the cells no longer', () => {
    const cells = new PlannedCells(['a', 'b', 'c']);
    expect(cells.map((c) => c.toUpperCase())).toEqual(['A', 'B', 'C']);
    expect(cells.filter((c) => c !== 'b')).toEqual(['a', 'c']);
    expect([...cells]).toEqual(['a', 'b', 'c']);
    const taken = cells.take();
    expect(taken).toEqual(['a', 'b', 'c']);
    expect(cells.length).toBe(3);
    expect(() => [...cells]).toThrow(/handed its cells over already/);
    expect(() => cells.take()).toThrow(/handed its cells over already/);
  });
});
