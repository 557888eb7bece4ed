import { closeSync, openSync, readSync } from 'node:fs';
import path from 'node:path';
import { CellResult } from '../../schema/result.ts';
import { streamRun, writeResultsWhole } from './run-store.ts';

/**
 * `--resume`: the cells the run already finished (pass, fail, error), by cell id. Only their ids are
 * kept; their results are read again from results.jsonl, line by line, when they are handed on (`values`),
 * so resuming a 100,000-cell run never holds its answers at once.
 */
export interface FinishedCells {
  has(cellId: string): boolean;
  readonly size: number;
  /** The finished cells' results, in results.jsonl's order, read from the file as iterated. */
  values(): Iterable<CellResult>;
}

const finishedStatus = (r: CellResult) => r.status === 'pass' || r.status === 'fail' || r.status === 'error';

/**
 * Reads the resumed run's results.jsonl line by line for its finished cells, and drops the lines of cells
 * that did not run (`not-run`, `not-recorded`), which run again, so no cell is ever written twice
 * (results.jsonl rewritten whole, streamed).
 *
 * @example
 * const finished = await finishedCells(dir);
 * finished.has(cellId) // true: not called again
 */
export async function finishedCells(dir: string): Promise<FinishedCells> {
  const ids = new Set<string>();
  let lines = 0;
  await streamRun(dir, (r) => {
    lines++;
    if (finishedStatus(r)) ids.add(r.cellId);
  });
  if (ids.size < lines) {
    await writeResultsWhole(dir, async (append) => {
      await streamRun(dir, (r) => {
        if (finishedStatus(r)) append(r);
      });
    });
  }
  const file = path.join(dir, 'results.jsonl');
  return {
    has: (cellId) => ids.has(cellId),
    size: ids.size,
    *values() {
      for (const r of readLinesSync(file)) if (ids.has(r.cellId) && finishedStatus(r)) yield r;
    },
  };
}

/** Each valid result line of a file, read in 1 MB chunks (damaged lines were warned of when the run was opened). */
function* readLinesSync(file: string): Generator<CellResult> {
  const fd = openSync(file, 'r');
  try {
    const chunk = Buffer.alloc(1 << 20);
    let rest = '';
    const decoder = new TextDecoder();
    for (let n = readSync(fd, chunk); n > 0; n = readSync(fd, chunk)) {
      const parts = (rest + decoder.decode(chunk.subarray(0, n), { stream: true })).split('\n');
      rest = parts.pop()!;
      for (const line of parts) {
        const r = parse(line);
        if (r) yield r;
      }
    }
    const last = parse(rest + decoder.decode());
    if (last) yield last;
  } finally {
    closeSync(fd);
  }
}

function parse(line: string): CellResult | undefined {
  if (!line.trim()) return undefined;
  try {
    const parsed = CellResult.safeParse(JSON.parse(line));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
