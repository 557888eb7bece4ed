import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import path from 'node:path';
import { DataFileError, UsageError } from '../../errors.ts';
import { describeIssueText, formatPath } from '../../shared/issue-text.ts';
import { CellResult } from '../../schema/result.ts';

/** Shortest cell id prefix `--cell` takes (ids are 20 hex digits; 6 tell thousands of cells apart). */
const MIN_PREFIX = 6;

/**
 * One cell of a run, answer and trajectory included, found by its `cellId` or a unique prefix of it
 * (at least 6 characters). `results.jsonl` is read line by line and only the matching line is kept, so
 * a run of any size costs one cell's memory. `shown` names the file in messages.
 *
 * @example
 * await readRunCell('reports/runs/20261121-223000-a1b2', 'reports/runs/20261121-223000-a1b2/results.jsonl', '3f9a1c')
 * // { cellId: '3f9a1c…', status: 'pass', output: '…', trajectory: { … }, … }
 */
export async function readRunCell(dir: string, shown: string, ref: string): Promise<CellResult> {
  const matches = new Map<string, { json: unknown; line: number }>();
  let cells = 0;
  let lineNo = 0;
  const lines = createInterface({ input: createReadStream(path.join(dir, 'results.jsonl'), { encoding: 'utf8' }), crlfDelay: Infinity });
  try {
    for await (const line of lines) {
      lineNo++;
      let json: { cellId?: unknown };
      try {
        json = JSON.parse(line) as { cellId?: unknown };
      } catch {
        continue; // a damaged or torn line: readers skip it (docs/bad-input.md)
      }
      if (typeof json?.cellId !== 'string') continue;
      cells++;
      const id = json.cellId;
      if (id === ref || (ref.length >= MIN_PREFIX && id.startsWith(ref))) matches.set(id, { json, line: lineNo });
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const exact = matches.get(ref);
  if (!exact && matches.size > 1)
    throw new UsageError(`--cell ${ref}: matches ${matches.size} cells in ${shown}; expected more characters of one cellId`);
  const found = exact ?? [...matches.values()][0];
  if (!found) {
    throw new UsageError(
      `--cell ${ref}: no such cell in ${shown}; expected the cellId (or its first ${MIN_PREFIX}+ characters) of one of its ${cells} cells`,
    );
  }
  const parsed = CellResult.safeParse(found.json, { reportInput: true });
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new DataFileError(describeIssueText(issue, CellResult), {
      file: shown,
      line: found.line,
      field: formatPath(issue.path) || undefined,
    });
  }
  return parsed.data;
}
