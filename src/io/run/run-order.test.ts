import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { latestRunId, listRunIds } from './run-store.ts';

describe('run order', () => {
  it('two runs of the same second: the one made later is the latest, whatever their random suffixes', async () => {
    const root = mkdtempSync(path.join(tmpdir(), 'run-order-'));
    try {
      const make = (id: string) => {
        mkdirSync(path.join(root, 'reports', 'runs', id), { recursive: true });
        writeFileSync(path.join(root, 'reports', 'runs', id, 'meta.json'), '{}');
      };
      make('20261205-004012-ffff'); // first, though its suffix sorts last
      await new Promise((r) => setTimeout(r, 20));
      make('20261205-004012-0000');
      make('20261204-235959-zzzz');
      expect(await listRunIds(root)).toEqual(['20261204-235959-zzzz', '20261205-004012-ffff', '20261205-004012-0000']);
      expect(await latestRunId(root)).toBe('20261205-004012-0000');
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
