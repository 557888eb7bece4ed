/**
 * What earlier runs' cells spent, for planning and budgets (issue 28): the tokens, USD, latency and turns of
 * the cells of the newest runs under `reports/runs/`, read line by line. Cells answered from promptfoo's
 * cache cost nothing and carried cells are the baseline's: neither is a sample.
 */
import path from 'node:path';
import type { SpendSample } from '../plan/spend.ts';
import type { CellResult } from '../schema/result.ts';
import { listRunIds, runDir, streamResults } from './run-store.ts';

/** Runs read, newest first: enough to see the spread of a cell, few enough to stay fast. */
export const SPEND_RUNS = 10;

export async function readSpendSamples(root: string, runs = SPEND_RUNS): Promise<SpendSample[]> {
  const ids = (await listRunIds(root)).slice(-runs);
  const samples: SpendSample[] = [];
  for (const id of ids) {
    // Line by line: a run adds its samples, never its answers; an unreadable run adds none.
    const ofRun: SpendSample[] = [];
    const file = path.join(runDir(root, id), 'results.jsonl');
    const read = await streamResults(file, file, (r) => {
      const s = spendSample(r);
      if (s) ofRun.push(s);
    }).then(
      () => true,
      () => false,
    );
    if (read) samples.push(...ofRun);
  }
  return samples;
}

/** A finished cell's spend, or undefined when it spent nothing a later run would spend again (cache, baseline, no answer). */
export function spendSample(r: CellResult): SpendSample | undefined {
  if (!r.tokens || r.source === 'cache' || r.source === 'baseline') return undefined;
  return {
    variantId: r.variantId,
    model: r.model,
    scenarioId: r.scenarioId,
    prompt: r.tokens.prompt,
    completion: r.tokens.completion,
    ...(r.cost !== undefined ? { costUsd: r.cost } : {}),
    ...(r.latencyMs !== undefined ? { latencyMs: r.latencyMs } : {}),
    ...(r.trajectory ? { turns: r.trajectory.turns } : {}),
  };
}
