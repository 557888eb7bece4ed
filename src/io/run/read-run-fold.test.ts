import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { syntheticMeta, syntheticResults } from '../../../test/support/report-synthetic.ts';
import { aggregateRun } from '../../score/aggregate-results.ts';
import { summarizeRun } from '../../score/summarize.ts';
import { readRun, readRunFold, writeMeta } from './run-store.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'agent-evals-fold-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

describe('readRunFold', () => {
  it('reads the same verdicts and warnings as readRun, line by line, without the answers', async () => {
    const meta = syntheticMeta({ repeats: 4 });
    const results = syntheticResults({ repeats: 4 });
    await writeMeta(dir, meta);
    const lines = results.map((r) => JSON.stringify(r));
    // A damaged line in the middle, and a torn last line (a write interrupted by a kill).
    const text = `${lines.slice(0, 10).join('\n')}\n{"cellId": oops\n${lines.slice(10).join('\n')}\n{"cellId":"x","ag`;
    await writeFile(path.join(dir, 'results.jsonl'), text);

    const full = await readRun(dir);
    const folded = await readRunFold(dir);
    expect(full.results).toHaveLength(results.length);
    expect(folded.warnings).toEqual(full.warnings);
    expect(folded.warnings).toHaveLength(2);
    expect(folded.results.some((r) => r.output !== undefined)).toBe(false);
    expect(aggregateRun(folded.results)).toEqual(aggregateRun(full.results));
    expect(summarizeRun(meta.runId, folded.results)).toEqual(summarizeRun(meta.runId, full.results));
    expect(folded.shown.withOutput).toBe(full.results.filter((r) => r.output !== undefined).length);
  });

  it('refuses a run that holds a cell twice, as readRun does', async () => {
    const meta = syntheticMeta();
    const results = syntheticResults();
    await writeMeta(dir, meta);
    await writeFile(path.join(dir, 'results.jsonl'), [...results, results[3]].map((r) => `${JSON.stringify(r)}\n`).join(''));
    await expect(readRunFold(dir)).rejects.toThrow(/appears 2 times/);
  });
});
