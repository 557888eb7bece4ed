import PQueue from 'p-queue';

/** Work that follows an answer, run off the request's path (see `backgroundWork`). */
export interface BackgroundWork {
  /** Queues a task (grading a cell, writing its result line); its error is kept for `settle`. */
  add(task: () => Promise<unknown>): void;
  /** Tracks a write already under way (a recording), so `settle` waits for it too. */
  track(write: Promise<unknown>): void;
  /** Resolves once fewer than `concurrency` tasks wait: back-pressure for the request path. */
  room(): Promise<void>;
  /** Waits for every task and write, then throws the first error any of them threw. */
  settle(): Promise<void>;
}

/**
 * What follows a model's answer (grading it, writing its recording and its results.jsonl line) runs
 * here, so the provider hands the answer back to promptfoo at once and the next request goes out.
 * p-queue runs at most `concurrency` tasks at a time; a caller that awaits `room()` before returning an
 * answer holds the next request back while as many again are waiting, so answers that arrive faster
 * than they are graded never pile up in memory.
 *
 * @example
 * const work = backgroundWork(16);
 * work.add(() => grade(cell, answer));
 * await work.room();
 * await work.settle();
 */
export function backgroundWork(concurrency: number): BackgroundWork {
  const limit = Math.max(1, concurrency);
  const queue = new PQueue({ concurrency: limit });
  const writes = new Set<Promise<unknown>>();
  let firstError: unknown;
  const keep = (err: unknown) => void (firstError ??= err);
  return {
    add: (task) => void queue.add(task).catch(keep),
    track(write) {
      const tracked = write.catch(keep).finally(() => writes.delete(tracked));
      writes.add(tracked);
    },
    room: () => queue.onSizeLessThan(limit),
    async settle() {
      do {
        await queue.onIdle();
        await Promise.all(writes);
      } while (queue.size + queue.pending + writes.size > 0);
      if (firstError) throw firstError;
    },
  };
}
