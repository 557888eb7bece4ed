/**
 * A zod issue said plainly, and the field path it is at: the words every reader of a file uses in its
 * one-line errors (load/ for input files, io/ for runs, history and the baseline).
 *
 * @example
 * formatPath(['assert', 2, 'value']) // 'assert[2].value'
 * describeIssueText({ code: 'unrecognized_keys', keys: ['bogus'], path: [], message: '' } as never) // 'unknown field "bogus"'
 */
import type { z } from 'zod';
import { quoteValue } from '../errors.ts';

/** `assert[2].value` style path for messages. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out ? `.${String(key)}` : String(key);
  }
  return out;
}

/** One zod issue's message, with the expectation said plainly (an unknown field, a missing one, a wrong type). */
export function describeIssueText(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'unrecognized_keys':
      return `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
    case 'invalid_type':
      if ('input' in issue && issue.input === undefined) return `missing required field; expected ${issue.expected}`;
      return `expected ${issue.expected}${'input' in issue && issue.input !== undefined ? `, got ${quoteValue(issue.input)}` : ''}`;
    default:
      return issue.message;
  }
}
