import type { Context } from '../context.ts';
import { formatCalibration } from '../calibrate/format.ts';
import { runCalibration } from '../calibrate/run.ts';

/**
 * `agent-evals calibrate [--scenario id] [--config file [--repeat k]] [--json]`: runs every scenario's
 * assertions against its reference answers with no model; with `--config`, also grades each rubric k
 * times with that config's grader. Returns 1 when calibration fails (an assertion that cannot tell good
 * from bad, a rubric the grader applies wrongly or inconsistently); load errors throw (exit 2).
 */
export async function calibrateCommand(
  ctx: Context,
  opts: { scenario?: string[]; json?: boolean; config?: string; repeat?: number },
): Promise<number> {
  const { report, warnings } = await runCalibration(ctx.root, {
    scenario: opts.scenario,
    graderAvailable: false,
    ...(opts.config ? { config: opts.config } : {}),
    ...(opts.repeat ? { repeat: opts.repeat } : {}),
    env: ctx.env,
    ...(ctx.signal ? { signal: ctx.signal } : {}),
  });
  for (const w of warnings) ctx.err(`warning: ${w}`);
  if (opts.json) ctx.out(JSON.stringify(report, null, 2));
  else for (const line of formatCalibration(report)) ctx.out(line);
  return report.ok ? 0 : 1;
}
