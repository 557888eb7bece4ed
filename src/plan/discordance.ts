/**
 * Run-to-run discordance of a variant × model, from history (issue 28): between consecutive runs that
 * measured the same prompt (variant hash) on the same scenario (scenario and assertion hashes), the share
 * of (scenario, repeat) pairs, both scored, whose outcomes differ. It is the noise the gate's paired test
 * must see a change through (`plan/power.ts`). Pure.
 */
import type { HistoryEntry, ScenarioAggregate } from '../schema/aggregate.ts';

export interface Discordance {
  /** Pairs compared and pairs that disagreed. */
  pairs: number;
  discordant: number;
}

const SEP = '\u0000';

/**
 * Per `variantId \0 model`: the pairs of consecutive runs' outcomes (history order) and how many differ.
 * @example historyDiscordance(entries).get('a/v1\u0000gpt') // { pairs: 40, discordant: 6 }
 */
export function historyDiscordance(entries: readonly HistoryEntry[]): Map<string, Discordance> {
  const last = new Map<string, ScenarioAggregate>();
  const out = new Map<string, Discordance>();
  for (const entry of entries) {
    for (const cell of entry.cells) {
      if ((cell.carried ?? 0) > 0) continue; // the baseline's own outcomes, not a new measurement
      const key = [cell.variantId, cell.model, cell.scenarioId].join(SEP);
      const before = last.get(key);
      last.set(key, cell);
      if (!before || !samePrompt(before, cell)) continue;
      const vm = [cell.variantId, cell.model].join(SEP);
      const d = out.get(vm) ?? { pairs: 0, discordant: 0 };
      const n = Math.min(before.outcomes.length, cell.outcomes.length);
      for (let i = 0; i < n; i++) {
        const a = before.outcomes[i]!;
        const b = cell.outcomes[i]!;
        if (!scored(a) || !scored(b)) continue;
        d.pairs++;
        if (a !== b) d.discordant++;
      }
      out.set(vm, d);
    }
  }
  return out;
}

const scored = (o: string) => o === 'P' || o === 'F';
const samePrompt = (a: ScenarioAggregate, b: ScenarioAggregate) =>
  a.variantHash === b.variantHash && a.scenarioHash === b.scenarioHash && a.assertionsHash === b.assertionsHash && a.grader === b.grader;
