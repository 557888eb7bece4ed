import type { TrendPoint, TrendSeries } from '../model/trends.ts';
import { html, type Html } from './html-tag.ts';
import { formatRate } from '../model/matrix-view.ts';

/**
 * Inline SVG trend charts, one per variant × model: pass rate (solid) and mean score (dotted) per
 * run, a new line after each break (dashed rule, reason on hover), a triangle where the prompt
 * changed (a link to the prompt diff), the baseline run marked, the latest runs as points with their
 * run id and commit on hover. Series the gate flagged come first; flat ones fold into one line.
 */

interface TrendOptions {
  /** Trend points drawn per chart at most. */
  maxPoints?: number;
  baselineRunId?: string;
  /** `variantId\0model` keys drawn first (the gate's regressions and improvements). */
  first?: Set<string>;
  /** Element id of a variant's prompt diff, for the ▲ links. */
  promptAnchor?: (variantId: string) => string;
}

const W = 360;
const H = 90;
const LEFT = 30;
const PAD = 5;
/** Points drawn as dots with a tooltip (the latest ones); older runs stay on the line only. */
const DOTS = 40;

export function renderTrends(series: TrendSeries[], opts: TrendOptions = {}): Html {
  if (!series.length)
    return html`<p class="muted">No history yet: trends appear after the first run is recorded in reports/history.jsonl.</p>`;
  const key = (s: TrendSeries) => `${s.variantId}\u0000${s.model}`;
  // One run is a number, not a chart: a lone dot says nothing a figure does not.
  const single = series.filter((s) => runsOf(s).length === 1);
  const drawn = series.filter((s) => runsOf(s).length > 1);
  const first = drawn.filter((s) => opts.first?.has(key(s)));
  const rest = drawn.filter((s) => !opts.first?.has(key(s)));
  const flat = rest.filter(isFlat);
  const moving = rest.filter((s) => !isFlat(s));
  const charts = [...first, ...moving];
  return html`${charts.length ? html`<div class="charts">${charts.map((s) => chart(s, opts))}</div>` : ''}${
    single.length
      ? html`<p class="single"><b>One run so far</b> (a trend needs two): ${single.map((s, i) => {
          const p = runsOf(s)[0]!;
          return html`${i ? ' · ' : ''}<span>${s.variantId} @ ${s.model} <b>${formatRate(p.passRate)}</b> (${p.passes}/${p.runs}, run ${p.runId})</span>`;
        })}</p>`
      : ''
  }${
    flat.length
      ? html`<p class="flat"><b>Flat</b> (the same pass rate in every run, no prompt or test change): ${flat.map((s, i) => {
          const pts = s.segments.flatMap((g) => g.points);
          return html`${i ? ' · ' : ''}<span>${s.variantId} @ ${s.model} ${formatRate(pts[0]!.passRate)} × ${pts.length} runs</span>`;
        })}</p>`
      : ''
  }`;
}

function runsOf(s: TrendSeries): TrendPoint[] {
  return s.segments.flatMap((g) => g.points);
}

function isFlat(s: TrendSeries): boolean {
  if (s.segments.length !== 1) return false;
  const pts = s.segments[0]!.points;
  return pts.length > 1 && pts.every((p) => p.passRate === pts[0]!.passRate && !p.promptChanged);
}

function chart(s: TrendSeries, opts: TrendOptions): Html {
  const all = s.segments.flatMap((seg, si) =>
    seg.points.map((p, pi) => ({ p, seg: si, first: pi === 0 && si > 0, reason: seg.breakReason })),
  );
  const total = all.length;
  const shown = all.slice(-(opts.maxPoints ?? 400));
  const n = shown.length;
  const x = (i: number) => (n === 1 ? (LEFT + W) / 2 : LEFT + PAD + (i * (W - LEFT - 2 * PAD)) / (n - 1));
  const y = (v: number) => PAD + (1 - v) * (H - 2 * PAD);
  const marks: Html[] = [];
  const anchor = opts.promptAnchor?.(s.variantId);
  shown.forEach(({ p, first, reason }, i) => {
    const cx = x(i).toFixed(1);
    if (first)
      marks.push(
        html`<line class="brk" x1="${cx}" x2="${cx}" y1="0" y2="${H}"><title>${`Break before ${p.runId}: ${reason ?? 'tests changed'}. Points on either side are not comparable.`}</title></line>`,
      );
    if (p.runId === opts.baselineRunId)
      marks.push(
        html`<line class="base" x1="${cx}" x2="${cx}" y1="0" y2="${H}"><title>${`Baseline: run ${p.runId} (${point(p)})`}</title></line>`,
      );
    if (p.promptChanged) {
      const tri = html`<path class="pc" d="${`M${cx} ${H - 9}l-5 8h10z`}"><title>${`Prompt changed in ${p.runId} (${point(p)})`}</title></path>`;
      marks.push(anchor ? html`<a href="#${anchor}">${tri}</a>` : tri);
    }
    if (i >= n - DOTS && p.passRate !== null)
      marks.push(
        html`<circle class="pt" r="2.5" cx="${cx}" cy="${y(p.passRate).toFixed(1)}"><title>${`${p.runId}${p.commit ? ` @ ${p.commit.slice(0, 10)}` : ''} · ${p.time.slice(0, 16).replace('T', ' ')} · ${point(p)}`}</title></circle>`,
      );
  });
  const last = shown.at(-1)?.p;
  const breaks = shown.filter(({ first }) => first).length;
  const changes = shown.filter(({ p }) => p.promptChanged).length;
  const label = `${s.variantId} @ ${s.model}: ${total} run${total === 1 ? '' : 's'}${last ? `, latest ${formatRate(last.passRate)}` : ''}`;
  const span = n ? `${shown[0]!.p.runId} → ${shown[n - 1]!.p.runId}` : '';
  return html`<figure class="chart"><figcaption><b>${s.variantId}</b> @ ${s.model} <span class="muted">${last ? formatRate(last.passRate) : ''} · ${total} run${total === 1 ? '' : 's'}${total > n ? ` (last ${n} drawn)` : ''}${changes ? ` · ${changes} prompt change${changes === 1 ? '' : 's'} ▲` : ''}${breaks ? ` · ${breaks} break${breaks === 1 ? '' : 's'} ┆` : ''}</span></figcaption><svg viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${label}"><title>${label}</title>${[1, 0.5, 0].map((v) => html`<line class="grid" x1="${LEFT}" x2="${W}" y1="${y(v)}" y2="${y(v)}"/><text class="ax" x="${LEFT - 3}" y="${y(v) + 3.5}">${formatRate(v)}</text>`)}${lines(shown, x, y)}${marks}</svg><div class="muted span">${span}</div>${pointTable(
    shown.slice(-DOTS).map(({ p }) => p),
    opts.baselineRunId,
  )}</figure>`;
}

/** The drawn points as a table, one keyboard stop per chart: what a pointer reads by hovering, newest first. */
function pointTable(points: TrendPoint[], baselineRunId: string | undefined): Html {
  if (points.length === 0) return html``;
  const rows = [...points]
    .reverse()
    .map(
      (p) =>
        html`<tr><td>${p.runId}${p.runId === baselineRunId ? ' (baseline)' : ''}</td><td>${p.commit ? p.commit.slice(0, 10) : '—'}</td><td>${p.time.slice(0, 16).replace('T', ' ')}</td><td>${point(p)}</td><td>${p.promptChanged ? 'prompt changed' : ''}</td></tr>`,
    );
  return html`<details class="pts"><summary>runs (${points.length})</summary><div class="scroll"><table><thead><tr><th>run</th><th>commit</th><th>time</th><th>result</th><th></th></tr></thead><tbody>${rows}</tbody></table></div></details>`;
}

function lines(shown: Array<{ p: TrendPoint; seg: number }>, x: (i: number) => number, y: (v: number) => number): Html[] {
  const out: Html[] = [];
  for (const key of ['passRate', 'score'] as const) {
    let run: Array<[string, string]> = [];
    let seg = -1;
    const flush = () => {
      if (run.length > 1)
        out.push(
          html`<polyline class="${key === 'passRate' ? 'l-rate' : 'l-score'}" points="${run.map(([a, b]) => `${a},${b}`).join(' ')}"/>`,
        );
      else if (run.length === 1 && key === 'passRate') out.push(html`<circle class="dot" r="2" cx="${run[0]![0]}" cy="${run[0]![1]}"/>`);
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
  return out;
}

function point(p: TrendPoint): string {
  const judge = p.judge
    ? ` · judge ${p.judge.grader}: calibration accuracy ${p.judge.accuracy.toFixed(2)}, ${p.judge.flagged} of ${p.judge.rubrics} rubric${p.judge.rubrics === 1 ? '' : 's'} flagged`
    : '';
  return `pass rate ${formatRate(p.passRate)}, ${p.passes}/${p.runs}${judge}`;
}
