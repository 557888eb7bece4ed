/**
 * Pure: how far a panel of graders agreed, from the votes on the run's rubric assertions. Per rubric,
 * the share of graded cells where every grader gave the same verdict; per grader, the share of decided
 * cells where it voted with the majority; and the cells where the graders split. A fold, so the
 * figures never need every cell at once; the list of split cells it keeps is bounded.
 */
import type { CellResult } from '../schema/result.ts';
import type { JudgeAgreement, RubricAgreement, SplitCell } from './types.ts';

/** Split cells kept for the reports; the count goes on past it. */
export const MAX_SPLIT_CELLS = 50;

interface AgreementFold {
  add(result: CellResult): void;
  /** The figures so far; undefined when no cell had votes (a single grader, or no rubric). */
  result(): JudgeAgreement | undefined;
}

/**
 * @example
 * const fold = foldJudgeAgreement();
 * for (const r of results) fold.add(r);
 * fold.result()?.rubrics[0] // { scenarioId: 'hashing', assertionId: 'slow-hash', cells: 4, unanimous: 3, split: 1, undecided: 0 }
 */
export function foldJudgeAgreement(): AgreementFold {
  const rubrics = new Map<string, RubricAgreement>();
  const graders = new Map<string, { grader: string; votes: number; decided: number; withMajority: number; couldNotGrade: number }>();
  const splits: SplitCell[] = [];
  let splitCount = 0;
  return {
    add(r) {
      for (const a of r.assertions) {
        if (!a.votes?.length) continue;
        const key = `${r.scenarioId}\u0000${a.id}`;
        const rubric = rubrics.get(key) ?? { scenarioId: r.scenarioId, assertionId: a.id, cells: 0, unanimous: 0, split: 0, undecided: 0 };
        rubrics.set(key, rubric);
        const given = a.votes.filter((v) => v.pass !== undefined);
        const unanimous = given.length === a.votes.length && given.every((v) => v.pass === given[0]!.pass);
        rubric.cells += 1;
        if (unanimous) rubric.unanimous += 1;
        else rubric.split += 1;
        if (a.gradingError) rubric.undecided += 1;
        for (const v of a.votes) {
          const g = graders.get(v.grader) ?? { grader: v.grader, votes: 0, decided: 0, withMajority: 0, couldNotGrade: 0 };
          graders.set(v.grader, g);
          if (v.pass === undefined) g.couldNotGrade += 1;
          else g.votes += 1;
          if (a.gradingError) continue;
          g.decided += 1;
          if (v.pass === a.pass) g.withMajority += 1;
        }
        if (unanimous) continue;
        splitCount += 1;
        if (splits.length < MAX_SPLIT_CELLS) splits.push(splitCell(r, a));
      }
    },
    result() {
      if (rubrics.size === 0) return undefined;
      return { rubrics: [...rubrics.values()], graders: [...graders.values()], splits, splitCount };
    },
  };
}

function splitCell(r: CellResult, a: CellResult['assertions'][number]): SplitCell {
  return {
    variantId: r.variantId,
    model: r.model,
    scenarioId: r.scenarioId,
    repeat: r.repeat,
    assertionId: a.id,
    decided: a.gradingError ? 'none' : a.pass ? 'pass' : 'fail',
    votes: (a.votes ?? []).map((v) => ({ grader: v.grader, ...(v.pass !== undefined ? { pass: v.pass } : {}) })),
  };
}
