import { wilsonInterval } from './stats.ts';
import type { RateWithInterval } from './types.ts';

/**
 * A pass/fail tally with its Wilson interval: the one shape every rate of a report has.
 * @example rateOf(9, 10) // { runs: 10, passed: 9, rate: 0.9, interval: { low: 0.596, high: 0.982 } }
 */
export function rateOf(passed: number, runs: number): RateWithInterval {
  return { runs, passed, rate: runs > 0 ? passed / runs : null, interval: wilsonInterval(passed, runs) };
}
