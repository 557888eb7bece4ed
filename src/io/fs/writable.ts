import { mkdir, open, rm } from 'node:fs/promises';
import path from 'node:path';
import { UsageError } from '../../errors.ts';

/**
 * Checks, before any model call, that the files an eval writes at its end can be written: a run that
 * spent its calls and then could not record them would be lost. Leaves nothing behind but reports/.
 */
export async function assertReportsWritable(root: string): Promise<void> {
  const reports = path.join(root, 'reports');
  const probe = path.join(reports, `.write-check-${Date.now()}-${Math.random().toString(16).slice(2)}`);
  await attempt('reports/', async () => {
    await mkdir(reports, { recursive: true });
    await (await open(probe, 'wx')).close();
    await rm(probe);
  });
  await attempt('reports/history.jsonl', async () => {
    // r+ opens for writing without creating: a missing history is fine (the folder takes writes).
    const handle = await open(path.join(reports, 'history.jsonl'), 'r+').catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return undefined;
      throw err;
    });
    await handle?.close();
  });
}

async function attempt(shown: string, fn: () => Promise<unknown>): Promise<void> {
  try {
    await fn();
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new UsageError(
      `${shown}: cannot write (${e.code ?? e.message}): the run's results could not be kept; fix the folder's permissions before running`,
    );
  }
}
