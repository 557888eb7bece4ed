/**
 * The one formatter of zod issues: every reader of a file (load/ for input files, io/ for runs, history
 * and the baseline, execute/ for recordings) turns a failed parse into its one-line error with these
 * words. The caller adds the file and the line or row; this says the field and what was expected.
 * (zod's own `z.prettifyError` prints several lines per error and zod's wording, "Invalid input".)
 *
 * @example
 * formatPath(['assert', 2, 'value']) // 'assert[2].value'
 * describeIssueText({ code: 'unrecognized_keys', keys: ['asert'], path: [], message: '' } as never, Scenario)
 * // 'unknown field "asert"; did you mean "assert"?'
 * issueAt(issue) // 'weight: expected number, got "heavy"'
 */
import type { z } from 'zod';
import { quoteValue } from '../errors.ts';
import { closest } from './closest.ts';

/** `assert[2].value` style path for messages. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out ? `.${String(key)}` : String(key);
  }
  return out;
}

/**
 * One zod issue's message, with the expectation said plainly (an unknown field, a missing one, a wrong
 * type, a value out of range) and the value found quoted short. A message the schema words itself is kept.
 * `schema`, when given, is the one parsed: an unknown field is then compared with the fields it knows.
 */
export function describeIssueText(issue: z.core.$ZodIssue, schema?: z.ZodType): string {
  if (issue.code === 'unrecognized_keys') return unknownFields(issue.keys, schema ? fieldsAt(schema, issue.path) : []);
  if (isWordedBySchema(issue)) return issue.message;
  if (issue.code === 'invalid_key' || issue.code === 'invalid_element') {
    const inner = issue.issues[0];
    const what = issue.code === 'invalid_key' ? 'key' : `entry ${quoteValue(issue.key)}`;
    return inner ? `${what}: ${describeIssueText(inner)}` : issue.message;
  }
  if (issue.code === 'invalid_union' && !isDiscriminated(issue)) {
    const nearest = alternatives(issue);
    if (typeof nearest !== 'string') return nearest.text;
  }
  const expected = expectation(issue);
  if (expected === undefined) return issue.message;
  // Parsed with `reportInput`, an absent field has `input: undefined`; without it there is no `input` at all.
  const found = 'input' in issue ? { value: issue.input } : undefined;
  // A discriminated union reports the whole object, at the path of its discriminator.
  if (found && issue.code === 'invalid_union' && isDiscriminated(issue))
    found.value =
      found.value && typeof found.value === 'object' ? (found.value as Record<string, unknown>)[issue.discriminator] : undefined;
  if (found && found.value === undefined) return `missing required field; expected ${expected}`;
  return `expected ${expected}${found ? `, got ${quoteValue(found.value)}` : ''}`;
}

/**
 * The issue as `field: what was expected` (or only what was expected, for the whole value), for a caller
 * that writes the place itself; `prefix` is the path of the parsed value inside its file.
 *
 * @example
 * issueAt(issue, CellResult) // 'durationMs: expected number, got "fast"'
 * issueAt(issue, Thresholds, ['config', 'thresholds']) // 'config.thresholds.errorBudget: expected a number ≤ 1, got 2'
 */
export function issueAt(issue: z.core.$ZodIssue, schema?: z.ZodType, prefix: readonly PropertyKey[] = []): string {
  const field = formatPath([...prefix, ...issue.path]);
  return `${field ? `${field}: ` : ''}${describeIssueText(issue, schema)}`;
}

/**
 * True when the schema gave this issue its own message: zod's default wording (en locale) always starts
 * with one of these words, and only that wording is replaced.
 */
function isWordedBySchema(issue: z.core.$ZodIssue): boolean {
  return !/^(Invalid|Too (small|big)|Unrecognized key)/.test(issue.message);
}

function unknownFields(keys: readonly string[], known: readonly string[]): string {
  const text = `unknown field${keys.length > 1 ? 's' : ''} ${keys.map((k) => `"${k}"`).join(', ')}`;
  if (keys.length !== 1 || known.length === 0) return text;
  const near = closest(keys[0]!, known);
  if (near) return `${text}; did you mean "${near}"?`;
  return known.length <= 12 ? `${text}; expected one of ${known.join(', ')}` : text;
}

/** `at least 1 item`, `a number ≤ 100`: the bound of a too_small or too_big issue. */
function bound(issue: z.core.$ZodIssueTooSmall | z.core.$ZodIssueTooBig): string {
  const small = issue.code === 'too_small';
  const limit = Number(small ? issue.minimum : issue.maximum);
  const unit = { array: 'item', set: 'item', string: 'character', file: 'byte' }[issue.origin as string];
  if (unit) {
    const words = small ? ['at least', 'more than'] : ['at most', 'fewer than'];
    const word = issue.exact ? 'exactly' : words[issue.inclusive ? 0 : 1];
    return `${word} ${limit} ${unit}${limit === 1 ? '' : 's'}`;
  }
  const sign = small ? (issue.inclusive ? '≥' : '>') : issue.inclusive ? '≤' : '<';
  return `${issue.origin === 'number' || issue.origin === 'int' ? 'a number' : `a ${issue.origin}`} ${sign} ${limit}`;
}

/** What the issue expected, said plainly, or undefined for an issue with no expectation of its own (custom). */
function expectation(issue: z.core.$ZodIssue): string | undefined {
  switch (issue.code) {
    case 'invalid_type':
      return issue.expected;
    case 'invalid_value':
      return `${issue.values.length > 1 ? 'one of ' : ''}${issue.values.map((v) => quoteValue(v)).join(', ')}`;
    case 'too_small':
    case 'too_big':
      return bound(issue);
    case 'invalid_format':
      return issue.format === 'regex' && issue.pattern ? `text matching ${issue.pattern}` : `a valid ${issue.format}`;
    case 'not_multiple_of':
      return `a multiple of ${String(issue.divisor)}`;
    case 'invalid_union': {
      if (isDiscriminated(issue)) return `one of ${issue.options.map((o) => quoteValue(o)).join(', ')}`;
      const listed = alternatives(issue);
      return typeof listed === 'string' ? listed : undefined;
    }
    default:
      return undefined;
  }
}

type Discriminated = z.core.$ZodIssueInvalidUnion & { discriminator: string; options: unknown[] };
function isDiscriminated(issue: z.core.$ZodIssueInvalidUnion): issue is Discriminated {
  const extra = issue as Partial<Discriminated>;
  return typeof extra.discriminator === 'string' && Array.isArray(extra.options) && extra.options.length > 0;
}

/**
 * A plain union: what each alternative expects (`number or "auto"`), or, for a value of one of the
 * shapes that is wrong inside, the alternative it came closest to (fewest issues), saying where.
 */
function alternatives(issue: z.core.$ZodIssueInvalidUnion): string | { text: string } {
  const each = issue.errors.map((branch) => {
    const top = branch.find((i) => i.path.length === 0);
    return top && top.code !== 'invalid_union' ? expectation(top) : undefined;
  });
  if (each.length > 0 && each.every((e) => e !== undefined)) return [...new Set(each)].join(' or ');
  const nearest = [...issue.errors].sort((a, b) => a.length - b.length)[0]?.[0];
  return { text: nearest ? `matches none of its ${issue.errors.length} accepted forms; the closest: ${issueAt(nearest)}` : issue.message };
}

/** The field names an object schema at `path` knows (through optional, default, arrays, unions, pipes). */
function fieldsAt(schema: z.core.$ZodType, path: readonly PropertyKey[]): string[] {
  const def = schema._zod.def as unknown as Record<string, unknown> & { type: string };
  const inner = (next: unknown, rest = path) => fieldsAt(next as z.core.$ZodType, rest);
  switch (def.type) {
    case 'object': {
      const shape = def.shape as Record<string, z.core.$ZodType>;
      if (path.length === 0) return Object.keys(shape);
      const next = shape[String(path[0])];
      return next ? inner(next, path.slice(1)) : [];
    }
    case 'optional':
    case 'nullable':
    case 'default':
    case 'prefault':
    case 'readonly':
    case 'catch':
    case 'nonoptional':
      return inner(def.innerType);
    case 'pipe':
      return inner(def.in);
    case 'lazy':
      return inner((def.getter as () => unknown)());
    case 'array':
      return path.length && typeof path[0] === 'number' ? inner(def.element, path.slice(1)) : [];
    case 'record':
      return path.length ? inner(def.valueType, path.slice(1)) : [];
    case 'union':
      return [...new Set((def.options as z.core.$ZodType[]).flatMap((o) => inner(o)))];
    case 'intersection':
      return [...new Set([...inner(def.left), ...inner(def.right)])];
    default:
      return [];
  }
}
