/**
 * JSON with object keys sorted at every level: same data → same bytes, whatever the key order it was
 * built in. Recording keys and scenario fingerprints are hashes of it, so its output must never change.
 *
 * Hand-written rather than safe-stable-stringify: that library orders integer-like keys as strings
 * ("10" before "9") where this serializer, as every hash already on disk was made, lets JavaScript put
 * them first in numeric order; switching would silently orphan existing recordings.
 *
 * @example
 * stableJson({ b: 1, a: { d: 2, c: 3 } }) // '{"a":{"c":3,"d":2},"b":1}'
 */
export function stableJson(value: unknown, indent?: number): string {
  return JSON.stringify(sortKeys(value), null, indent) ?? 'undefined';
}

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
