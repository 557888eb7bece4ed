import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RunMeta } from '../../schema/run-meta.ts';
import { latestRunId, listRunIds } from './run-store.ts';

const meta = (runId: string, finished: boolean): RunMeta => ({
  runId,
  startedAt: '2026-12-05T00:40:12.000Z',
  ...(finished ? { finishedAt: '2026-12-05T00:41:00.000Z' } : {}),
  git: { commit: 'abc', branch: 'main', dirty: false },
  harnessVersion: '0.1.0',
  promptfooVersion: '0.121.20',
  config: {},
  configFile: 'evals/default.yaml',
  planHash: 'h',
  plannedCells: 4,
  mode: 'live',
  fingerprints: { variants: {}, scenarios: {} },
  notRun: {},
});

let root: string;
beforeEach(() => {
  root = mkdtempSync(path.join(tmpdir(), 'latest-run-'));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

function makeRun(id: string, files: { meta: unknown; results?: string }): void {
  const dir = path.join(root, 'reports', 'runs', id);
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'meta.json'), typeof files.meta === 'string' ? files.meta : JSON.stringify(files.meta));
  if (files.results !== undefined) writeFileSync(path.join(dir, 'results.jsonl'), files.results);
}

describe('the latest run', () => {
  it('is never a run that died before its first cell (a meta with no finishedAt, no result line)', async () => {
    makeRun('20261205-004012-aaaa', { meta: meta('20261205-004012-aaaa', true), results: '{"cell":1}\n' });
    makeRun('20261205-005000-dead', { meta: meta('20261205-005000-dead', false), results: '' });
    makeRun('20261205-006000-gone', { meta: meta('20261205-006000-gone', false) });
    expect(await listRunIds(root)).toEqual(['20261205-004012-aaaa']);
    expect(await latestRunId(root)).toBe('20261205-004012-aaaa');
  });

  it('is a run interrupted after its first cell (it can be resumed), and a finished run with no cell', async () => {
    makeRun('20261205-004012-aaaa', { meta: meta('20261205-004012-aaaa', true), results: '' });
    expect(await latestRunId(root)).toBe('20261205-004012-aaaa');
    makeRun('20261205-005000-half', { meta: meta('20261205-005000-half', false), results: '{"cell":1}\n' });
    expect(await latestRunId(root)).toBe('20261205-005000-half');
  });

  it('is a run whose meta.json is damaged: its readers say so', async () => {
    makeRun('20261205-004012-aaaa', { meta: '{ broken', results: '' });
    expect(await latestRunId(root)).toBe('20261205-004012-aaaa');
  });
});
