import type { RunMeta } from '../../schema/run-meta.ts';
import type { SourceCounts } from '../../score/types.ts';

/**
 * The run's mode as reports state it, honest about promptfoo's response cache: a "live" run whose
 * answers were served from the cache did not call the model for them, and says so.
 * @example
 * describeMode('live', { live: 90, cache: 180, replay: 0, baseline: 0 }) // "live (180 of 270 answers from promptfoo's cache)"
 * describeMode('live', { live: 0, cache: 270, replay: 0, baseline: 0 }) // "cache: all 270 answers from promptfoo's cache, none live (mode live)"
 */
export function describeMode(mode: RunMeta['mode'], sources: SourceCounts | undefined): string {
  if (!sources || sources.cache === 0) return mode;
  const answers = sources.live + sources.cache;
  if (sources.live === 0) return `cache: all ${sources.cache} answers from promptfoo's cache, none live (mode ${mode})`;
  return `${mode} (${sources.cache} of ${answers} answers from promptfoo's cache)`;
}

/**
 * One console line when any answer came from promptfoo's cache, else undefined.
 * @example cacheNote({ live: 90, cache: 180, replay: 0, baseline: 0 }) // "180 of 270 answers came from promptfoo's cache, not from a model call"
 */
export function cacheNote(sources: SourceCounts | undefined): string | undefined {
  if (!sources || sources.cache === 0) return undefined;
  return `${sources.cache} of ${sources.live + sources.cache} answers came from promptfoo's cache, not from a model call`;
}
