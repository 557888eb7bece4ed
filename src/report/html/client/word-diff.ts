/** One piece of a word diff: in both answers, only in the second (`ins`) or only in the first (`del`). */
interface DiffPart {
  kind: 'same' | 'ins' | 'del';
  text: string;
}

/**
 * Word diff of `before` → `after`: both are cut into words and the whitespace runs between them, a longest
 * common subsequence of those pieces is kept, and every other piece is an insertion or a deletion (an
 * insertion first where both are equally good). Pure, so it runs in a unit test as well as in the page.
 * @example
 * diffWords('a b', 'a c'); // same 'a', same ' ', ins 'c', del 'b'
 */
export function diffWords(before: string, after: string): DiffPart[] {
  const a = before.split(/(\s+)/);
  const b = after.split(/(\s+)/);
  const n = a.length;
  const m = b.length;
  const width = m + 1;
  // Length of the longest common subsequence of a[i..] and b[j..], row by row; row n and column m stay 0.
  const common = new Int32Array((n + 1) * width);
  const at = (i: number, j: number) => common[i * width + j]!;
  for (let i = n - 1; i >= 0; i--)
    for (let j = m - 1; j >= 0; j--) common[i * width + j] = a[i] === b[j] ? at(i + 1, j + 1) + 1 : Math.max(at(i + 1, j), at(i, j + 1));

  const parts: DiffPart[] = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] === b[j]) {
      parts.push({ kind: 'same', text: a[i]! });
      i++;
      j++;
    } else if (j < m && (i === n || at(i, j + 1) >= at(i + 1, j))) {
      parts.push({ kind: 'ins', text: b[j]! });
      j++;
    } else {
      parts.push({ kind: 'del', text: a[i]! });
      i++;
    }
  }
  return parts;
}
