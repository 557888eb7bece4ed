/**
 * What each agent file adds over the bare model (issue 28): every variant against its agent's control
 * arm (`<agent>@control`, no agent prompt) on the same model, paired by (scenario, repeat). Pure.
 *
 * The test is the exact McNemar test on the discordant pairs (pairs where only the variant passed / only
 * the control did), with Newcombe's paired 95% interval for the difference variant − control. The control
 * comparisons of a run are their own family, corrected by discrete Holm (`discrete-holm.ts`) across every
 * variant × model of the run that has pairs; they never enter the gate's family (`gate.ts` leaves the
 * control out) nor the run's pairwise comparisons between variants (`summarize.ts`).
 */
import { type CellStatus, isScored } from '../schema/result.ts';
import { controlVariantId, isControlVariantId } from '../shared/control-arm.ts';
import { discreteHolmAdjust, mcnemarSupport } from './discrete-holm.ts';
import { mcnemarExactP, newcombePairedDiffInterval } from './stats.ts';
import { rateOf } from './rate.ts';
import type { ControlComparison, ControlVerdict } from './types.ts';

export type { ControlComparison, ControlVerdict };

/** What the control comparison needs of a cell (a `CellResult` has it). */
interface ControlCell {
  agent: string;
  variantId: string;
  model: string;
  scenarioId: string;
  repeat: number;
  status: CellStatus;
}

const SEP = '\u0000';

/**
 * Each variant × model against its agent's control on that model, in (agent, variant, model) order;
 * nothing when the run has no control cells.
 * @example compareWithControl(results, 0.05)[0] // { variantId: 'rev/a', controlId: 'rev@control', diff: 0.4, verdict: 'gain', … }
 */
export function compareWithControl(cells: Iterable<ControlCell>, alpha: number): ControlComparison[] {
  // Per agent × variant × model: (scenario, repeat) → passed, for scored cells only.
  const outcomes = new Map<string, Map<string, boolean>>();
  const keyOf = (agent: string, variantId: string, model: string) => [agent, variantId, model].join(SEP);
  for (const c of cells) {
    if (!isScored(c.status)) continue;
    const key = keyOf(c.agent, c.variantId, c.model);
    let m = outcomes.get(key);
    if (!m) outcomes.set(key, (m = new Map()));
    m.set(c.scenarioId + SEP + c.repeat, c.status === 'pass');
  }
  const drafts: Array<Omit<ControlComparison, 'adjustedP' | 'verdict'>> = [];
  for (const key of [...outcomes.keys()].sort()) {
    const [agent, variantId, model] = key.split(SEP) as [string, string, string];
    if (isControlVariantId(variantId)) continue;
    const controlId = controlVariantId(agent);
    const control = outcomes.get(keyOf(agent, controlId, model));
    if (!control) continue;
    const t = { both: 0, firstOnly: 0, secondOnly: 0, neither: 0 };
    for (const [pair, passed] of outcomes.get(key)!) {
      const base = control.get(pair);
      if (base === undefined) continue;
      if (base && passed) t.both++;
      else if (base) t.firstOnly++;
      else if (passed) t.secondOnly++;
      else t.neither++;
    }
    const pairs = t.both + t.firstOnly + t.secondOnly + t.neither;
    drafts.push({
      agent,
      variantId,
      controlId,
      model,
      pairs,
      variantOnly: t.secondOnly,
      controlOnly: t.firstOnly,
      variant: rateOf(t.both + t.secondOnly, pairs),
      control: rateOf(t.both + t.firstOnly, pairs),
      diff: pairs > 0 ? (t.secondOnly - t.firstOnly) / pairs : 0,
      diffInterval: newcombePairedDiffInterval(t),
      pValue: mcnemarExactP(t.firstOnly, t.secondOnly),
    });
  }
  // Comparisons with no pair test nothing and add nothing to the family.
  const tested = drafts.filter((d) => d.pairs > 0);
  const adjusted = discreteHolmAdjust(tested.map((d) => ({ p: d.pValue, support: mcnemarSupport(d.variantOnly + d.controlOnly) })));
  const adjustedOf = new Map(tested.map((d, i) => [d, adjusted[i]!]));
  return drafts.map((d) => {
    const adjustedP = adjustedOf.get(d) ?? 1;
    const verdict: ControlVerdict = adjustedP < alpha ? (d.diff > 0 ? 'gain' : 'worse') : 'no-measurable-gain';
    return { ...d, adjustedP, verdict };
  });
}
