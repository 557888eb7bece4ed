import type { Context } from '../context.ts';
import { formatCalibration } from '../calibrate/format.ts';
import { runCalibration } from '../calibrate/run.ts';

/**
 * `agent-evals calibrate [--scenario id] [--json]`: runs every scenario's assertions against its
 * reference answers with no model. Returns 1 when calibration fails; load errors throw (exit 2).
 */
export async function calibrateCommand(ctx: Context, opts: { scenario?: string[]; json?: boolean }): Promise<number> {
  const { report, warnings } = await runCalibration(ctx.root, { scenario: opts.scenario, graderAvailable: false });
  for (const w of warnings) ctx.err(`warning: ${w}`);
  if (opts.json) ctx.out(JSON.stringify(report, null, 2));
  else for (const line of formatCalibration(report)) ctx.out(line);
  return report.ok ? 0 : 1;
}
