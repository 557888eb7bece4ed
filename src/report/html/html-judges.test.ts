import { describe, expect, it } from 'vitest';
import type { JudgeAgreement } from '../../score/types.ts';
import { cellAnchor } from './anchors.ts';
import { renderJudges } from './html-judges.ts';
import { judgesMarkdown } from '../text/judges-text.ts';

const HOSTILE = '<img src=x onerror=alert(1)>|`x`';

const judges: JudgeAgreement = {
  rubrics: [
    { scenarioId: 'refunds', assertionId: 'tone', cells: 4, unanimous: 3, split: 1, undecided: 0 },
    { scenarioId: 'outage', assertionId: 'calm', cells: 2, unanimous: 0, split: 2, undecided: 1 },
  ],
  graders: [
    { grader: 'judge-a', votes: 6, decided: 5, withMajority: 5, couldNotGrade: 0 },
    { grader: HOSTILE, votes: 5, decided: 5, withMajority: 3, couldNotGrade: 1 },
  ],
  splits: [
    {
      variantId: 'support-v2',
      model: 'm1',
      scenarioId: 'outage',
      repeat: 0,
      assertionId: 'calm',
      decided: 'none',
      votes: [{ grader: 'judge-a', pass: true }, { grader: HOSTILE }],
    },
  ],
  splitCount: 3,
};

describe('the judges section', () => {
  it('HTML: rubrics least agreed first, graders, split cells linking to the drill-down; every label escaped', () => {
    const page = renderJudges(judges).toString();
    expect(page.indexOf('<td>outage</td><td>calm</td>')).toBeLessThan(page.indexOf('<td>refunds</td><td>tone</td>'));
    expect(page).toContain('<td>refunds</td><td>tone</td><td>4</td><td>0.75 (3/4)</td><td>1</td><td>0</td>');
    expect(page).toContain('<td>judge-a</td><td>6</td><td>1.00 (5/5)</td><td>0</td>');
    expect(page).toContain(`href="#${cellAnchor('outage', 'support-v2', 'm1')}"`);
    expect(page).toContain('no majority (grading error): judge-a pass, &lt;img src=x onerror=alert(1)&gt;|`x` could not grade');
    expect(page).not.toContain('<img');
    expect(page).toContain('… and 2 more in results.jsonl');
    expect(renderJudges(undefined)).toBe('');
  });

  it('Markdown: the same figures, table cells escaped', () => {
    const md = judgesMarkdown(judges).join('\n');
    expect(md).toContain('| refunds | tone | 4 | 0.75 (3/4) | 1 | 0 |');
    expect(md).toContain('| judge-a | 6 | 1.00 (5/5) | 0 |');
    expect(md).toContain('Cells where the graders split (3):');
    expect(md).not.toContain('<img');
    // A pipe in a grader label cannot open a new table cell.
    const row = md.split('\n').find((l) => l.includes('onerror'))!;
    expect(row.split(/(?<!\\)\|/).length).toBe(6);
    expect(judgesMarkdown(undefined)).toEqual([]);
  });
});
