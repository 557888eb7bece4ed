import type { Cell } from '../plan/matrix.ts';
import type { EvalPlan } from '../plan/plan-eval.ts';
import { cellIdentity, cellRecordingKey } from '../plan/plan-cell.ts';
import type { CellPlan } from '../plan/cell-plan.ts';
import type { FinishedCells } from '../io/run/resumed-run.ts';
import type { LoadedScenario } from '../schema/loaded-scenario.ts';
import type { CellResult } from '../schema/result.ts';
import type { RunMeta } from '../schema/run-meta.ts';
import type { Readiness } from './credentials.ts';
import { forEachLimit } from './limit.ts';
import type { RecordingStore } from './recordings.ts';

/** Which pending cells run live, which replay and which cannot run (decided before any call). */

/** Resume: the cells the run being resumed already finished, by cell id (read from results.jsonl as handed on). */
export type Finished = FinishedCells;

/**
 * The cells to run live and to replay (planned a batch at a time by `plan.plans`, which empties each
 * entry as it does: only their count is read after the run), and the results of those that will not run.
 */
export interface Decided {
  live: PlannedCell[];
  replay: PlannedCell[];
  skipped: CellResult[];
}

export type PlannedCell = Cell<LoadedScenario>;

/**
 * Per pending cell: live (its model can run), replay (a recording exists), or a skipped result saying why.
 * `cells` are the plan's, handed over (`plan.cells.take()`): once decided, only the live and replayed ones
 * are held, and those are let go batch by batch as they run.
 */
export async function decideCells(input: {
  cells: PlannedCell[];
  plan: Pick<EvalPlan, 'plans' | 'grader'>;
  mode: RunMeta['mode'];
  readiness: Map<string, Readiness>;
  ungradable: Set<string>;
  finished: Finished;
  recordings: RecordingStore;
}): Promise<Decided> {
  const { plan, mode, readiness, ungradable } = input;
  const pending = input.cells.filter((c) => !input.finished.has(c.cellId));
  const runsLive = (c: PlannedCell) => mode !== 'replay' && readiness.get(c.model.label)?.ok === true;
  const recorded = new Set<string>();
  await forEachLimit(
    pending.filter((c) => !runsLive(c) && !ungradable.has(c.cellId)),
    32,
    async (c) => {
      if (await input.recordings.has(cellRecordingKey(plan.plans.of(c)))) recorded.add(c.cellId);
    },
  );
  const decided: Decided = { live: [], replay: [], skipped: [] };
  const noGrader = plan.grader ? `grader ${plan.grader.label} cannot run` : 'the eval config names no `grader:`';
  for (const c of pending) {
    const ready = readiness.get(c.model.label);
    const p = () => plan.plans.of(c);
    if (ungradable.has(c.cellId))
      decided.skipped.push(skippedResult(p(), 'not-run', `not graded: its only assertions are rubrics and ${noGrader}`));
    else if (runsLive(c)) decided.live.push(c);
    else if (recorded.has(c.cellId)) decided.replay.push(c);
    else if (mode === 'replay')
      decided.skipped.push(
        skippedResult(
          p(),
          'not-recorded',
          'no recording for this cell (its prompt, scenario or model entry changed since recording): run live to record it',
        ),
      );
    else decided.skipped.push(skippedResult(p(), 'not-run', ready && !ready.ok ? ready.reason : 'model unavailable'));
  }
  return decided;
}

function skippedResult(plan: CellPlan, status: 'not-run' | 'not-recorded', reason: string): CellResult {
  return { ...cellIdentity(plan), status, assertions: [], score: 0, error: reason, finishedAt: new Date().toISOString() };
}
