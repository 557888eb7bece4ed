import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/**
 * What keeps a long run's memory flat between the engine's batches (run-cells.ts).
 *
 * Each batch leaves tens of MB of garbage (promptfoo keeps every row of an evaluation until it
 * returns, so they all reach V8's old generation). V8 collects it only when the old generation
 * reaches a limit it sets at up to 4× what was alive at the last full collection, and it raises that
 * factor while allocation outpaces collection: measured on a 20,000-cell run, ≈ 90 MB alive but
 * 330 MB of heap by the end, and peak RSS rising with the length of the run. One full collection
 * after each batch (≈ 50–100 ms per 800 cells) frees a batch's garbage before the next one piles on.
 */
let fullGc: (() => void) | null | undefined;

export function collectBatchGarbage(): void {
  if (fullGc === undefined) {
    try {
      // Node exposes V8's collector only behind --expose-gc; the flag can be set at run time, and the
      // function is then found in a fresh context's globals.
      setFlagsFromString('--expose-gc');
      fullGc = runInNewContext('gc') as () => void;
    } catch {
      fullGc = null; // no collector to call: the run is only less frugal with memory
    }
  }
  fullGc?.();
}

/**
 * Runs one batch with an abort signal of its own, aborted with the run's. promptfoo ties each call's
 * signals to the one it is given (`AbortSignal.any`), and Node keeps a weak reference per call on the
 * source signal for as long as that signal lives: tied to the batch, they go with it.
 */
export async function withBatchSignal<T>(run: AbortSignal | undefined, fn: (signal?: AbortSignal) => Promise<T>): Promise<T> {
  if (!run) return fn(undefined);
  const own = new AbortController();
  const abort = () => own.abort(run.reason);
  if (run.aborted) abort();
  else run.addEventListener('abort', abort, { once: true });
  try {
    return await fn(own.signal);
  } finally {
    run.removeEventListener('abort', abort);
  }
}
