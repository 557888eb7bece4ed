import pLimit from 'p-limit';

/**
 * Runs `fn` over `items`, at most `limit` at a time (p-limit), starting them in order; once `signal`
 * aborts, no new item is started (the ones under way finish).
 *
 * @example
 * await forEachLimit(files, 32, async (file) => sizes.set(file, (await stat(file)).size));
 */
export async function forEachLimit<T>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<unknown>,
  signal?: AbortSignal,
): Promise<void> {
  const run = pLimit(Math.max(1, limit));
  await Promise.all(items.map((item) => run(async () => (signal?.aborted ? undefined : fn(item)))));
}
