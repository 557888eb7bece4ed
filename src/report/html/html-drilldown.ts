import type { TrustNote } from '../model/rubric-trust-notes.ts';
import type { CellVerdict } from '../../schema/result.ts';
import { groupBy } from '../../score/summarize.ts';
import type { RunMeta } from '../../schema/run-meta.ts';
import { cellAnchor, scenarioAnchor } from './anchors.ts';
import { deltaKey, formatKN, type ScenarioDelta } from '../model/baseline-view.ts';
import { html, type Html } from './html-tag.ts';
import { formatCost, formatDiff } from '../model/matrix-view.ts';
import { renderWordDiff } from './html-diff.ts';
import { renderTrajectory } from './html-trajectory.ts';
import { type AnswerGroup, type AnswerSample, type AnswerSampler, MAX_SHOWN } from '../model/answer-sample.ts';

/**
 * Drill-down per scenario: a `<details>` per scenario holding one `<details>` per variant × model
 * (failing and regressed first, those open), each with the baseline's answers beside the current
 * ones. Identical repeats collapse into one block ("× 3 identical"). Works without script; the gate
 * links to a cell by id and the page's small script (or the browser) opens it.
 */

/** Cells opened by default per scenario; the rest are one line each (a link still opens any of them). */
const MAX_OPEN = 4;

interface DrilldownOptions {
  /** Characters shown before the rest of an answer is folded away. */
  collapseAt: number;
  /** Characters kept per answer at most; the rest stays in results.jsonl. */
  maxOutput: number;
  /** `variantId\0model` keys of the best variants, marked with ★. */
  best: Set<string>;
  baselineRunId?: string;
  /** Flagged or never-calibrated rubrics (and scenarios without reference examples): said beside their verdicts. */
  trust?: readonly TrustNote[];
}

export interface CellGroup {
  variantId: string;
  model: string;
  /** Every cell's verdict (answers may be dropped): the counts. */
  current: CellVerdict[];
  /** The answers shown, bounded (answer-sample.ts). */
  shown: AnswerSample;
  /** The baseline run's answers shown beside them, when its folder is here. */
  baseline?: AnswerSample;
  delta?: ScenarioDelta;
}

/** Where the shown answers come from: samplers fed as results streamed in, or (default) sampled from the arrays. */
interface ShownAnswers {
  current: AnswerSampler;
  baseline: AnswerSampler;
}

export interface ScenarioBlock {
  id: string;
  groups: CellGroup[];
}

/** Scenarios with their variant × model groups, in the report's order: regressed, then failing, then the rest. */
export function groupScenarios(
  results: CellVerdict[],
  deltas: Map<string, ScenarioDelta> | undefined,
  answers: ShownAnswers,
): ScenarioBlock[] {
  const scenarios = [...groupBy(results, (r) => r.scenarioId)].map(([id, cells]) => {
    const groups = [...groupBy(cells, (r) => deltaKey(r.variantId, r.model, id))].map(([key, current]): CellGroup => {
      const { variantId, model } = current[0]!;
      const delta = deltas?.get(key);
      const baseline = answers.baseline.get(variantId, model, id);
      return {
        variantId,
        model,
        current,
        shown: answers.current.get(variantId, model, id) ?? { groups: [], notShown: 0 },
        ...(baseline ? { baseline } : {}),
        ...(delta ? { delta } : {}),
      };
    });
    return { id, groups: groups.sort(compareGroups) };
  });
  return scenarios.sort((a, b) => rank(a.groups) - rank(b.groups) || a.id.localeCompare(b.id));
}

export function renderDrilldown(meta: RunMeta, scenarios: ScenarioBlock[], opts: DrilldownOptions): Html {
  if (!scenarios.length) return html`<p class="muted">No cells in this run.</p>`;
  return html`${scenarios.map((s) => scenario(s.id, s.groups, meta, opts))}`;
}

/** Filter classes of a scenario: `worse` with a cell below the baseline, `failing` with a failing cell. */
export function scenarioClasses(groups: CellGroup[]): string {
  return [groups.some(worse) ? 'worse' : '', groups.some(failingNow) ? 'failing' : ''].filter(Boolean).join(' ');
}

export const failingNow = (g: CellGroup) => g.current.some((c) => c.status !== 'pass');
export const worse = (g: CellGroup) => (g.delta?.delta ?? 0) < 0;

/** Regressed first (largest drop first), then failing, then by variant and model. */
function compareGroups(a: CellGroup, b: CellGroup): number {
  return (
    (a.delta?.delta ?? 0) - (b.delta?.delta ?? 0) ||
    Number(failingNow(b)) - Number(failingNow(a)) ||
    a.variantId.localeCompare(b.variantId) ||
    a.model.localeCompare(b.model)
  );
}

/** A scenario's place in the list: 0 with a regressed cell, 1 with a failing one, 2 otherwise. */
const rank = (groups: CellGroup[]) => (groups.some(worse) ? 0 : groups.some(failingNow) ? 1 : 2);

function scenario(id: string, groups: CellGroup[], meta: RunMeta, opts: DrilldownOptions): Html {
  const title = meta.fingerprints.scenarios[id]?.title;
  const cells = groups.flatMap((g) => g.current);
  const scored = cells.filter((c) => c.status === 'pass' || c.status === 'fail');
  const passed = scored.filter((c) => c.status === 'pass').length;
  const regressed = groups.filter(worse).length;
  // Open what explains the scenario: the cells worse than the baseline, else the failing ones; a few at most.
  const opened = new Set((regressed ? groups.filter(worse) : groups.filter(failingNow)).slice(0, MAX_OPEN));
  return html`<details class="${`scenario sc ${scenarioClasses(groups)}`.trim()}" id="${scenarioAnchor(id)}"><summary><b>${id}</b>${title ? html` — ${title}` : ''} <span class="${scored.length > passed ? 'bad' : 'good'}">${passed}/${scored.length} passed</span>${regressed ? html` <span class="bad">· ${regressed} worse than baseline</span>` : ''}${cells.length > scored.length ? html` <span class="warn">${cells.length - scored.length} not scored</span>` : ''}${meta.uncalibrated?.includes(id) ? html` <span class="warn" title="no reference examples: nothing checked that its assertions tell a good answer from a bad one">uncalibrated</span>` : ''}${scenarioTrust(id, opts)}</summary><div class="cells">${groups.map((g) => cellBlock(id, g, opts, opened.has(g)))}</div></details>`;
}

/** Beside a scenario's verdict: its rubrics that calibration flagged or never checked. */
function scenarioTrust(id: string, opts: DrilldownOptions): Html | '' {
  const notes = (opts.trust ?? []).filter((n) => n.scenarioId === id && n.assertionId !== undefined);
  if (!notes.length) return '';
  const flagged = notes.some((n) => n.kind === 'flagged');
  return html` <span class="warn trust" title="${notes.map((n) => n.text).join('; ')}">⚠ ${flagged ? 'rubric flagged by calibration' : 'rubric never calibrated'}</span>`;
}

function cellBlock(scenarioId: string, g: CellGroup, opts: DrilldownOptions, open: boolean): Html {
  const scored = g.current.filter((c) => c.status === 'pass' || c.status === 'fail');
  const passed = scored.filter((c) => c.status === 'pass').length;
  const best = opts.best.has(`${g.variantId}\u0000${g.model}`);
  const d = g.delta;
  const mark = failingNow(g) ? html`<span class="no">✗</span>` : html`<span class="ok">✓</span>`;
  const vsBase = d?.baseline
    ? html` · baseline → now <b class="${worse(g) ? 'bad' : ''}">${formatKN(d)}</b>${d.delta ? ` (${formatDiff(d.delta)})` : ''}`
    : '';
  const head = html`<summary>${mark} ${best ? html`<span class="best" title="best variant on this model">★</span> ` : ''}<b>${g.variantId}</b> @ ${g.model} <span class="muted">${passed}/${scored.length} passed${vsBase}</span></summary>`;
  const now = html`<div class="side"><h5>now</h5>${answers(g.shown, opts, g.baseline)}</div>`;
  const hasBase = g.baseline || d?.baseline;
  const base = hasBase
    ? html`<div class="side base"><h5>baseline${opts.baselineRunId ? ` (run ${opts.baselineRunId})` : ''}</h5>${g.baseline ? answers(g.baseline, opts) : html`<p class="muted">${d?.baseline ? `${d.baseline.passes}/${d.baseline.runs} passed; ` : ''}answers not available (the baseline run's folder is not here).</p>`}</div>`
    : '';
  return html`<details class="cell" id="${cellAnchor(scenarioId, g.variantId, g.model)}"${open ? html` open` : ''}>${head}<div class="${hasBase ? 'pair' : 'single'}">${base}${now}</div>${open ? answerDiff(g) : ''}</details>`;
}

/** For an opened cell whose answer changed since the baseline: the first baseline answer against the first current one, word by word. */
function answerDiff(g: CellGroup): Html | '' {
  const before = g.baseline?.groups.find((a) => a.cell.output !== undefined)?.cell.output;
  const after = g.shown.groups
    .map((a) => a.cell)
    .sort((a, b) => Number(a.status === 'pass') - Number(b.status === 'pass'))
    .find((c) => c.output !== undefined)?.output;
  if (before === undefined || after === undefined || before === after) return '';
  return html`<details class="wdiff"><summary>word diff of the answers: baseline → now</summary>${renderWordDiff(before, after)}</details>`;
}

/** Repeats grouped by identical outcome and answer (answer-sample.ts); failing groups first. */
function answers(sample: AnswerSample, opts: DrilldownOptions, compareWith?: AnswerSample): Html {
  const groups = [...sample.groups].sort(
    (a, b) => Number(a.cell.status === 'pass') - Number(b.cell.status === 'pass') || a.cell.repeat - b.cell.repeat,
  );
  const baseOutputs = new Set(compareWith?.groups.map((g) => g.cell.output));
  const more = sample.notShown
    ? html`<p class="muted">… ${sample.notShown} more repeat${sample.notShown === 1 ? '' : 's'} with other answers not embedded (the report keeps the first ${MAX_SHOWN.failing} failing and ${MAX_SHOWN.passing} passing distinct answers per variant × model × scenario; every answer is in the run's results.jsonl).</p>`
    : '';
  return html`${groups.map((g) => repeatGroup(g, opts, g.cell.output !== undefined && baseOutputs.has(g.cell.output)))}${more}`;
}

function repeatGroup(group: AnswerGroup, opts: DrilldownOptions, sameAsBaseline: boolean): Html {
  const c = group.cell;
  const n = group.repeats.length;
  const facts = [
    n > 1 ? `#${group.repeats.join(', #')}` : `#${c.repeat}`,
    c.status,
    c.status === 'pass' || c.status === 'fail' ? `score ${c.score.toFixed(2)}` : '',
    c.latencyMs !== undefined ? `${Math.round(c.latencyMs)} ms` : '',
    c.tokens ? `${c.tokens.prompt}+${c.tokens.completion} tok` : '',
    c.cost !== undefined ? formatCost(c.cost) : '',
    c.source && c.source !== 'live' ? c.source : '',
  ].filter(Boolean);
  return html`<div class="rep st-${c.status}"><div class="rep-head">${facts.join(' · ')}${n > 1 ? html` · <b class="same">× ${n} identical</b>` : ''}${sameAsBaseline ? html` · <span class="same">same answer as the baseline</span>` : ''}${c.output !== undefined ? html` · <label class="pick"><input type="checkbox"> compare</label>` : ''}</div>${c.error ? html`<p class="err">${c.error}</p>` : ''}${
    c.assertions.length
      ? html`<ul class="asserts">${c.assertions.map(
          (a) =>
            html`<li class="${a.pass ? 'ok' : 'no'}">${a.pass ? '✓' : '✗'} <b>${a.id}</b> <span class="muted">${a.kind}${a.critical ? ', critical' : ''}${a.gradingError ? ', grader failed' : ''}</span>${a.reason ? html` — ${a.reason}` : ''}${assertionTrust(c.scenarioId, a.id, opts)}</li>`,
        )}</ul>`
      : ''
  }${c.trajectory ? renderTrajectory(c.trajectory) : ''}${c.output !== undefined ? output(c.output, opts) : ''}</div>`;
}

/** Beside an assertion's ✓ or ✗: calibration flagged this rubric, or never checked it. */
function assertionTrust(scenarioId: string, assertionId: string, opts: DrilldownOptions): Html | '' {
  const note = opts.trust?.find((n) => n.scenarioId === scenarioId && n.assertionId === assertionId);
  return note ? html` <span class="warn trust">⚠ ${note.text}: this verdict is not backed by calibration</span>` : '';
}

function output(text: string, opts: DrilldownOptions): Html {
  const cut = safeCut(text, opts.maxOutput);
  const kept = text.slice(0, cut);
  const dropped = text.length - cut;
  const note = dropped
    ? html`<p class="muted">… ${dropped} more characters not embedded (full answer in the run's results.jsonl).</p>`
    : '';
  if (kept.length <= opts.collapseAt) return html`<pre class="out">${kept}</pre>${note}`;
  const head = safeCut(kept, opts.collapseAt);
  return html`<pre class="out">${kept.slice(0, head)}</pre><details class="more"><summary>show ${kept.length - head} more characters</summary><pre class="out">${kept.slice(head)}</pre></details>${note}`;
}

/** An index ≤ `max` that does not split a surrogate pair. */
function safeCut(text: string, max: number): number {
  if (text.length <= max) return text.length;
  const code = text.charCodeAt(max - 1);
  return code >= 0xd800 && code <= 0xdbff ? max - 1 : max;
}
