/**
 * History lines shaped like real suites, for the size figures (`bench/history-size.ts`, the codec test):
 * real sha256 fingerprints, realistic ids and model labels, 3–5 assertions per scenario, fractional
 * score sums. Deterministic.
 */
import { createHash } from 'node:crypto';
import type { HistoryEntry, ScenarioAggregate } from '../../src/schema/aggregate.ts';
import { rng } from './report-synthetic.ts';

export interface SuiteShape {
  variants: number;
  models: number;
  scenarios: number;
  repeats: number;
}

/** The starter suite of issue 14: 5 variants × 2 models × 13 scenarios, 3 repeats. */
export const STARTER_SHAPE: SuiteShape = { variants: 5, models: 2, scenarios: 13, repeats: 3 };
/** `npm run bench`'s matrix: 5 variants × 2 models × 10 scenarios, 3 repeats. */
export const BENCH_SHAPE: SuiteShape = { variants: 5, models: 2, scenarios: 10, repeats: 3 };

const sha = (s: string) => createHash('sha256').update(s).digest('hex');
const ASSERTION_IDS = ['mentions-refund-window', 'icontains-order-number', 'no-apology-boilerplate', 'polite-and-brief', 'cites-policy'];

/** One run of `shape` as `aggregateRun` would give it. */
export function shapedEntry(shape: SuiteShape, run = 0): HistoryEntry {
  const rand = rng(run + 11);
  const cells: ScenarioAggregate[] = [];
  for (let v = 0; v < shape.variants; v++)
    for (let m = 0; m < shape.models; m++)
      for (let s = 0; s < shape.scenarios; s++) {
        const outcomes = Array.from({ length: shape.repeats }, () => (rand() < 0.75 ? 'P' : 'F')).join('');
        const passes = [...outcomes].filter((o) => o === 'P').length;
        const asserts = ASSERTION_IDS.slice(0, 3 + (s % 3));
        cells.push({
          variantId: `support-agent/variant-${v + 1}`,
          variantHash: sha(`variant ${v}`),
          agent: 'support-agent',
          model: `openai:chat:gpt-4.1-${m ? 'mini' : 'nano'}`,
          scenarioId: `refund-request-${String(s + 1).padStart(2, '0')}`,
          scenarioHash: sha(`scenario ${s}`),
          assertionsHash: sha(`assertions ${s}`),
          ...(s % 3 === 2 ? { grader: 'openai:chat:gpt-4.1' } : {}),
          runs: shape.repeats,
          passes,
          errors: 0,
          notRun: 0,
          scoreSum: passes + Math.round(rand() * (shape.repeats - passes) * 1000) / 3000,
          outcomes,
          assertions: Object.fromEntries(
            asserts.map((id, i) => [
              id,
              i === 0
                ? { runs: shape.repeats, passes, critical: true }
                : { runs: shape.repeats, passes: Math.min(shape.repeats, Math.max(passes, i)) },
            ]),
          ),
        });
      }
  return {
    runId: `20260${(run % 9) + 1}01-120000-${(4096 + run).toString(16)}`,
    time: new Date(Date.UTC(2026, 0, 1) + run * 86_400_000).toISOString(),
    git: { commit: sha(`commit ${run}`).slice(0, 40), branch: 'main', dirty: false },
    cells,
  };
}
