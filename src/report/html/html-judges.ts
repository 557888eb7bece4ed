import type { JudgeAgreement, SplitCell } from '../../score/types.ts';
import { cellAnchor } from './anchors.ts';
import { html, type Html } from './html-tag.ts';
import { agreementRate, describeVotes } from '../text/judges-text.ts';

/**
 * The "Judges" section: with a panel of graders, how often they agreed per rubric and per grader, and
 * the cells where they split, each linking to its answers in the drill-down. Empty with one grader.
 *
 * @example
 * renderJudges(summary.judges) // '<section id="judges">…' or ''
 */
export function renderJudges(judges: JudgeAgreement | undefined): Html | '' {
  if (!judges) return '';
  const rubrics = [...judges.rubrics].sort((a, b) => a.unanimous / a.cells - b.unanimous / b.cells);
  return html`<section id="judges"><h2>Judges</h2>
<p class="muted">Each rubric was graded by every grader of the panel and decided by their majority; a tie is a grading error, not a verdict. Agreement: the share of graded cells where every grader gave the same verdict (per rubric), or voted with the majority (per grader). Least agreed first.</p>
<table class="judges"><thead><tr><th>scenario</th><th>rubric</th><th>cells</th><th>all agreed</th><th>split</th><th>no majority</th></tr></thead><tbody>${rubrics.map(
    (r) =>
      html`<tr><td>${r.scenarioId}</td><td>${r.assertionId}</td><td>${r.cells}</td><td>${agreementRate(r.unanimous, r.cells)}</td><td>${r.split}</td><td>${r.undecided}</td></tr>`,
  )}</tbody></table>
<table class="judges"><thead><tr><th>grader</th><th>verdicts</th><th>with the majority</th><th>could not grade</th></tr></thead><tbody>${judges.graders.map(
    (g) =>
      html`<tr><td>${g.grader}</td><td>${g.votes}</td><td>${agreementRate(g.withMajority, g.decided)}</td><td>${g.couldNotGrade}</td></tr>`,
  )}</tbody></table>
${splitList(judges)}</section>`;
}

function splitList(judges: JudgeAgreement): Html | '' {
  if (judges.splitCount === 0) return html`<p>The graders agreed on every cell.</p>`;
  const more = judges.splitCount - judges.splits.length;
  return html`<h3>Cells where the graders split (${judges.splitCount})</h3><ul class="splits">${judges.splits.map(splitItem)}</ul>${more > 0 ? html`<p class="muted">… and ${more} more in results.jsonl (each rubric's <code>votes</code>).</p>` : ''}`;
}

function splitItem(s: SplitCell): Html {
  return html`<li><a href="#${cellAnchor(s.scenarioId, s.variantId, s.model)}">${s.scenarioId} · ${s.variantId} · ${s.model} · repeat ${s.repeat + 1}</a>: <code>${s.assertionId}</code> ${describeVotes(s)}</li>`;
}
