import { describe, expect, it } from 'vitest';
import { stableJson } from './stable-json.ts';

/** The hand-written serializer it replaced: recording and scenario hashes were made with it. */
function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, sortKeys((value as Record<string, unknown>)[k])]),
    );
  }
  return value;
}

describe('stableJson', () => {
  const samples: unknown[] = [
    { provider: 'openai:chat:m', prompt: '[{"role":"system","content":"x"}]', params: { temperature: 0.2, max_tokens: 10 }, repeat: 1 },
    { z: [{ b: 1, a: 2 }, null, 'é', 1.5e-7], a: { nested: { y: true, x: false } }, undef: undefined },
    [{ B: 1, a: 1, _: 1, '10': 1, '9': 1 }],
    'plain',
  ];
  /** The scenario fingerprint's old serializer. */
  const replacerSorted = (value: unknown) =>
    JSON.stringify(value, (_key, v: unknown) =>
      v && typeof v === 'object' && !Array.isArray(v)
        ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
        : v,
    );
  it('writes exactly what the old sorted-keys serializers wrote (hashes stay valid)', () => {
    for (const s of [...samples, { fn: () => 1, re: /x/, list: [undefined, () => 2] }]) {
      expect(stableJson(s)).toBe(replacerSorted(s));
      expect(stableJson(s)).toBe(JSON.stringify(sortKeys(s)));
      expect(stableJson(s, 2)).toBe(JSON.stringify(sortKeys(s), null, 2));
    }
  });
});
