import type { Context } from '../context.ts';
import type { RunMeta } from '../schema/run-meta.ts';
import { ENABLE_A_MODEL_HINT } from './credentials.ts';
import type { Decided } from './decide-cells.ts';

/**
 * After the run: the cells that did not run, and (when nothing could) how to enable a model.
 *
 * @example
 * sayWhatDidNotRun(ctx, decided, 'live', ungradable.size); // "3 cells did not run (gpt); see the warnings above."
 */
export function sayWhatDidNotRun(ctx: Context, decided: Decided, mode: RunMeta['mode'], ungradable: number): void {
  const { skipped } = decided;
  if (skipped.length === 0) return;
  if (decided.live.length === 0 && decided.replay.length === 0) {
    ctx.out(`no model could run: ${skipped.length} cells ${mode === 'replay' ? 'not recorded' : 'not run'}.`);
    if (mode !== 'replay' && ungradable < skipped.length) for (const line of ENABLE_A_MODEL_HINT) ctx.out(line);
  } else {
    ctx.out(`${skipped.length} cells did not run (${[...new Set(skipped.map((s) => s.model))].join(', ')}); see the warnings above.`);
  }
}
