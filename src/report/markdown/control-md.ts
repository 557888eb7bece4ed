/** The control arm's table in summary.md (issue 28). Pure. */
import type { ControlComparison } from '../../score/control.ts';
import { CONTROL_LABEL } from '../../shared/control-arm.ts';
import { escapeMarkdownCell as cell } from '../text/escape.ts';
import { formatP, formatRate } from '../model/matrix-view.ts';
import { CONTROL_HOW, CONTROL_VERDICT_TEXT, controlDelta, discordantPairs } from '../text/control-text.ts';

/** summary.md: the table, or nothing when the run has no control arm. */
export function controlMarkdown(control: readonly ControlComparison[] | undefined): string[] {
  if (!control?.length) return [];
  const lines = [
    `### Gain over the bare model (control arm, ${CONTROL_LABEL})`,
    '',
    CONTROL_HOW,
    '',
    '| variant | model | variant | no agent | Δ (95% CI) | only variant / only bare, of pairs | adjusted p | verdict |',
    '|---|---|---|---|---|---|---|---|',
  ];
  for (const c of control)
    lines.push(
      `| ${cell(c.variantId)} | ${cell(c.model)} | ${formatRate(c.variant.rate)} | ${formatRate(c.control.rate)} | ${controlDelta(c)} | ${discordantPairs(c)} | ${formatP(c.adjustedP)} | ${c.verdict === 'gain' ? '✅ ' : '⚠️ '}${CONTROL_VERDICT_TEXT[c.verdict]} |`,
    );
  lines.push('');
  return lines;
}
