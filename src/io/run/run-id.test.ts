import { describe, expect, it } from 'vitest';
import { isUserError } from '../../errors.ts';
import { assertRunIdName, isRunIdName } from './run-id.ts';
import { newRunId } from './run-store.ts';

describe('run ids are names, never paths', () => {
  it('accepts generated ids and plain names', () => {
    for (const id of [newRunId(), 'merged', 'nightly_2026.11.21', 'A1']) expect(isRunIdName(id), id).toBe(true);
  });

  it('refuses paths, dot names, empty and over-long ids', () => {
    for (const id of ['../../../tmp/escape', 'a/b', 'a\\b', '..', '.', '.hidden', '', '/abs', 'x'.repeat(101), 'a\nb', 'a b']) {
      expect(isRunIdName(id), JSON.stringify(id)).toBe(false);
    }
  });

  it('assertRunIdName throws a usage error (exit 2) naming the option and the value', () => {
    expect(() => assertRunIdName('merged', 'merge --out')).not.toThrow();
    try {
      assertRunIdName('../x', 'merge --out');
      expect.unreachable();
    } catch (err) {
      expect(isUserError(err) && err.exitCode).toBe(2);
      expect((err as Error).message).toBe(
        `merge --out: "../x" is not a run id; expected a name of letters, digits, '.', '_' and '-' (no '/', no leading '.')`,
      );
    }
  });
});
