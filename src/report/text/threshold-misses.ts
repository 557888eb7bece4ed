import type { ScenarioAggregate } from '../../schema/aggregate.ts';
import type { Thresholds } from '../../schema/eval-config.ts';
import { showControls } from './escape.ts';
import { describeBreach, findThresholdMisses } from '../../score/thresholds.ts';

/**
 * Console lines naming every threshold of the config a run misses, the same bars `gate` judges: a
 * headline, then one line per miss. Empty when every bar is met (or none is set). For `eval` without
 * `--ci`, which exits 0 whatever the thresholds say, so that a miss is at least said plainly.
 * Pass the aggregates of every cell the run holds (carried ones too), as the gate does. Pure.
 * @example
 * for (const line of renderThresholdMisses(aggregateRun(results, { grader: meta.grader }), config.thresholds)) ctx.out(line);
 * // below threshold: 1 of 5 variant × model miss a bar of the config (`agent-evals gate` and `eval --ci` exit 1 on this)
 * //   backend-architect/terse @ sonnet: passRate 7% < 50% (1/14)
 */
export function renderThresholdMisses(cells: readonly ScenarioAggregate[], thresholds: Thresholds): string[] {
  const misses = findThresholdMisses(cells, thresholds);
  if (misses.length === 0) return [];
  const key = (b: { variantId: string; model: string }) => `${b.variantId}\u0000${b.model}`;
  const missing = new Set(misses.map(key)).size;
  const all = new Set(cells.map(key)).size;
  return [
    `below threshold: ${missing} of ${all} variant × model miss${missing === 1 ? 'es' : ''} a bar of the config (\`agent-evals gate\` and \`eval --ci\` exit 1 on this)`,
    ...misses.map((b) => `  ${b.variantId} @ ${b.model}: ${describeBreach(b)}${b.scope === 'critical' ? '' : ` (${b.passes}/${b.runs})`}`),
  ].map(showControls);
}
