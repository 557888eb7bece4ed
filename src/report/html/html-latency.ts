/** The latency section in index.html (issue 28). Pure. */
import type { LatencyFigures } from '../../schema/aggregate.ts';
import type { LatencyStat } from '../../score/latency.ts';
import { latencyRows } from '../model/latency-view.ts';
import { LATENCY_HOW, latencyChange, ms, turnText } from '../text/latency-text.ts';
import { type Html, html } from './html-tag.ts';

/** index.html: the section, or nothing when no cell recorded a latency. */
export function renderLatencySection(current: readonly LatencyStat[], baseline?: readonly LatencyFigures[]): Html | '' {
  if (!current.length) return '';
  const body = latencyRows(current, baseline).map(
    ({ s, base }) =>
      html`<tr><td>${s.variantId}</td><td>${s.model}</td><td>${s.n}</td><td>${ms(s.p50)}</td><td>${ms(s.p95)}</td><td>${latencyChange(s.p50, base?.p50)}</td><td>${latencyChange(s.p95, base?.p95)}</td><td>${turnText(s.turn)}</td></tr>`,
  );
  return html`<section id="latency"><h2>Latency</h2><p class="muted">${LATENCY_HOW}</p>
<table class="latency"><thead><tr><th>variant</th><th>model</th><th>cells</th><th>p50</th><th>p95</th><th>p50 change</th><th>p95 change</th><th>per turn p50 / p95</th></tr></thead><tbody>${body}</tbody></table></section>`;
}
