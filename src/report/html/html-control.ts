/** The control arm's section in index.html (issue 28). Pure. */
import type { ControlComparison } from '../../score/control.ts';
import { CONTROL_LABEL } from '../../shared/control-arm.ts';
import { formatInterval, formatP, formatRate } from '../model/matrix-view.ts';
import { CONTROL_HOW, CONTROL_VERDICT_TEXT, controlDelta, discordantPairs } from '../text/control-text.ts';
import { type Html, html } from './html-tag.ts';

/** index.html: the section, or nothing when the run has no control arm. */
export function renderControlSection(control: readonly ControlComparison[] | undefined): Html | '' {
  if (!control?.length) return '';
  const rows = control.map(
    (c) =>
      html`<tr class="${c.verdict === 'gain' ? 'ok' : 'warn'}"><td>${c.variantId}</td><td>${c.model}</td><td>${formatRate(c.variant.rate)} <span class="muted">${formatInterval(c.variant.interval)}</span></td><td>${formatRate(c.control.rate)} <span class="muted">${formatInterval(c.control.interval)}</span></td><td>${controlDelta(c)}</td><td>${discordantPairs(c)}</td><td>${formatP(c.adjustedP)}</td><td>${CONTROL_VERDICT_TEXT[c.verdict]}</td></tr>`,
  );
  return html`<section id="control"><h2>Gain over the bare model</h2><p class="muted">${CONTROL_HOW}</p>
<table class="control"><thead><tr><th>variant</th><th>model</th><th>variant</th><th>${CONTROL_LABEL}</th><th>Δ (95% CI)</th><th>only variant / only bare, of pairs</th><th>adjusted p</th><th>verdict</th></tr></thead><tbody>${rows}</tbody></table></section>`;
}
