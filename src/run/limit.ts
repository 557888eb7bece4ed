/**
 * Runs `fn` over `items`, at most `limit` at a time, taking items in order; once `signal` aborts, no
 * new item is started (the ones under way finish).
 *
 * @example
 * await forEachLimit(files, 32, async (file) => sizes.set(file, (await stat(file)).size));
 */
export async function forEachLimit<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<unknown>, signal?: AbortSignal): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < items.length && !signal?.aborted) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, lane));
}
