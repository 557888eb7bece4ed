/**
 * What earlier runs' cells spent, for planning and budgets (issue 28): the tokens, USD, latency and turns of
 * the cells of the newest runs under `reports/runs/`, read line by line. Which cell is a sample, and what of it,
 * is the caller's rule (`spendSample` in `plan/spend.ts`, pure): this file only reads.
 */
import path from 'node:path';
import type { CellResult } from '../../schema/result.ts';
import { listRunIds, runDir, streamResults } from './run-store.ts';

/** Runs read, newest first: enough to see the spread of a cell, few enough to stay fast. */
const SPEND_RUNS = 10;

export async function readSpendSamples<S>(root: string, sampleOf: (r: CellResult) => S | undefined, runs = SPEND_RUNS): Promise<S[]> {
  const ids = (await listRunIds(root)).slice(-runs);
  const samples: S[] = [];
  for (const id of ids) {
    // Line by line: a run adds its samples, never its answers; an unreadable run adds none.
    const ofRun: S[] = [];
    const file = path.join(runDir(root, id), 'results.jsonl');
    const read = await streamResults(file, file, (r) => {
      const s = sampleOf(r);
      if (s) ofRun.push(s);
    }).then(
      () => true,
      () => false,
    );
    if (read) samples.push(...ofRun);
  }
  return samples;
}
