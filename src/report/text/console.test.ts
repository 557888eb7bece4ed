import { describe, expect, it } from 'vitest';
import { summarizeRun } from '../../score/summarize.ts';
import { renderConsoleMatrix } from './console.ts';
import { cutMiddle, formatTable } from './table.ts';
import { syntheticResults, syntheticSummary } from '../../../test/support/report-synthetic.ts';

describe('renderConsoleMatrix', () => {
  it('prints variants down and models across, the best marked, and decided verdicts', () => {
    const summary = syntheticSummary(syntheticResults({ variants: ['reviewer', 'reviewer-terse'], models: ['m1', 'm2'] }));
    const lines = renderConsoleMatrix(summary).split('\n');
    expect(lines[0]).toMatch(/^variant\s+m1\s+m2$/);
    expect(lines[1]).toMatch(/^-+\s+-+\s+-+$/);
    expect(lines[2]).toMatch(/^reviewer\s+(★ )?\d+% \[\d+–\d+%\]/);
    expect(lines[3]).toMatch(/^reviewer-terse\s/);
    expect(lines.join('\n')).toContain('★');
    expect(lines).toContain('  reviewer-terse vs reviewer on m1: worse (−44 pts over 9 pairs, Holm p=0.250)');
    expect(lines).toContain('  1 comparison inconclusive (see summary.md)');
  });

  it("says how many answers came from promptfoo's cache", () => {
    const results = syntheticResults({ variants: ['reviewer', 'reviewer-terse'], models: ['m1'] }).map((r, i) => ({
      ...r,
      source: i < 5 ? ('cache' as const) : ('live' as const),
    }));
    const answers = results.filter((r) => r.status !== 'not-run' && r.status !== 'not-recorded').length;
    const text = renderConsoleMatrix(summarizeRun('r', results));
    expect(text.split('\n')).toContain(`5 of ${answers} answers came from promptfoo's cache, not from a model call`);
    expect(
      renderConsoleMatrix(
        summarizeRun(
          'r',
          results.map((r) => ({ ...r, source: 'live' as const })),
        ),
      ),
    ).not.toMatch(/cache/);
  });

  it('never shows two variant ids as the same cut text, and shows control characters (issue 29, items 6 and 7)', () => {
    const long = 'backend-development-security-auditor/security-strict';
    const results = syntheticResults({ variants: [long, `${long.replace('strict', 'lenient')}`, 'short\u001b[31m'], models: ['m1'] });
    const text = renderConsoleMatrix(summarizeRun('r', results));
    const ids = text
      .split('\n')
      .slice(2, 5)
      .map((l) => l.split(/ {2,}/)[0]!);
    expect(new Set(ids).size).toBe(3);
    expect(ids.some((id) => id.endsWith('security-strict'))).toBe(true);
    expect(ids.some((id) => id.endsWith('security-lenient'))).toBe(true);
    expect(text).toContain('short␛[31m');
    expect(text).not.toContain('\u001b');
  });

  it('does not repeat an agent name the variant id already starts with', () => {
    const results = syntheticResults({ variants: ['auditor', 'auditor/strict', 'terse'], models: ['m1'] }).map((r) => ({
      ...r,
      agent: r.variantId === 'terse' ? 'reviewer' : 'auditor',
    }));
    const ids = renderConsoleMatrix(summarizeRun('r', results))
      .split('\n')
      .slice(2, 5)
      .map((l) => l.split(/ {2,}/)[0]);
    expect(ids.sort()).toEqual(['auditor', 'auditor/strict', 'reviewer/terse']);
  });

  it('cuts a long id in the middle, keeping its tail, and leaves a column uncut where a cut would make two read the same', () => {
    expect(cutMiddle('backend-development-security-auditor/security-strict', 24)).toBe('backend-dev…urity-strict');
    const rows = [['agent-1-aaaaaaaaaaaaaa-zz'], ['agent-2-aaaaaaaaaaaaaa-zz'], ['other-agent-3-aaaaaaaaaaaaaa-zz']];
    expect(formatTable(['v'], rows, 10).split('\n').slice(2)).toEqual(rows.map((r) => r[0]));
    expect(formatTable(['v'], [rows[0]!, rows[2]!], 10).split('\n').slice(2)).toEqual(['agen…aa-zz', 'othe…aa-zz']);
  });

  it('says so when the run has no cells', () => {
    expect(renderConsoleMatrix({ runId: 'r', variants: [], pairwise: [], flaky: [] })).toBe('run r: no cells');
  });
});
