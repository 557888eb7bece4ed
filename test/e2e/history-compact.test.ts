/**
 * `agent-evals history compact` through the real CLI (issue 14, item 2): the newest runs keep every
 * aggregate, older ones their per-variant × model totals; format-1 lines are rewritten in the compact
 * format; a damaged line stays where it was; the report's trends are the same before and after.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { historyFile, readHistory } from '../../src/io/history/history.ts';
import { aggregateRun } from '../../src/score/aggregate-results.ts';
import { createProject } from '../support/project-fixture.ts';
import { runCliOn } from '../support/run-cli.ts';
import { writeRunFolder } from '../support/report-project.ts';
import { syntheticMeta, syntheticResults } from '../support/report-synthetic.ts';

const trendsOf = (root: string) => {
  const html = readFileSync(path.join(root, 'reports', 'index.html'), 'utf8');
  return html.slice(html.indexOf('<section id="trends">'), html.indexOf('</section>', html.indexOf('<section id="trends">')));
};

describe('agent-evals history compact', () => {
  it('keeps the newest N runs whole and older ones as totals, in one rewrite, with the same trends', async () => {
    using project = createProject({ seedAgents: false });
    const shape = { variants: ['reviewer', 'reviewer-terse'], models: ['m1', 'm2'], scenarios: 4, repeats: 3 };
    for (let i = 0; i < 6; i++) {
      const meta = syntheticMeta({ ...shape, runId: `2026030${i + 1}-120000-000${i}` });
      meta.startedAt = meta.finishedAt = `2026-03-0${i + 1}T12:00:00.000Z`;
      // The prompt of one variant changes at run 3: a ▲ that must survive compaction.
      if (i >= 3) meta.fingerprints.variants.reviewer!.hash = 'reviewer-h2';
      const results = syntheticResults({ ...shape, seed: i + 1 }).map((r) =>
        i >= 3 && r.variantId === 'reviewer' ? { ...r, variantHash: 'reviewer-h2' } : r,
      );
      await writeRunFolder(project.root, meta, results);
      expect(aggregateRun(results).length).toBe(16);
    }
    // The first three lines as agent-evals wrote them before the compact format (format 1), then a damaged one.
    const file = historyFile(project.root);
    const lines = readFileSync(file, 'utf8').trim().split('\n');
    const { entries } = await readHistory(project.root);
    const old = [...entries.slice(0, 3).map((e) => JSON.stringify(e)), '{"runId":"torn","ti', ...lines.slice(3)];
    writeFileSync(file, `${old.join('\n')}\n`);

    const before = await runCliOn(project.root, ['report']);
    expect(before.code, before.stderr).toBe(0);
    expect(before.stderr).toMatch(/^warning: reports\/history\.jsonl:4: broken JSON/m);
    const trendsBefore = trendsOf(project.root);
    expect(trendsBefore).toContain('Prompt changed in 20260304-120000-0003');

    const r = await runCliOn(project.root, ['history', 'compact', '--keep', '2']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(
      /^reports\/history\.jsonl: 6 runs, the newest 2 in full; compacted 4 to per-variant × model totals; [\d.]+ KB → [\d.]+ KB$/m,
    );
    expect(r.stderr).toBe('warning: 1 damaged line left as they are (agent-evals report names them)\n');

    const text = readFileSync(file, 'utf8');
    const after = text.trim().split('\n');
    expect(after).toHaveLength(7);
    expect(after[3]).toBe('{"runId":"torn","ti');
    expect(text.length).toBeLessThan(old.join('\n').length / 2);
    const read = await readHistory(project.root);
    expect(read.damaged).toEqual([{ line: 4, message: expect.stringMatching(/^broken JSON/) }]);
    expect(read.entries.map((e) => [e.runId, e.cells.length, e.totals?.length ?? 0])).toEqual([
      ['20260301-120000-0000', 0, 4],
      ['20260302-120000-0001', 0, 4],
      ['20260303-120000-0002', 0, 4],
      ['20260304-120000-0003', 0, 4],
      ['20260305-120000-0004', 16, 0],
      ['20260306-120000-0005', 16, 0],
    ]);
    for (const [i, line] of after.entries()) if (i !== 3) expect(JSON.parse(line)).toMatchObject({ v: 2 });

    const again = await runCliOn(project.root, ['report']);
    expect(again.code, again.stderr).toBe(0);
    expect(trendsOf(project.root)).toBe(trendsBefore);

    // Nothing left to compact: the file is not rewritten.
    const second = await runCliOn(project.root, ['history', 'compact', '--keep', '2']);
    expect(second.stdout).toMatch(/compacted 0 to per-variant × model totals/);
    expect(readFileSync(file, 'utf8')).toBe(text);
  });

  it('says when there is nothing to compact, and refuses a bad --keep in one line', async () => {
    using project = createProject({ seedAgents: false });
    const empty = await runCliOn(project.root, ['history', 'compact']);
    expect(empty).toMatchObject({ code: 0, stdout: 'reports/history.jsonl: no runs recorded yet, nothing to compact\n' });
    const bad = await runCliOn(project.root, ['history', 'compact', '--keep', 'many']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^error: option '--keep <n>' argument 'many' is invalid: expected a whole number from 0 to 1000000\n$/);
  });
});
