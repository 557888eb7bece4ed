import picomatch from 'picomatch';
import { UsageError } from '../errors.ts';
import { loadAgents } from '../load/agents.ts';
import { loadScenarios } from '../load/scenarios.ts';
import { calibrateScenarios, type CalibrationReport } from './calibrate.ts';

/**
 * Loads agents and scenarios under `root` and calibrates the scenarios: the step `eval` runs before any
 * model is called. `scenario` filters by id or glob. Load problems throw (exit 2); the report's `ok`
 * says whether calibration passed (exit 1 when not).
 *
 * @example
 * const { report, warnings } = await runCalibration('/repo', { graderAvailable: false });
 * if (!report.ok) return 1;
 */
export async function runCalibration(
  root: string,
  opts: { scenario?: string[]; graderAvailable?: boolean } = {},
): Promise<{ report: CalibrationReport; warnings: string[] }> {
  const { variants } = await loadAgents(root);
  const agentNames = [...new Set(variants.flatMap((v) => [v.name, v.id]))];
  const { scenarios, warnings } = await loadScenarios(root, { agentNames });
  let selected = scenarios;
  if (opts.scenario?.length) {
    const patterns = opts.scenario;
    selected = scenarios.filter((s) => patterns.some((p) => p === s.id || picomatch.isMatch(s.id, p)));
    if (selected.length === 0)
      throw new UsageError(
        `--scenario ${patterns.join(', ')} matches no scenario; ids include ${scenarios
          .slice(0, 5)
          .map((s) => s.id)
          .join(', ')}`,
      );
  }
  const report = await calibrateScenarios(selected, { graderAvailable: opts.graderAvailable ?? false });
  return { report, warnings };
}
