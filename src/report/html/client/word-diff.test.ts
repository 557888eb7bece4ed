import { describe, expect, it } from 'vitest';
import { diffWords } from './word-diff.ts';

const show = (before: string, after: string) =>
  diffWords(before, after)
    .map((p) => (p.kind === 'same' ? p.text : `${p.kind === 'ins' ? '+' : '-'}[${p.text}]`))
    .join('');

describe('diffWords', () => {
  it('keeps the common words and whitespace, and marks the rest, insertions first', () => {
    expect(diffWords('a b', 'a c')).toEqual([
      { kind: 'same', text: 'a' },
      { kind: 'same', text: ' ' },
      { kind: 'ins', text: 'c' },
      { kind: 'del', text: 'b' },
    ]);
    expect(show('the fix drops the lock', 'the fix looks fine, keeps the lock')).toBe(
      'the fix +[looks]+[ ]+[fine,]+[ ]+[keeps]-[drops] the lock',
    );
  });

  it('gives back both texts whole: the kept and deleted pieces are the first, the kept and inserted the second', () => {
    const before = 'one  two\nthree four <b>five</b>';
    const after = 'zero one two three\t<b>five</b> six';
    const parts = diffWords(before, after);
    const without = (kind: string) => parts.flatMap((p) => (p.kind === kind ? [] : [p.text])).join('');
    expect(without('ins')).toBe(before);
    expect(without('del')).toBe(after);
  });

  it('handles empty answers', () => {
    expect(diffWords('', '')).toEqual([{ kind: 'same', text: '' }]);
    // An empty answer is one empty word: its deletion is an empty (invisible) <del>, as before the client was TypeScript.
    expect(show('', 'a b')).toBe('+[a]+[ ]+[b]-[]');
  });
});
