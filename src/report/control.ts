/**
 * The control arm in the reports (issue 28): per agent × model, what each variant adds over the bare
 * model (`<agent>@control`, shown as "(no agent)"), with the paired exact test and its interval. Pure.
 */
import type { ControlComparison, ControlVerdict } from '../score/control.ts';
import { CONTROL_LABEL } from '../shared/control-arm.ts';
import { escapeMarkdownCell as cell } from './escape.ts';
import { type Html, html } from './html-tag.ts';
import { formatDiff, formatInterval, formatP, formatRate } from './matrix.ts';

const NO_GAIN = 'no measurable gain over the bare model';

const VERDICT_TEXT: Record<ControlVerdict, string> = {
  gain: 'gain over the bare model',
  'no-measurable-gain': NO_GAIN,
  worse: `worse than the bare model (${NO_GAIN})`,
};

const HOW =
  'Each variant against the same model with no agent prompt, paired by scenario and repeat: Δ = variant − bare model in points, 95% interval (Newcombe, paired), exact McNemar test, adjusted by discrete Holm across these comparisons only (the control arm is never gated and not in the gate’s family of tests).';

/** `+30 pts [+8, +52]`: the difference and its interval, in points. */
function delta(c: ControlComparison): string {
  const i = c.diffInterval;
  return `${formatDiff(c.diff)}${i ? ` [${formatDiff(i.low).replace(' pts', '')}, ${formatDiff(i.high).replace(' pts', '')}]` : ''}`;
}

/** `6 / 0 of 10`: pairs only the variant passed / only the bare model passed, of the pairs. */
const discordant = (c: ControlComparison) => `${c.variantOnly} / ${c.controlOnly} of ${c.pairs}`;

/**
 * One line for a PR comment or a console: `rev/a @ m1: +60 pts [+25, +81] over (no agent), p=0.031 — gain over the bare model`.
 */
export function describeControl(c: ControlComparison): string {
  return `${c.variantId} @ ${c.model}: ${delta(c)} over ${CONTROL_LABEL} (${formatRate(c.variant.rate)} vs ${formatRate(c.control.rate)}, ${discordant(c)} discordant pairs, adjusted ${formatP(c.adjustedP)}) — ${VERDICT_TEXT[c.verdict]}`;
}

/** summary.md: the table, or nothing when the run has no control arm. */
export function controlMarkdown(control: readonly ControlComparison[] | undefined): string[] {
  if (!control?.length) return [];
  const lines = [
    `### Gain over the bare model (control arm, ${CONTROL_LABEL})`,
    '',
    HOW,
    '',
    '| variant | model | variant | no agent | Δ (95% CI) | only variant / only bare, of pairs | adjusted p | verdict |',
    '|---|---|---|---|---|---|---|---|',
  ];
  for (const c of control)
    lines.push(
      `| ${cell(c.variantId)} | ${cell(c.model)} | ${formatRate(c.variant.rate)} | ${formatRate(c.control.rate)} | ${delta(c)} | ${discordant(c)} | ${formatP(c.adjustedP)} | ${c.verdict === 'gain' ? '✅ ' : '⚠️ '}${VERDICT_TEXT[c.verdict]} |`,
    );
  lines.push('');
  return lines;
}

/** index.html: the section, or nothing when the run has no control arm. */
export function renderControlSection(control: readonly ControlComparison[] | undefined): Html | '' {
  if (!control?.length) return '';
  const rows = control.map(
    (c) =>
      html`<tr class="${c.verdict === 'gain' ? 'ok' : 'warn'}"><td>${c.variantId}</td><td>${c.model}</td><td>${formatRate(c.variant.rate)} <span class="muted">${formatInterval(c.variant.interval)}</span></td><td>${formatRate(c.control.rate)} <span class="muted">${formatInterval(c.control.interval)}</span></td><td>${delta(c)}</td><td>${discordant(c)}</td><td>${formatP(c.adjustedP)}</td><td>${VERDICT_TEXT[c.verdict]}</td></tr>`,
  );
  return html`<section id="control"><h2>Gain over the bare model</h2><p class="muted">${HOW}</p>
<table class="control"><thead><tr><th>variant</th><th>model</th><th>variant</th><th>${CONTROL_LABEL}</th><th>Δ (95% CI)</th><th>only variant / only bare, of pairs</th><th>adjusted p</th><th>verdict</th></tr></thead><tbody>${rows}</tbody></table></section>`;
}
