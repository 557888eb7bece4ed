import * as z from 'zod';
import { GitInfo, HistoryRubricCalibration, LatencyFigures } from './aggregate.ts';

/**
 * The stored form of a `reports/history.jsonl` line since format 2: each fingerprint once per line in
 * a table, aggregates as tuples of table indices and counts. Lines without `v` are format 1 (one
 * object per aggregate, `HistoryEntry` as it is) and are still read.
 *
 * ```text
 * {"v":2,"runId":…,"time":…,"git":{…},
 *  "variants":[[variantId,agent,hash12]],"models":[model],"scenarios":[[scenarioId,hash12,assertionsHash12]],
 *  "graders":[grader],"assertions":[assertionId],
 *  "cells":[[variant,model,scenario,runs,passes,errors,notRun,scoreSum,outcomes,[[assertion,passes]|[assertion,runs,passes(,critical)]](,grader(,carried))]],
 *  "totals":[[variant,model,runs,passes,errors,notRun,scoreSum,[scenario…],[grader…]]],
 *  "latency":[{agent,variantId,model,n,p50,p95,turn?}]}
 * ```
 */
export const HISTORY_FORMAT = 2;

const Index = z.number().int().nonnegative();
const Count = z.number().int().nonnegative();

/** `[assertion, passes]` when its runs equal the cell's runs, else `[assertion, runs, passes]`, `(…, 1|0)` for `critical`. */
const CompactAssertion = z.array(Count).min(2).max(4);

export const CompactCell = z.tuple(
  [Index, Index, Index, Count, Count, Count, Count, z.number().nonnegative(), z.string().regex(/^[PFEN]*$/), z.array(CompactAssertion)],
  // Optional tail: grader index (-1: none), carried count.
  z.number().int().min(-1),
);
export type CompactCell = z.infer<typeof CompactCell>;

export const CompactTotal = z.tuple([Index, Index, Count, Count, Count, Count, z.number().nonnegative(), z.array(Index), z.array(Index)]);
export type CompactTotal = z.infer<typeof CompactTotal>;

export const CompactHistoryLine = z.strictObject({
  v: z.literal(HISTORY_FORMAT),
  runId: z.string(),
  time: z.string(),
  git: GitInfo,
  variants: z.array(z.tuple([z.string(), z.string(), z.string()])),
  models: z.array(z.string()),
  scenarios: z.array(z.tuple([z.string(), z.string(), z.string()])),
  graders: z.array(z.string()).optional(),
  assertions: z.array(z.string()).optional(),
  // Each cell is checked by hand (`readLineFast` on the bytes, or `isCompactCell` with `CompactCell`
  // for the message): zod on a million tuples costs seconds when the report reads a long history.
  cells: z.array(z.unknown()).optional(),
  totals: z.array(CompactTotal).optional(),
  rubricCalibration: HistoryRubricCalibration.optional(),
  /** Per variant × model: `{agent, variantId, model, n, p50, p95, turn?}` in ms (few rows a run: kept as objects). */
  latency: z.array(LatencyFigures).optional(),
});
export type CompactHistoryLine = z.infer<typeof CompactHistoryLine>;

/** Hex digits kept of a fingerprint in history: history only compares them (a prompt or a test changed), 48 bits is plenty. */
const HISTORY_HASH_LENGTH = 12;

/**
 * A fingerprint as history keeps it; format-1 lines hold full hashes, so readers compare through this.
 *
 * @example
 * historyHash('9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08') // '9f86d081884c'
 */
export function historyHash(hash: string): string {
  // Only hex digests are shortened: any other fingerprint (hand-written ones in tests) is kept whole.
  return hash.length > HISTORY_HASH_LENGTH && /^[0-9a-f]+$/.test(hash) ? hash.slice(0, HISTORY_HASH_LENGTH) : hash;
}
