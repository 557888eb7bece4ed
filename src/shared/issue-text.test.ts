import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { describeIssueText, formatPath, issueAt } from './issue-text.ts';

/** The issues zod really reports for `input` (with the input kept, as every reader parses). */
function issuesOf(schema: z.ZodType, input: unknown): z.core.$ZodIssue[] {
  const parsed = schema.safeParse(input, { reportInput: true });
  if (parsed.success) throw new Error('expected the input to fail');
  return parsed.error.issues;
}
const textOf = (schema: z.ZodType, input: unknown) => issuesOf(schema, input).map((i) => issueAt(i, schema));

const Assertion = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('contains'), value: z.string() }),
  z.strictObject({ type: z.literal('regex'), value: z.string() }),
]);
const Scenario = z.strictObject({
  id: z.string().regex(/^[a-z0-9-]+$/),
  weight: z.number().min(0).max(10).optional(),
  repeats: z.union([z.number().int().min(1), z.literal('auto')]).optional(),
  tags: z.array(z.string()).min(1).optional(),
  mode: z.enum(['strict', 'loose']).optional(),
  assert: z.array(Assertion).optional(),
  vars: z.record(z.string(), z.string()).optional(),
  options: z.strictObject({ temperature: z.number(), seed: z.number() }).optional(),
  worded: z.number().max(5, { message: 'expected at most 5 retries' }).optional(),
  pair: z
    .object({ min: z.number(), max: z.number() })
    .refine((p) => p.min <= p.max, { message: 'expected "min" ≤ "max"' })
    .optional(),
});

describe('formatPath', () => {
  it('writes indexes in brackets and keys with dots', () => {
    expect(formatPath(['assert', 2, 'value'])).toBe('assert[2].value');
    expect(formatPath([])).toBe('');
  });
});

describe('describeIssueText and issueAt, over the shapes zod reports', () => {
  it('invalid_type: the type expected and the value found, or a missing field', () => {
    expect(textOf(Scenario, { id: 'a', weight: 'heavy' })).toEqual(['weight: expected number, got "heavy"']);
    expect(textOf(Scenario, {})).toEqual(['id: missing required field; expected string']);
    expect(textOf(z.object({ version: z.literal(1) }), {})).toEqual(['version: missing required field; expected 1']);
    expect(textOf(Scenario, { id: 'a', assert: [{ value: 'x' }] })).toEqual([
      'assert[0].type: missing required field; expected one of "contains", "regex"',
    ]);
    expect(textOf(Scenario, 'root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1:daemon')).toEqual([
      'expected object, got "root:x:0:0:root:/root:/bin/bash\\ndaemon:x…"',
    ]);
  });

  it('unrecognized_keys: the unknown field, with the closest known one when the schema is given', () => {
    expect(textOf(Scenario, { id: 'a', tgas: ['x'] })).toEqual(['unknown field "tgas"; did you mean "tags"?']);
    expect(textOf(Scenario, { id: 'a', options: { temperature: 0, seed: 1, top: 2 } })).toEqual([
      'options: unknown field "top"; expected one of temperature, seed',
    ]);
    // Inside a list of a discriminated union: the fields of its kinds.
    expect(textOf(Scenario, { id: 'a', assert: [{ type: 'regex', value: 'x', valeu: 'y' }] })).toEqual([
      'assert[0]: unknown field "valeu"; did you mean "value"?',
    ]);
    const [issue] = issuesOf(Scenario, { id: 'a', b: 1, c: 2 });
    expect(describeIssueText(issue!)).toBe('unknown fields "b", "c"');
  });

  it('invalid_union: the kinds a discriminated union knows, or what each alternative expects', () => {
    expect(textOf(Scenario, { id: 'a', assert: [{ type: 'containz', value: 'x' }] })).toEqual([
      'assert[0].type: expected one of "contains", "regex", got "containz"',
    ]);
    expect(textOf(Scenario, { id: 'a', repeats: 'three' })).toEqual(['repeats: expected number or "auto", got "three"']);
    expect(textOf(Scenario, { id: 'a', repeats: 0 })).toEqual(['repeats: expected a number ≥ 1, got 0']);
    const Shape = z.union([z.strictObject({ a: z.number() }), z.strictObject({ b: z.string() })]);
    expect(textOf(Shape, { a: 'x' })).toEqual(['matches none of its 2 accepted forms; the closest: a: expected number, got "x"']);
  });

  it('too_small and too_big: the bound, in items, characters or a number', () => {
    expect(textOf(Scenario, { id: 'a', weight: 11 })).toEqual(['weight: expected a number ≤ 10, got 11']);
    expect(textOf(Scenario, { id: 'a', weight: -1 })).toEqual(['weight: expected a number ≥ 0, got -1']);
    expect(textOf(Scenario, { id: 'a', tags: [] })).toEqual(['tags: expected at least 1 item, got []']);
    expect(textOf(z.string().max(3), 'abcd')).toEqual(['expected at most 3 characters, got "abcd"']);
    expect(textOf(z.string().length(1), '')).toEqual(['expected exactly 1 character, got ""']);
    expect(textOf(z.number().gt(0), 0)).toEqual(['expected a number > 0, got 0']);
  });

  it('invalid_value, invalid_format, records and not_multiple_of', () => {
    expect(textOf(Scenario, { id: 'a', mode: 'lax' })).toEqual(['mode: expected one of "strict", "loose", got "lax"']);
    expect(textOf(z.literal(1), 2)).toEqual(['expected 1, got 2']);
    expect(textOf(Scenario, { id: 'A b' })).toEqual(['id: expected text matching /^[a-z0-9-]+$/, got "A b"']);
    expect(textOf(Scenario, { id: 'a', vars: { city: 3 } })).toEqual(['vars.city: expected string, got 3']);
    expect(textOf(z.number().multipleOf(5), 7)).toEqual(['expected a multiple of 5, got 7']);
  });

  it('custom issues and messages the schema words itself are kept as they are', () => {
    expect(textOf(Scenario, { id: 'a', worded: 9 })).toEqual(['worded: expected at most 5 retries']);
    expect(textOf(Scenario, { id: 'a', pair: { min: 2, max: 1 } })).toEqual(['pair: expected "min" ≤ "max"']);
  });

  it('issueAt puts the path of the parsed value inside its file in front', () => {
    const [issue] = issuesOf(z.object({ errorBudget: z.number().max(1) }), { errorBudget: 2 });
    expect(issueAt(issue!, undefined, ['config', 'thresholds'])).toBe('config.thresholds.errorBudget: expected a number ≤ 1, got 2');
  });
});
