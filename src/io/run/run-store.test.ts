import { mkdtemp, rm } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { CellResult } from '../../schema/result.ts';

// Every handle the writer opens, with a write that fails and a close that is counted.
const opened: Array<{ closed: boolean }> = [];
vi.mock('node:fs/promises', async (original) => {
  const fs = await original<typeof import('node:fs/promises')>();
  return {
    ...fs,
    open: async (file: string, flags: string): Promise<FileHandle> => {
      const handle = await fs.open(file, flags);
      if (!String(file).endsWith('results.jsonl')) return handle;
      const entry = { closed: false };
      opened.push(entry);
      return Object.assign(Object.create(handle) as FileHandle, {
        write: async () => {
          throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
        },
        close: async () => {
          entry.closed = true;
          await handle.close();
        },
      });
    },
  };
});

const { openResultWriter } = await import('./run-store.ts');

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'agent-evals-store-'));
  opened.length = 0;
});
afterEach(() => rm(dir, { recursive: true, force: true }));

describe('openResultWriter', () => {
  it('closes its file when a write failed, and the failure still reaches the caller', async () => {
    const writer = await openResultWriter(dir);
    await expect(writer.append({ cellId: 'x' } as CellResult)).rejects.toThrow(/ENOSPC/);
    await expect(writer.close()).rejects.toThrow(/ENOSPC/);
    expect(opened).toEqual([{ closed: true }]);
  });
});
