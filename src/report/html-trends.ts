import type { TrendPoint, TrendSeries } from './trends.ts';
import { html, type Html } from './html-tag.ts';
import { formatRate } from './matrix.ts';

/**
 * Inline SVG trend charts, one per variant × model: pass rate (solid) and mean score (dotted) per
 * run, a new line after each break (dashed rule, reason on hover), a triangle where the prompt
 * changed. Only aggregates are embedded; at most `maxPoints` recent runs are drawn per chart.
 */

const W = 360;
const H = 90;
const PAD = 4;

export function renderTrends(series: TrendSeries[], maxPoints = 400): Html {
  if (!series.length)
    return html`<p class="muted">No history yet: trends appear after the first run is recorded in reports/history.jsonl.</p>`;
  return html`<div class="charts">${series.map((s) => chart(s, maxPoints))}</div>`;
}

function chart(s: TrendSeries, maxPoints: number): Html {
  const all = s.segments.flatMap((seg, si) =>
    seg.points.map((p, pi) => ({ p, seg: si, first: pi === 0 && si > 0, reason: seg.breakReason })),
  );
  const total = all.length;
  const shown = all.slice(-maxPoints);
  const n = shown.length;
  const x = (i: number) => (n === 1 ? W / 2 : PAD + (i * (W - 2 * PAD)) / (n - 1));
  const y = (v: number) => PAD + (1 - v) * (H - 2 * PAD);
  const lines: Html[] = [];
  const marks: Html[] = [];
  for (const key of ['passRate', 'score'] as const) {
    let run: Array<[string, string]> = [];
    let seg = -1;
    const flush = () => {
      if (run.length > 1)
        lines.push(
          html`<polyline class="${key === 'passRate' ? 'l-rate' : 'l-score'}" points="${run.map(([a, b]) => `${a},${b}`).join(' ')}"/>`,
        );
      else if (run.length === 1 && key === 'passRate') lines.push(html`<circle class="dot" r="2" cx="${run[0]![0]}" cy="${run[0]![1]}"/>`);
      run = [];
    };
    shown.forEach(({ p, seg: si }, i) => {
      const v = p[key];
      if (si !== seg || v === null) flush();
      seg = si;
      if (v !== null) run.push([x(i).toFixed(1), y(v).toFixed(1)]);
    });
    flush();
  }
  shown.forEach(({ p, first, reason }, i) => {
    const cx = x(i).toFixed(1);
    if (first)
      marks.push(
        html`<line class="brk" x1="${cx}" x2="${cx}" y1="0" y2="${H}"><title>${`Break before ${p.runId}: ${reason ?? 'tests changed'}. Points on either side are not comparable.`}</title></line>`,
      );
    if (p.promptChanged)
      marks.push(
        html`<path class="pc" d="${`M${cx} ${H - 8}l-4 7h8z`}"><title>${`Prompt changed in ${p.runId} (${point(p)})`}</title></path>`,
      );
  });
  const last = shown.at(-1)?.p;
  const breaks = shown.filter(({ first }) => first).length;
  const changes = shown.filter(({ p }) => p.promptChanged).length;
  const label = `${s.variantId} @ ${s.model}: ${total} run${total === 1 ? '' : 's'}${last ? `, latest ${formatRate(last.passRate)}` : ''}`;
  const span = n ? `${shown[0]!.p.time.slice(0, 10)} → ${shown[n - 1]!.p.time.slice(0, 10)}` : '';
  return html`<figure class="chart"><figcaption><b>${s.variantId}</b> @ ${s.model} <span class="muted">${last ? formatRate(last.passRate) : ''} · ${total} run${total === 1 ? '' : 's'}${total > n ? ` (last ${n} drawn)` : ''}${changes ? ` · ${changes} prompt change${changes === 1 ? '' : 's'} ▲` : ''}${breaks ? ` · ${breaks} break${breaks === 1 ? '' : 's'} ┆` : ''}</span></figcaption><svg viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${label}"><title>${label}</title><line class="grid" x1="0" x2="${W}" y1="${y(0.5)}" y2="${y(0.5)}"/><text class="ax" x="${W - 2}" y="${y(1) + 8}">100%</text>${lines}${marks}</svg><div class="muted span">${span}</div></figure>`;
}

function point(p: TrendPoint): string {
  return `pass rate ${formatRate(p.passRate)}, ${p.passes}/${p.runs}`;
}
