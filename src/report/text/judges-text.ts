import type { JudgeAgreement, SplitCell } from '../../score/types.ts';
import { escapeMarkdownCell as cell } from './escape.ts';

/** `0.75 (3/4)`, or `—` when there is nothing to rate. */
export function agreementRate(agreed: number, of: number): string {
  return of === 0 ? '—' : `${(agreed / of).toFixed(2)} (${agreed}/${of})`;
}

/** `decided fail: judge-a pass, judge-b fail, judge-c fail` (`could not grade` for a missing verdict). */
export function describeVotes(s: SplitCell): string {
  const votes = s.votes.map((v) => `${v.grader} ${v.pass === undefined ? 'could not grade' : v.pass ? 'pass' : 'fail'}`).join(', ');
  return `${s.decided === 'none' ? 'no majority (grading error)' : `decided ${s.decided}`}: ${votes}`;
}

/** Split cells listed in summary.md; the HTML report lists more. */
const SPLITS_IN_MARKDOWN = 10;

/**
 * The "Judge agreement" part of summary.md: per rubric and per grader, and the first split cells.
 *
 * @example
 * judgesMarkdown(summary.judges) // ['### Judge agreement', '', '| scenario | rubric | …', …]
 */
export function judgesMarkdown(judges: JudgeAgreement | undefined): string[] {
  if (!judges) return [];
  const lines = [
    '### Judge agreement',
    '',
    `A panel of ${judges.graders.length} graders decided each rubric by majority.`,
    '',
    '| scenario | rubric | cells | all agreed | split | no majority |',
    '|---|---|---:|---:|---:|---:|',
    ...judges.rubrics.map(
      (r) =>
        `| ${cell(r.scenarioId)} | ${cell(r.assertionId)} | ${r.cells} | ${agreementRate(r.unanimous, r.cells)} | ${r.split} | ${r.undecided} |`,
    ),
    '',
    '| grader | verdicts | with the majority | could not grade |',
    '|---|---:|---:|---:|',
    ...judges.graders.map((g) => `| ${cell(g.grader)} | ${g.votes} | ${agreementRate(g.withMajority, g.decided)} | ${g.couldNotGrade} |`),
    '',
  ];
  if (judges.splitCount === 0) return [...lines, 'The graders agreed on every cell.', ''];
  lines.push(`Cells where the graders split (${judges.splitCount}):`, '');
  for (const s of judges.splits.slice(0, SPLITS_IN_MARKDOWN))
    lines.push(
      `- ${cell(`${s.scenarioId} · ${s.variantId} · ${s.model} · repeat ${s.repeat + 1}`)}: \`${s.assertionId.replace(/`/g, '')}\` ${cell(describeVotes(s))}`,
    );
  if (judges.splitCount > SPLITS_IN_MARKDOWN) lines.push(`- … and ${judges.splitCount - SPLITS_IN_MARKDOWN} more in the HTML report`);
  return [...lines, ''];
}
