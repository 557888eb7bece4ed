import type { RunMeta } from '../../schema/run-meta.ts';

/**
 * What calibration says of the rubrics a run's verdicts rest on (issue 29, item 3): the ones its last
 * calibration with the run's grader flagged, and the ones never calibrated with it. Scenarios without
 * reference examples (meta.json `uncalibrated`) count as never calibrated. Read from the calibration
 * cache by `finish/rubric-trust.ts`; the renderers put a note beside each verdict that rests on one.
 */
export interface RubricTrust {
  grader: string;
  flagged: Array<{ scenarioId: string; assertionId: string; label: string; why: string }>;
  uncalibrated: Array<{ scenarioId: string; assertionId: string; label: string }>;
}

/** Why a verdict cannot be taken at its word: one entry per flagged or never-calibrated rubric (or scenario). */
export interface TrustNote {
  scenarioId: string;
  /** The rubric's assertion id; absent for a whole scenario without reference examples. */
  assertionId?: string;
  kind: 'flagged' | 'never-calibrated';
  /** Plain text (callers escape), e.g. ``rubric `no-plaintext` flagged by its last calibration with g (accuracy 0.50)``. */
  text: string;
}

/**
 * Every note for the scenarios given (default: all), flagged ones first.
 *
 * @example
 * trustNotes(trust, meta, new Set(['hashing']))[0]?.text
 * // 'rubric `no-plaintext` flagged by its last calibration with openai:chat:g (accuracy 0.50)'
 */
export function trustNotes(
  trust: RubricTrust | undefined,
  meta: Pick<RunMeta, 'uncalibrated'>,
  scenarios?: ReadonlySet<string>,
): TrustNote[] {
  const wanted = (id: string) => !scenarios || scenarios.has(id);
  const notes: TrustNote[] = [];
  for (const r of trust?.flagged ?? [])
    if (wanted(r.scenarioId))
      notes.push({
        scenarioId: r.scenarioId,
        assertionId: r.assertionId,
        kind: 'flagged',
        text: `rubric \`${r.assertionId}\` flagged by its last calibration with ${trust!.grader}${r.why ? ` (${r.why})` : ''}`,
      });
  for (const r of trust?.uncalibrated ?? [])
    if (wanted(r.scenarioId))
      notes.push({
        scenarioId: r.scenarioId,
        assertionId: r.assertionId,
        kind: 'never-calibrated',
        text: `rubric \`${r.assertionId}\` never calibrated with ${trust!.grader}`,
      });
  for (const id of meta.uncalibrated ?? [])
    if (wanted(id))
      notes.push({ scenarioId: id, kind: 'never-calibrated', text: 'no reference examples: its assertions were never calibrated' });
  return notes;
}

/** One sentence for a verdict resting on these notes, e.g. `rests on 1 flagged rubric: scenario hashing, rubric …`. */
export function trustSentence(notes: readonly TrustNote[]): string {
  const flagged = notes.filter((n) => n.kind === 'flagged').length;
  const bare = notes.filter((n) => n.assertionId === undefined).length;
  const never = notes.length - flagged - bare;
  const parts = [
    flagged ? `${flagged} flagged rubric${flagged === 1 ? '' : 's'}` : '',
    never ? `${never} never-calibrated rubric${never === 1 ? '' : 's'}` : '',
    bare ? `${bare} scenario${bare === 1 ? '' : 's'} without reference examples` : '',
  ].filter(Boolean);
  const what = parts.length > 1 ? `${parts.slice(0, -1).join(', ')} and ${parts.at(-1)}` : parts[0];
  return `calibration does not back this verdict: it rests on ${what} (${notes.map((n) => `${n.scenarioId}: ${n.text}`).join('; ')}); run \`agent-evals calibrate\``;
}
