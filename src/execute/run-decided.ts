import type { Context } from '../context.ts';
import { openResultWriter, writeMeta } from '../io/run/run-store.ts';
import type { CellPlans } from '../plan/cell-plans.ts';
import type { ResolvedModel } from '../schema/models.ts';
import type { CellResult } from '../schema/result.ts';
import type { RunMeta } from '../schema/run-meta.ts';
import type { BudgetGuard } from './budget.ts';
import type { Decided, Finished } from './decide-cells.ts';
import { createProgress } from './progress.ts';
import type { AgentCellRunner } from './provider-wrapper.ts';
import type { RecordingStore } from './recordings.ts';
import { runCells } from './run-cells.ts';

/** What running the decided cells needs: where results go, how the engine runs them, what may stop them. */
interface RunDecidedInput {
  decided: Decided;
  finished: Finished;
  plans: CellPlans;
  runDir: string;
  mode: RunMeta['mode'];
  engine: { concurrency: number; timeoutMs: number; maxRetries: number; repeats: number; stateDir: string };
  recordings: RecordingStore;
  secrets: string[];
  graders?: ResolvedModel[];
  runAgentCell?: AgentCellRunner;
  guard?: BudgetGuard;
  /** A new run's meta.json, written before its first result (a resumed run's stays as it was). */
  newMeta?: RunMeta;
  onResult: (result: CellResult) => void;
}

/**
 * Writes a new run's meta.json, then the skipped cells, then runs the replayed and the live ones; every result is appended as it
 * finishes and handed to `onResult` (after the resumed run's finished ones). Returns how many results
 * the run folder holds.
 *
 * @example
 * const written = await runDecided(ctx, { decided, finished, plans: plan.plans, runDir, mode: 'live', ... });
 */
export async function runDecided(ctx: Context, input: RunDecidedInput): Promise<number> {
  const { decided, plans } = input;
  if (input.newMeta) await writeMeta(input.runDir, input.newMeta);
  const writer = await openResultWriter(input.runDir);
  for (const r of input.finished.values()) input.onResult(r);
  let written = input.finished.size;
  const progress = createProgress({ total: decided.live.length + decided.replay.length, isTTY: ctx.isTTY, write: ctx.write });
  const record = async (r: CellResult) => {
    input.onResult(r);
    written++;
    await writer.append(r);
  };
  try {
    for (const r of decided.skipped) await record(r);
    const common = {
      ...input.engine,
      secrets: input.secrets,
      recordings: input.recordings,
      env: ctx.env,
      signal: ctx.signal,
      ...(input.graders ? { graders: input.graders } : {}),
      ...(input.runAgentCell ? { runAgentCell: input.runAgentCell } : {}),
      ...(input.guard ? { budget: input.guard } : {}),
      onResult: async (r: CellResult) => {
        await record(r);
        progress.tick(r.status);
      },
    };
    if (decided.replay.length) await runCells({ ...common, plans: plans.list(decided.replay), mode: 'replay' });
    if (decided.live.length)
      await runCells({ ...common, plans: plans.list(decided.live), mode: input.mode === 'record' ? 'record' : 'live' });
  } finally {
    progress.done();
    await writer.close();
  }
  return written;
}
