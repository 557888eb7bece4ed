import { describe, expect, it } from 'vitest';
import { describeMode } from './run-mode.ts';

const none = { live: 0, cache: 0, replay: 0, baseline: 0 };

describe('describeMode', () => {
  it('says how many answers came from promptfoo\'s cache, and never "live" alone for them', () => {
    expect(describeMode('live', { ...none, live: 90, cache: 180 })).toBe("live (180 of 270 answers from promptfoo's cache)");
    expect(describeMode('record', { ...none, live: 80, cache: 190 })).toBe("record (190 of 270 answers from promptfoo's cache)");
    expect(describeMode('live', { ...none, cache: 270 })).toBe("cache: all 270 answers from promptfoo's cache, none live (mode live)");
  });

  it('the mode alone when nothing came from the cache', () => {
    expect(describeMode('live', { ...none, live: 12 })).toBe('live');
    expect(describeMode('replay', { ...none, replay: 12 })).toBe('replay');
    expect(describeMode('live', undefined)).toBe('live');
  });
});
