import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { syntheticMeta, syntheticResults } from '../../../test/support/report-synthetic.ts';
import { aggregateRun } from '../../score/aggregate-results.ts';
import { summarizeRun } from '../../score/summarize.ts';
import { readRunFold, writeMeta } from './run-store.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'agent-evals-fold-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

describe('readRunFold', () => {
  it('reads every valid line as a verdict, line by line, without the answers, and warns of the damaged ones', async () => {
    const meta = syntheticMeta({ repeats: 4 });
    const results = syntheticResults({ repeats: 4 });
    await writeMeta(dir, meta);
    const lines = results.map((r) => JSON.stringify(r));
    // A damaged line in the middle, and a torn last line (a write interrupted by a kill).
    const text = `${lines.slice(0, 10).join('\n')}\n{"cellId": oops\n${lines.slice(10).join('\n')}\n{"cellId":"x","ag`;
    await writeFile(path.join(dir, 'results.jsonl'), text);

    const folded = await readRunFold(dir);
    expect(folded.results).toHaveLength(results.length);
    expect(folded.warnings).toHaveLength(2);
    expect(folded.warnings[0]).toMatch(/results\.jsonl:11: .*damaged line skipped/);
    expect(folded.warnings[1]).toMatch(/torn last line/);
    expect(folded.results.some((r) => 'output' in r)).toBe(false);
    expect(aggregateRun(folded.results)).toEqual(aggregateRun(results));
    expect(summarizeRun(meta.runId, folded.results)).toEqual(summarizeRun(meta.runId, results));
    expect(folded.shown.withOutput).toBe(results.filter((r) => r.output !== undefined).length);
  });

  it('is the only way to read a whole run: no reader returns a run as an array of its results', async () => {
    const store = await import('./run-store.ts');
    for (const gone of ['readRun', 'readResults', 'rewriteResults']) expect(store).not.toHaveProperty(gone);
    const merge = await import('../../commands/merge.ts');
    expect(merge).not.toHaveProperty('mergeShards');
  });

  it('refuses a run that holds a cell twice', async () => {
    const meta = syntheticMeta();
    const results = syntheticResults();
    await writeMeta(dir, meta);
    await writeFile(path.join(dir, 'results.jsonl'), [...results, results[3]].map((r) => `${JSON.stringify(r)}\n`).join(''));
    await expect(readRunFold(dir)).rejects.toThrow(/appears 2 times/);
  });
});
