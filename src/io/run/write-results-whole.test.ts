import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { syntheticResults } from '../../../test/support/report-synthetic.ts';
import { writeResultsWhole } from './run-store.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'agent-evals-whole-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

describe('writeResultsWhole', () => {
  const results = syntheticResults({ repeats: 3 });

  it('writes one line per result handed over, in order', async () => {
    await writeResultsWhole(dir, async (append) => {
      for (const r of results) append(r);
    });
    const lines = (await readFile(path.join(dir, 'results.jsonl'), 'utf8')).trim().split('\n');
    expect(lines.map((l) => JSON.parse(l))).toEqual(results);
  });

  it('leaves the old file as it was, and no temporary file, when handing over fails half-way', async () => {
    await writeFile(path.join(dir, 'results.jsonl'), 'old\n');
    await expect(
      writeResultsWhole(dir, async (append) => {
        for (const r of results.slice(0, 5)) append(r);
        throw new Error('a shard could not be read');
      }),
    ).rejects.toThrow('a shard could not be read');
    expect(await readFile(path.join(dir, 'results.jsonl'), 'utf8')).toBe('old\n');
    expect(await readdir(dir)).toEqual(['results.jsonl']);
  });
});
