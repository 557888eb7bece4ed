import type { EvalConfig } from './eval-config.ts';
import { type ResolvedModel, resolveModel } from './models.ts';

/**
 * The eval's grader: one model, or a panel of models whose rubric verdicts are decided by majority.
 * One grader is a panel of one, so every stage handles both the same way. Planning resolves it before
 * the run, the finish stage again after it (rubric drift and trust), so it lives here, below both. Pure.
 */
export interface GraderPanel {
  members: ResolvedModel[];
  /**
   * What runs, history lines and baselines record as the grader: the model's provider id, or the
   * members' ids joined by ` + ` in config order. A change of panel makes graded scenarios not
   * comparable, as a change of grader does.
   */
  id: string;
  /** For messages and reports: the member labels, joined the same way. */
  label: string;
}

/**
 * The eval config's `grader:` (one model or a list) as a panel; undefined without one.
 *
 * @example
 * resolveGraders(['openai:chat:a', 'openai:chat:b', 'openai:chat:c'])?.id // 'openai:chat:a + openai:chat:b + openai:chat:c'
 */
export function resolveGraders(spec: EvalConfig['grader']): GraderPanel | undefined {
  if (spec === undefined) return undefined;
  const members = (Array.isArray(spec) ? spec : [spec]).map(resolveModel);
  return { members, id: members.map((m) => m.id).join(' + '), label: members.map((m) => m.label).join(' + ') };
}

/** The first grader whose label an earlier one already has: votes are told apart by label. */
export function duplicateGraderLabel({ members }: GraderPanel): { index: number; label: string } | undefined {
  const index = members.findIndex((m, i) => members.findIndex((o) => o.label === m.label) !== i);
  return index === -1 ? undefined : { index, label: members[index]!.label };
}
