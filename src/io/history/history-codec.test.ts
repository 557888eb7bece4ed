import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodeHistoryLine, encodeHistoryEntry, totalsOnly } from './history-codec.ts';
import { lineTotals, readLineFast } from './history-read.ts';
import { historyLine } from './history.ts';
import { trendSeries } from '../../report/model/trends.ts';
import type { HistoryEntry } from '../../schema/aggregate.ts';
import { CompactHistoryLine, historyHash } from '../../schema/history-line.ts';
import { syntheticAggregate, syntheticEntry } from '../../../test/support/report-synthetic.ts';
import { BENCH_SHAPE, shapedEntry, STARTER_SHAPE } from '../../../test/support/history-shape.ts';
import { historyTextReader } from '../../../test/support/history-text.ts';

/** Real format-1 lines, written by agent-evals before the compact format (a starter `init` run and a 100-aggregate run). */
const FORMAT_1 = readFileSync('test/fixtures/history/format-1.jsonl', 'utf8');

/** What format 2 keeps of an entry: fingerprints to 12 hex digits, score sums to 1e-6. */
const shortened = (e: HistoryEntry): HistoryEntry => ({
  ...e,
  cells: e.cells.map((c) => ({
    ...c,
    scoreSum: Math.round(c.scoreSum * 1e6) / 1e6,
    variantHash: historyHash(c.variantHash),
    scenarioHash: historyHash(c.scenarioHash),
    assertionsHash: historyHash(c.assertionsHash),
  })),
});
const readHistoryText = historyTextReader();
const roundTrip = (e: HistoryEntry) => readHistoryText(`${historyLine(e)}\n`);

/** A variant with errors, not-run cells and critical assertions: every optional part of a cell at once. */
const TERSE = {
  variantId: 'terse',
  runs: 2,
  passes: 0,
  errors: 1,
  notRun: 1,
  scoreSum: 0,
  outcomes: 'EFFN',
  assertions: { a: { runs: 2, passes: 0, critical: true }, b: { runs: 1, passes: 1 }, c: { runs: 2, passes: 0, critical: false } },
};

describe('format-1 lines (written before the compact format)', () => {
  const lines = FORMAT_1.trim().split('\n');

  it('read back equal to what they meant', async () => {
    const { entries, damaged } = await readHistoryText(FORMAT_1);
    expect(damaged).toEqual([]);
    expect(entries).toEqual(lines.map((l) => JSON.parse(l)));
    expect(entries.map((e) => e.cells.length)).toEqual([1, 100]);
  });

  it('rewritten in format 2 mean the same, fingerprints shortened, and draw the same trends', async () => {
    const old = (await readHistoryText(FORMAT_1)).entries;
    const rewritten = (await readHistoryText(old.map((e) => historyLine(e)).join('\n'))).entries;
    expect(rewritten).toEqual(old.map(shortened));
    expect(
      trendSeries([...old, ...rewritten.map((e, i) => ({ ...e, runId: `new-${i}`, time: `2099-0${i + 1}` }))]).map(
        (s) => s.segments.length,
      ),
    ).toEqual(trendSeries(old).map(() => 1));
    expect(trendSeries(rewritten).map((s) => s.segments.flatMap((g) => g.points.map((p) => p.promptChanged)))).toEqual(
      trendSeries(old).map((s) => s.segments.flatMap((g) => g.points.map((p) => p.promptChanged))),
    );
  });

  it('cost 7× less in format 2 (the 100-aggregate line)', () => {
    const line = lines[1]!;
    const compact = historyLine(JSON.parse(line) as HistoryEntry);
    expect(line.length / 100).toBeGreaterThan(400);
    expect(compact.length / 100).toBeLessThan(60);
  });
});

describe('format 2', () => {
  it('round-trips every field: grader, carried, critical, assertion runs that differ from the cell runs, rubric calibration', async () => {
    const entry: HistoryEntry = {
      runId: 'r1',
      time: '2026-01-01T00:00:00.000Z',
      git: { commit: 'abc', branch: 'main', dirty: true },
      cells: [
        syntheticAggregate(),
        syntheticAggregate({ model: 'm2', grader: 'openai:chat:gpt-4.1', carried: 2 }),
        syntheticAggregate({ scenarioId: 's2', carried: 1, scoreSum: 0.333333 }),
        syntheticAggregate(TERSE),
        syntheticAggregate({ assertions: {} }),
      ],
      rubricCalibration: { grader: 'openai:chat:gpt-4.1', accuracy: 0.875, flagged: 1, rubrics: 4 },
    };
    expect(await roundTrip(entry)).toEqual({ entries: [entry], damaged: [] });
    for (const e of [syntheticEntry('x', { cells: 40 }), shapedEntry(STARTER_SHAPE, 3)])
      expect((await roundTrip(e)).entries).toEqual([shortened(e)]);
  });

  it('stores each fingerprint once per line', () => {
    const line = historyLine(shapedEntry(STARTER_SHAPE));
    const hash = shapedEntry(STARTER_SHAPE).cells[0]!.scenarioHash;
    expect(line.split(hash.slice(0, 12)).length - 1).toBe(1);
    expect(line).not.toContain(hash);
    expect(CompactHistoryLine.parse(JSON.parse(line)).v).toBe(2);
    // Only hex digests are shortened; hand-written fingerprints stay whole (they could share 12 characters).
    expect([historyHash(hash), historyHash('reviewer-terse-before')]).toEqual([hash.slice(0, 12), 'reviewer-terse-before']);
  });

  // The figure docs/history.md quotes; a fixed synthetic run, so the bytes are exact.
  it('costs at most 100 bytes per aggregate per run for the starter and bench suites (was ≈ 500)', () => {
    for (const shape of [STARTER_SHAPE, BENCH_SHAPE]) {
      const entry = shapedEntry(shape);
      const n = entry.cells.length;
      const before = (JSON.stringify(entry).length + 1) / n;
      const after = (historyLine(entry).length + 1) / n;
      expect(before).toBeGreaterThan(450);
      expect(after).toBeLessThanOrEqual(100);
    }
  });

  it('names the field of a line whose index points past its table, and a format it does not know', async () => {
    const line = encodeHistoryEntry(syntheticEntry('bad', { cells: 2 }));
    (line.cells![1] as number[])[2] = 7;
    const { damaged } = await readHistoryText(
      `${JSON.stringify(line)}\n${JSON.stringify({ ...line, v: 3 })}\n${JSON.stringify({ ...line, cells: [[0]] })}\n${JSON.stringify({ ...line, cells: [[0, 0, 0, 3, 2, 0, 0, 2, 'PPX', []]] })}`,
    );
    expect(damaged).toEqual([
      { line: 1, message: 'cells[1]: scenario index 7 is not in "scenarios"' },
      { line: 2, message: expect.stringMatching(/^v: history format 3 is not one this agent-evals reads \(2\)/) },
      { line: 3, message: 'cells[0][1]: missing required field; expected number' },
      { line: 4, message: 'cells[0][8]: expected text matching /^[PFEN]*$/, got "PPX"' },
    ]);
  });
});

describe('totalsOnly (history compact)', () => {
  it('keeps what trends draw: the same points, breaks and prompt-change marks as the full runs', async () => {
    const entries = Array.from({ length: 6 }, (_, i) =>
      syntheticEntry(`r${i}`, {
        seed: i,
        cells: 24,
        variantHash: (v) => `${v}-${i < 3 ? 1 : 2}`,
        assertionsHash: (s) => `${s}-${i === 5 && s === 'scenario-1' ? 'b' : 'a'}`,
      }),
    );
    entries[4]!.cells[0]!.grader = 'openai:chat:gpt-4.1';
    const reduced = entries.map(totalsOnly);
    expect(reduced[0]!.cells).toEqual([]);
    expect(reduced[0]!.totals).toHaveLength(4);
    const stored = await readHistoryText(reduced.map((e) => historyLine(e)).join('\n'));
    expect(stored.damaged).toEqual([]);
    expect(trendSeries(stored.entries)).toEqual(trendSeries(entries));
    expect(trendSeries(entries)[0]!.segments.length).toBeGreaterThan(1);
    expect(totalsOnly(reduced[0]!)).toBe(reduced[0]);
  });

  it('a reduced run costs a few hundred bytes whatever the number of scenarios', () => {
    const full = shapedEntry(STARTER_SHAPE);
    const line = historyLine(totalsOnly(full));
    expect(line.length).toBeLessThan(historyLine(full).length / 4);
    expect(decodeHistoryLine(CompactHistoryLine.parse(JSON.parse(line))).totals).toHaveLength(10);
  });
});

describe('readLineFast (a long history read without an array per stored cell)', () => {
  const parsedOf = (line: string) => CompactHistoryLine.parse(JSON.parse(line));
  const reread = (line: string) => () => JSON.parse(line) as CompactHistoryLine;
  const everyField: HistoryEntry = {
    runId: 'r1',
    time: '2026-01-01T00:00:00.000Z',
    git: { commit: 'abc', branch: 'main', dirty: true },
    cells: [
      syntheticAggregate(),
      syntheticAggregate({ model: 'm2', grader: 'openai:chat:gpt-4.1', carried: 2, scoreSum: 2.333333 }),
      syntheticAggregate({ scenarioId: 's2', carried: 1, scoreSum: 0.000001, grader: '' }),
      // One scenario id measured against two fingerprints in one run: the last cell's wins.
      syntheticAggregate({ scenarioId: 's2', model: 'm2', scenarioHash: 'sh-other', scoreSum: 12345678.5 }),
      syntheticAggregate(TERSE),
      syntheticAggregate({ assertions: {}, outcomes: '' }),
    ],
    totals: [totalsOnly(syntheticEntry('t', { cells: 4 })).totals![0]!],
    rubricCalibration: { grader: 'openai:chat:gpt-4.1', accuracy: 0.875, flagged: 1, rubrics: 4 },
  };

  it('gives what the ordinary read gives: the entry, its cells, and the sums the trends draw', () => {
    for (const e of [everyField, syntheticEntry('x', { cells: 40 }), shapedEntry(STARTER_SHAPE, 3), shapedEntry(BENCH_SHAPE, 7)]) {
      const line = historyLine(e);
      const fast = readLineFast(Buffer.from(line), reread(line))!;
      expect(fast, e.runId).toBeDefined();
      const sums = fast.cellTotals;
      expect(sums).toEqual(lineTotals(parsedOf(line)));
      const decoded = decodeHistoryLine(parsedOf(line));
      expect(trendSeries([fast, { ...e, runId: 'next', time: '2099' }])).toEqual(
        trendSeries([decoded, { ...e, runId: 'next', time: '2099' }]),
      );
      // Reading the cells decodes the line and drops the sums, which could go stale from then on.
      expect(fast).toEqual(decoded);
      expect(fast.cellTotals).toBeUndefined();
    }
  });

  it('leaves to the ordinary read any text JSON.stringify would not write for valid cells, which that read then judges', async () => {
    const line = historyLine({ ...everyField, totals: undefined });
    const cells = line.slice(line.indexOf('"cells":[') + 8, line.indexOf(']],"rubricCalibration"') + 2);
    const variants = {
      'a blank': cells.replace('[0,0,0,', '[0, 0,0,'),
      'an exponent': cells.replace(',2.5,', ',25e-1,'),
      'a leading zero': cells.replace('[0,0,0,3,', '[0,0,0,03,'),
      'an escaped outcome': cells.replace('"PPF"', '"\\u0050PF"'),
      'a grader of -0': cells.replace(',0,2]', ',-0,2]'),
      'an index past its table': cells.replace('[0,0,0,', '[9,0,0,'),
      'a cell too short': cells.replace('[0,0,0,3,2,0,0,2.5,"PPF",[[0,2]]]', '[0,0,0,3,2,0,0]'),
    };
    for (const [what, text] of Object.entries(variants)) {
      expect(text, what).not.toBe(cells);
      const changed = line.replace(cells, text);
      expect(readLineFast(Buffer.from(changed), reread(changed)), what).toBeUndefined();
    }
    const read = await readHistoryText(
      Object.values(variants)
        .map((text) => line.replace(cells, text))
        .join('\n'),
    );
    // Valid JSON and valid cells, only not as JSON.stringify writes them: read all the same.
    expect(read.entries.map((e) => [e.cells[0]!.outcomes, e.cells[0]!.scoreSum, e.cells[1]!.grader])).toEqual([
      ['PPF', 2.5, 'openai:chat:gpt-4.1'],
      ['PPF', 2.5, 'openai:chat:gpt-4.1'],
      ['PPF', 2.5, 'openai:chat:gpt-4.1'],
      ['PPF', 2.5, 'openai:chat:gpt-4.1'],
    ]);
    expect(read.damaged).toEqual([
      { line: 3, message: expect.stringMatching(/^broken JSON/) },
      { line: 6, message: 'cells[0]: variant index 9 is not in "variants"' },
      { line: 7, message: expect.stringMatching(/^cells\[0\]/) },
    ]);
    // A duplicate key: JSON.parse keeps the last one, and so does the read.
    const twice = line.replace('"cells":[', '"cells":[],"cells":[');
    expect(readLineFast(Buffer.from(twice), reread(twice))).toBeUndefined();
    expect((await readHistoryText(twice)).entries[0]!.cells).toHaveLength(everyField.cells.length);
    expect(readLineFast(Buffer.from(FORMAT_1.split('\n')[0]!), reread(FORMAT_1.split('\n')[0]!))).toBeUndefined();
    // The rest of the line is held to its schema as strictly, with or without zod.
    const plain = historyLine(syntheticEntry('plain', { cells: 4 }));
    expect(readLineFast(Buffer.from(plain), reread(plain))).toBeDefined();
    const wrong = [
      plain.replace('"v":2,', '"v":2,"extra":1,'),
      plain.replace('"branch":"main"', '"branch":"main","dirty":"yes"'),
      plain.replace('"branch":"main"', '"branch":"main","tag":"x"'),
      plain.replace('"models":["m1","m2"]', '"models":["m1",2]'),
      plain.replace(/"variants":\[\["reviewer","reviewer","reviewer-h1"\]/, '"variants":[["reviewer","reviewer"]'),
    ];
    for (const text of wrong) {
      expect(text).not.toBe(plain);
      expect(readLineFast(Buffer.from(text), reread(text)), text.slice(0, 80)).toBeUndefined();
    }
    expect((await readHistoryText(wrong.join('\n'))).damaged.map((d) => d.line)).toEqual([1, 2, 3, 4, 5]);
  });
});

describe('latency (issue 28)', () => {
  const latency = [
    { agent: 'rev', variantId: 'rev/a', model: 'm1', n: 20, p50: 812, p95: 1904 },
    { agent: 'rev', variantId: 'rev/b', model: 'claude-code:m1', n: 3, p50: 4000, p95: 9000, turn: { n: 3, p50: 1000, p95: 1500.5 } },
  ];
  const entry: HistoryEntry = { runId: 'r1', time: '2026-01-01T00:00:00.000Z', git: {}, cells: [syntheticAggregate()], latency };

  it('round-trips, on the fast read and the ordinary one, and survives history compact', async () => {
    const line = historyLine(entry);
    expect(JSON.parse(line).latency).toEqual(latency);
    expect(await roundTrip(entry)).toEqual({ entries: [entry], damaged: [] });
    const fast = readLineFast(Buffer.from(line), () => JSON.parse(line) as CompactHistoryLine);
    expect(fast).toEqual(decodeHistoryLine(CompactHistoryLine.parse(JSON.parse(line))));
    expect(fast!.latency).toEqual(latency);
    expect((await roundTrip(totalsOnly(entry))).entries[0]!.latency).toEqual(latency);
  });

  it('a damaged latency row makes the line a damaged line, named, never a wrong figure', async () => {
    const bad = JSON.parse(historyLine(entry));
    bad.latency[0].n = 0;
    const read = await readHistoryText(`${JSON.stringify(bad)}\n`);
    expect(read.entries).toEqual([]);
    expect(read.damaged[0]!.message).toMatch(/latency/);
  });
});
