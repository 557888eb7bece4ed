/**
 * Issue 29: the page says what matters once and is never silent about what a verdict rests on.
 * 17 agents found, 4 of them ran; a single run of history; a flagged rubric; no baseline.
 */
import { describe, expect, it } from 'vitest';
import { syntheticEntry, syntheticMeta, syntheticResults, syntheticSummary } from '../../../test/support/report-synthetic.ts';
import { renderHtml, type ReportInput } from './html.ts';
import { type RubricTrust, trustNotes, trustSentence } from '../model/rubric-trust-notes.ts';

const RAN = ['auditor', 'reviewer', 'scribe', 'tester'];
const ALL = [...RAN, ...Array.from({ length: 13 }, (_, i) => `idle-${String(i).padStart(2, '0')}`)];

function page(over: Partial<Omit<ReportInput, 'results' | 'shown'>> = {}): { html: string; section: (id: string) => string } {
  const meta = syntheticMeta({ variants: ALL, models: ['m1'], scenarios: 2 });
  for (const [i, id] of ALL.entries()) meta.fingerprints.variants[id]!.agent = id === 'reviewer' ? 'reviewer' : `agent-${i}`;
  const results = syntheticResults({ variants: RAN, models: ['m1'], scenarios: 2 }).map((r) => ({
    ...r,
    agent: meta.fingerprints.variants[r.variantId]!.agent,
  }));
  const summary = { ...syntheticSummary(results, meta.runId), pairwise: [] };
  const html = renderHtml({
    meta,
    results,
    summary,
    history: [syntheticEntry(meta.runId, { variants: RAN, models: ['m1'] })],
    ...over,
  });
  const section = (id: string) => html.match(new RegExp(`<section id="${id}">[\\s\\S]*?</section>`))![0];
  return { html, section };
}

describe('the report as a reviewer reads it', () => {
  it('prompt diffs: only the variants that ran, each once, the unchanged folded into one line (item 1)', () => {
    const prompts = Object.fromEntries(ALL.map((id) => [id, syntheticMeta({ variants: ALL }).fingerprints.variants[id]!.systemPrompt]));
    prompts.auditor = 'An older prompt.\n';
    const { section } = page({ baseline: { runId: 'base-1', time: 't', git: {}, source: 'reports/baseline.json', cells: [], prompts } });
    const diffs = section('prompts');
    for (const idle of ALL.filter((id) => !RAN.includes(id))) expect(diffs).not.toContain(idle);
    expect(diffs.match(/unchanged since the baseline/g)).toHaveLength(1);
    expect(diffs).toContain('<summary>3 variants unchanged since the baseline (run base-1)</summary>');
    expect(diffs).toContain('<b>auditor</b>: baseline run base-1 → this run');
    expect(diffs.match(/unchanged since their previous run|with no earlier run/g)).toHaveLength(1);
    expect(diffs).toContain('Each agent in this run has a single variant.');
    // A gate row's link to an unchanged variant still lands: the anchor is inside the fold.
    expect(diffs).toMatch(/<span id="pd-[^"]*">reviewer<\/span>/);
  });

  it('no empty sections: no pairwise comparison is one line, a one-run series is a number (item 2)', () => {
    const { section } = page();
    expect(section('overview')).toContain('<b>Pairwise comparisons</b>: none, each agent ran a single variant per model.');
    expect(section('overview')).not.toContain('<h3>Pairwise comparisons</h3>');
    expect(section('overview')).not.toContain('every pair with its test (0)');
    const trends = section('trends');
    expect(trends).not.toContain('<svg');
    expect(trends).toMatch(
      /<b>One run so far<\/b> \(a trend needs two\): <span>auditor @ m1 <b>\d+%<\/b> \(\d+\/\d+, run 20260301-120000-abcd\)<\/span>/,
    );
  });

  it('a verdict on a flagged or never-calibrated rubric says so beside it (item 3)', () => {
    const trust: RubricTrust = {
      grader: 'openai:chat:judge',
      flagged: [{ scenarioId: 'scenario-0', assertionId: 'mentions-x', label: 'rubric: "…"', why: 'accuracy 0.50' }],
      uncalibrated: [],
    };
    const { html, section } = page({ rubricTrust: trust });
    expect(section('gate')).toContain(
      '⚠ calibration does not back this verdict: it rests on 1 flagged rubric (scenario-0: rubric `mentions-x` flagged by its last calibration with openai:chat:judge (accuracy 0.50))',
    );
    const scenario0 = html.match(/<details class="scenario[^"]*" id="[^"]*scenario-0[^"]*">[\s\S]*?<\/details><\/div><\/details>/)![0];
    expect(scenario0).toContain('⚠ rubric flagged by calibration');
    expect(scenario0).toMatch(
      /<b>mentions-x<\/b>.*?⚠ rubric `mentions-x` flagged by its last calibration with openai:chat:judge \(accuracy 0\.50\): this verdict is not backed by calibration/,
    );
    expect(html).not.toMatch(/scenario-1: rubric/);
  });

  it('a Gate section for every run: no baseline yet, thresholds only, and what to do (item 4)', () => {
    const gate = page().section('gate');
    expect(gate).toContain('No baseline yet for these models: thresholds only</b> (m1)');
    expect(gate).toContain('agent-evals bless 20260301-120000-abcd');
  });
});

describe('trustSentence', () => {
  it('counts flagged rubrics, never-calibrated ones and scenarios without reference examples apart', () => {
    const notes = trustNotes(
      {
        grader: 'g',
        flagged: [{ scenarioId: 'a', assertionId: 'r1', label: 'rubric', why: 'accuracy 0.50' }],
        uncalibrated: [{ scenarioId: 'b', assertionId: 'r2', label: 'rubric' }],
      },
      { uncalibrated: ['c'] },
    );
    expect(trustSentence(notes)).toBe(
      'calibration does not back this verdict: it rests on 1 flagged rubric, 1 never-calibrated rubric and 1 scenario without reference examples (a: rubric `r1` flagged by its last calibration with g (accuracy 0.50); b: rubric `r2` never calibrated with g; c: no reference examples: its assertions were never calibrated); run `agent-evals calibrate`',
    );
  });
});
