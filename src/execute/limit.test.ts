import { describe, expect, it } from 'vitest';
import { forEachLimit } from './limit.ts';

const tick = () => new Promise((resolve) => setTimeout(resolve, 1));

describe('forEachLimit', () => {
  it('visits every item once, never more than `limit` at a time, starting them in order', async () => {
    const started: number[] = [];
    let running = 0;
    let most = 0;
    await forEachLimit([1, 2, 3, 4, 5, 6, 7], 3, async (n) => {
      started.push(n);
      most = Math.max(most, ++running);
      await tick();
      running--;
    });
    expect(started).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(most).toBe(3);
  });

  it('starts nothing new after the signal aborts, and copes with no items', async () => {
    const abort = new AbortController();
    const seen: number[] = [];
    await forEachLimit(
      [1, 2, 3, 4, 5],
      1,
      async (n) => {
        seen.push(n);
        if (n === 2) abort.abort();
      },
      abort.signal,
    );
    expect(seen).toEqual([1, 2]);
    await forEachLimit([], 4, async () => expect.unreachable());
  });
});
