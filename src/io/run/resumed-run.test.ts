import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { syntheticMeta, syntheticResults } from '../../../test/support/report-synthetic.ts';
import type { CellResult } from '../../schema/result.ts';
import { finishedCells } from './resumed-run.ts';
import { writeMeta } from './run-store.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'agent-evals-resume-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

const write = (results: CellResult[]) => writeFile(path.join(dir, 'results.jsonl'), results.map((r) => `${JSON.stringify(r)}\n`).join(''));
const lines = async () => (await readFile(path.join(dir, 'results.jsonl'), 'utf8')).trim().split('\n');

describe('finishedCells (--resume)', () => {
  const meta = syntheticMeta({ repeats: 2 });
  // Every fifth cell did not run (no key): it runs again on resume, its line dropped.
  const results = syntheticResults({ repeats: 2 }).map(
    (r, i): CellResult => (i % 5 === 0 ? { ...r, status: 'not-run', output: undefined } : r),
  );
  const finished = results.filter((r) => r.status !== 'not-run');

  it('knows the finished cells by id and drops the lines of the cells that run again', async () => {
    await writeMeta(dir, meta);
    await write(results);
    const cells = await finishedCells(dir);
    expect(cells.size).toBe(finished.length);
    expect(results.filter((r) => cells.has(r.cellId))).toEqual(finished);
    expect((await lines()).map((l) => JSON.parse(l))).toEqual(finished);
    expect([...cells.values()]).toEqual(finished);
  });

  it("keeps only the cells' ids: their results are read from results.jsonl when handed on, never held", async () => {
    await writeMeta(dir, meta);
    await write(finished);
    const cells = await finishedCells(dir);
    // Changed on disk after the read: what is handed on is what the file says now.
    await write(finished.map((r) => ({ ...r, output: `read again ${r.cellId}` })));
    expect([...cells.values()].map((r) => r.output)).toEqual(finished.map((r) => `read again ${r.cellId}`));
    expect(await lines()).toHaveLength(finished.length);
  });
});
