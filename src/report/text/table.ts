import { showControls } from './escape.ts';

/**
 * Plain-text table for the console: columns padded to the widest cell, control characters shown
 * (`showControls`). A cell longer than `maxWidth` is cut in the middle (`backend-dev…/security-strict`),
 * keeping its start and its distinguishing end; where two different cells of a column would still read
 * the same, that column is shown uncut, so no two cut ids ever look alike.
 *
 * @example
 * formatTable(['a', 'b'], [['1', 'two']]) // 'a  b\n-  ---\n1  two'
 */
export function formatTable(headers: string[], rows: string[][], maxWidth = 60): string {
  const raw = [headers, ...rows].map((r) => r.map((c) => showControls(c.replace(/\s+/g, ' '))));
  const columns = headers.map((_, i) =>
    distinctCuts(
      raw.map((r) => r[i] ?? ''),
      maxWidth,
    ),
  );
  const cells = raw.map((r, j) => r.map((_, i) => columns[i]![j]!));
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) =>
    r
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return [line(cells[0]!), line(widths.map((w) => '-'.repeat(w))), ...cells.slice(1).map(line)].join('\n');
}

/** `text` cut to `max` characters in the middle: its head, `…`, and its tail (the tail a little longer). */
export function cutMiddle(text: string, max: number): string {
  if (text.length <= max) return text;
  const tail = Math.ceil((max - 1) / 2);
  return `${text.slice(0, max - 1 - tail)}…${text.slice(text.length - tail)}`;
}

/** A column's cells cut in the middle, or uncut when cutting would make two different cells read the same. */
function distinctCuts(column: string[], max: number): string[] {
  const cut = column.map((c) => cutMiddle(c, max));
  const source = new Map<string, string>();
  for (const [i, c] of cut.entries()) {
    const seen = source.get(c);
    if (seen !== undefined && seen !== column[i]) return column;
    source.set(c, column[i]!);
  }
  return cut;
}
