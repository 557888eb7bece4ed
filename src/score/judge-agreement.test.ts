import { describe, expect, it } from 'vitest';
import type { AssertionOutcome, CellResult } from '../schema/result.ts';
import { foldJudgeAgreement, MAX_SPLIT_CELLS } from './judge-agreement.ts';

/** The results through the fold, one at a time, as the report's run fold feeds it. */
function judgeAgreement(results: CellResult[]) {
  const fold = foldJudgeAgreement();
  for (const r of results) fold.add(r);
  return fold.result();
}

type Votes = Array<boolean | undefined>;
const GRADERS = ['judge-a', 'judge-b', 'judge-c'];

function tone(votes: Votes): AssertionOutcome {
  const passes = votes.filter((v) => v === true).length;
  const fails = votes.filter((v) => v === false).length;
  const decided = passes * 2 > votes.length ? true : fails * 2 > votes.length ? false : undefined;
  return {
    id: 'tone',
    kind: 'rubric',
    pass: decided ?? false,
    score: decided ? 1 : 0,
    weight: 1,
    critical: false,
    ...(decided === undefined ? { gradingError: true } : {}),
    votes: votes.map((pass, i) => ({ grader: GRADERS[i]!, ...(pass !== undefined ? { pass } : {}) })),
  };
}

function cell(repeat: number, votes: Votes, scenarioId = 'refunds'): CellResult {
  const a = tone(votes);
  return {
    cellId: `c${scenarioId}${repeat}`,
    agent: 'support',
    variantId: 'support',
    variantHash: 'v',
    scenarioId,
    scenarioHash: 's',
    assertionsHash: 'h',
    model: 'm',
    repeat,
    status: a.gradingError ? 'error' : a.pass ? 'pass' : 'fail',
    assertions: [{ id: 'offline', kind: 'contains', pass: true, score: 1, weight: 1, critical: false }, a],
    score: a.score,
    finishedAt: '2026-12-01T00:00:00.000Z',
  };
}

describe('judgeAgreement', () => {
  it('counts unanimous, split and undecided cells per rubric, and agreement with the majority per grader', () => {
    const j = judgeAgreement([
      cell(0, [true, true, true]),
      cell(1, [true, false, true]),
      cell(2, [false, false, true]),
      cell(3, [true, undefined, false]),
      cell(0, [false, false, false], 'outage'),
    ])!;
    expect(j.rubrics).toEqual([
      { scenarioId: 'refunds', assertionId: 'tone', cells: 4, unanimous: 1, split: 3, undecided: 1 },
      { scenarioId: 'outage', assertionId: 'tone', cells: 1, unanimous: 1, split: 0, undecided: 0 },
    ]);
    // Decided cells: refunds 0, 1, 2 and outage 0 (refunds 3 had no majority).
    expect(j.graders).toEqual([
      { grader: 'judge-a', votes: 5, decided: 4, withMajority: 4, couldNotGrade: 0 },
      { grader: 'judge-b', votes: 4, decided: 4, withMajority: 3, couldNotGrade: 1 },
      { grader: 'judge-c', votes: 5, decided: 4, withMajority: 3, couldNotGrade: 0 },
    ]);
    expect(j.splitCount).toBe(3);
    expect(j.splits.map((s) => [s.repeat, s.decided])).toEqual([
      [1, 'pass'],
      [2, 'fail'],
      [3, 'none'],
    ]);
    expect(j.splits[2]!.votes).toEqual([{ grader: 'judge-a', pass: true }, { grader: 'judge-b' }, { grader: 'judge-c', pass: false }]);
  });

  it('is undefined without votes (one grader), and keeps a bounded list of split cells while counting them all', () => {
    const single = cell(0, [true]);
    delete single.assertions[1]!.votes;
    expect(judgeAgreement([single])).toBeUndefined();
    const many = Array.from({ length: MAX_SPLIT_CELLS + 7 }, (_, i) => cell(i, [true, false, true]));
    const j = judgeAgreement(many)!;
    expect(j.splitCount).toBe(MAX_SPLIT_CELLS + 7);
    expect(j.splits).toHaveLength(MAX_SPLIT_CELLS);
  });
});
