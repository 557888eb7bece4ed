import type { CellResult } from './result.ts';

/**
 * Cells carried from a baseline (`--changed-since`), to be written with the run: chosen before the run by
 * plan/affected.ts, written after it by finish/finish-run.ts, so the shape lives below both.
 */
/** Cells carried from a baseline, to be written with the run (see `finishRun`). */
export interface CarriedCells {
  /** The baseline's run id (→ `meta.carriedFrom`). */
  runId: string;
  results: CellResult[];
  /** Grader id when a carried cell was graded, so its aggregate keeps the grader fingerprint. */
  grader?: string;
}
