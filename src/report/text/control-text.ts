/**
 * The control arm in words (issue 28): per agent × model, what each variant adds over the bare model
 * (`<agent>@control`, shown as "(no agent)"), with the paired exact test and its interval. The one line of
 * the PR comment and the console, and the pieces the Markdown and HTML tables share. Pure; callers escape.
 */
import type { ControlComparison, ControlVerdict } from '../../score/control.ts';
import { CONTROL_LABEL } from '../../shared/control-arm.ts';
import { formatDiff, formatP, formatRate } from '../model/matrix-view.ts';

const NO_GAIN = 'no measurable gain over the bare model';

export const CONTROL_VERDICT_TEXT: Record<ControlVerdict, string> = {
  gain: 'gain over the bare model',
  'no-measurable-gain': NO_GAIN,
  worse: `worse than the bare model (${NO_GAIN})`,
};

export const CONTROL_HOW =
  'Each variant against the same model with no agent prompt, paired by scenario and repeat: Δ = variant − bare model in points, 95% interval (Newcombe, paired), exact McNemar test, adjusted by discrete Holm across these comparisons only (the control arm is never gated and not in the gate’s family of tests).';

/** `+30 pts [+8, +52]`: the difference and its interval, in points. */
export function controlDelta(c: ControlComparison): string {
  const i = c.diffInterval;
  return `${formatDiff(c.diff)}${i ? ` [${formatDiff(i.low).replace(' pts', '')}, ${formatDiff(i.high).replace(' pts', '')}]` : ''}`;
}

/** `6 / 0 of 10`: pairs only the variant passed / only the bare model passed, of the pairs. */
export const discordantPairs = (c: ControlComparison) => `${c.variantOnly} / ${c.controlOnly} of ${c.pairs}`;

/**
 * One line for a PR comment or a console: `rev/a @ m1: +60 pts [+25, +81] over (no agent), p=0.031 — gain over the bare model`.
 */
export function describeControl(c: ControlComparison): string {
  return `${c.variantId} @ ${c.model}: ${controlDelta(c)} over ${CONTROL_LABEL} (${formatRate(c.variant.rate)} vs ${formatRate(c.control.rate)}, ${discordantPairs(c)} discordant pairs, adjusted ${formatP(c.adjustedP)}) — ${CONTROL_VERDICT_TEXT[c.verdict]}`;
}
