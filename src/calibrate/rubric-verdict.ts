/**
 * Pure: how far a rubric can be trusted, from the grader's k grades of it on each reference answer of
 * its scenario. Accuracy is the share of grades that agree with the answers' labels (a `pass` example
 * should pass, a `fail` example fail); a rubric is flaky when the k grades of one answer disagree.
 */

/** Below this accuracy a rubric is flagged: the grader cannot apply it to the references reliably. */
const MIN_RUBRIC_ACCURACY = 0.9;

type RubricFlag = 'inaccurate' | 'flaky' | 'grader-error' | 'not-exercised';

/** One grade as calibration reads it: a verdict, or the grader's failure to give one. */
export type GradeOutcome = { pass: boolean; tokens?: number; fresh: boolean } | { error: string; fresh: boolean };

export interface RubricExampleGrades {
  side: 'pass' | 'fail';
  label: string;
  grades: GradeOutcome[];
}

export interface RubricCalibration {
  scenarioId: string;
  /** The assertion id. */
  id: string;
  /** The rubric as written (`rubric: "…"`, shortened). */
  label: string;
  /** Nothing to say against it: accurate, steady, every grade given. */
  ok: boolean;
  flags: RubricFlag[];
  /** Grades agreeing with the reference label / grades given (undefined when none was given). */
  accuracy?: number;
  agreeing: number;
  judged: number;
  errors: number;
  /** Answers whose k grades disagree with each other. */
  flakyOn: string[];
  /** Answers the grader's majority gets wrong (a pass example failed, a fail example passed). */
  wrongOn: string[];
  /** Fail examples the grader's majority rejects. */
  catches: string[];
  examples: Array<{ side: 'pass' | 'fail'; label: string; passes: number; fails: number; errors: number }>;
  /** What the calibration costs: grades in all, grades asked of the grader in this run, their tokens. */
  cost: { grades: number; fresh: number; tokens: number };
  /** Why it is flagged, one line each. */
  problems: string[];
}

/**
 * The verdict on one rubric.
 *
 * @example
 * judgeRubric({ scenarioId: 's', id: 'r', label: 'rubric: "…"' }, [
 *   { side: 'pass', label: 'pass[0]', grades: [{ pass: true, fresh: true }] },
 *   { side: 'fail', label: 'fail[0]', grades: [{ pass: true, fresh: true }] },
 * ]).flags // ['inaccurate']
 */
/** The grades of each reference answer counted: agreement with its label, flakiness, errors, cost. */
function tallyGrades(examples: RubricExampleGrades[]) {
  const t = { agreeing: 0, judged: 0, errors: 0, tokens: 0, fresh: 0, grades: 0 };
  const flakyOn: string[] = [];
  const wrongOn: string[] = [];
  const catches: string[] = [];
  const firstError: string[] = [];
  const rows = examples.map((e) => {
    let passes = 0;
    let fails = 0;
    let errs = 0;
    for (const g of e.grades) {
      t.grades++;
      if (g.fresh) t.fresh++;
      if ('error' in g) {
        errs++;
        firstError.push(g.error);
        continue;
      }
      t.tokens += g.tokens ?? 0;
      if (g.pass) passes++;
      else fails++;
    }
    const right = e.side === 'pass' ? passes : fails;
    const wrong = e.side === 'pass' ? fails : passes;
    t.agreeing += right;
    t.judged += passes + fails;
    t.errors += errs;
    if (passes > 0 && fails > 0) flakyOn.push(e.label);
    if (wrong > right) wrongOn.push(e.label);
    if (e.side === 'fail' && fails > passes) catches.push(e.label);
    return { side: e.side, label: e.label, passes, fails, errors: errs };
  });
  return { ...t, flakyOn, wrongOn, catches, firstError, rows };
}

export function judgeRubric(
  rubric: { scenarioId: string; id: string; label: string },
  examples: RubricExampleGrades[],
  minAccuracy = MIN_RUBRIC_ACCURACY,
): RubricCalibration {
  const { agreeing, judged, errors, tokens, fresh, grades, flakyOn, wrongOn, catches, firstError, rows } = tallyGrades(examples);
  const accuracy = judged > 0 ? agreeing / judged : undefined;
  const flags: RubricFlag[] = [];
  const problems: string[] = [];
  if (!examples.some((e) => e.side === 'pass') || !examples.some((e) => e.side === 'fail')) {
    flags.push('not-exercised');
    problems.push('needs both a pass and a fail example to be calibrated');
  }
  if (accuracy !== undefined && accuracy < minAccuracy) {
    flags.push('inaccurate');
    const wrong = wrongOn.map((l) => (rows.find((r) => r.label === l)!.side === 'pass' ? `fails "${l}"` : `passes "${l}"`));
    problems.push(
      `accuracy ${accuracy.toFixed(2)} < ${minAccuracy} (${agreeing} of ${judged} grades agree with the reference labels)${wrong.length ? `: the grader ${wrong.join(', ')}` : ''}`,
    );
  }
  if (flakyOn.length > 0) {
    flags.push('flaky');
    const detail = flakyOn.map((l) => {
      const r = rows.find((x) => x.label === l)!;
      return `"${l}" (${r.passes} pass, ${r.fails} fail)`;
    });
    problems.push(`flaky: the grader's grades of the same answer disagree on ${detail.join(', ')}`);
  }
  if (errors > 0) {
    flags.push('grader-error');
    problems.push(`the grader failed on ${errors} of ${grades} grades (not a verdict; asked again next run): ${oneLine(firstError[0]!)}`);
  }
  return {
    ...rubric,
    ok: flags.length === 0,
    flags,
    ...(accuracy !== undefined ? { accuracy } : {}),
    agreeing,
    judged,
    errors,
    flakyOn,
    wrongOn,
    catches,
    examples: rows,
    cost: { grades, fresh, tokens },
    problems,
  };
}

const oneLine = (s: string) => {
  const t = s.replace(/\s+/g, ' ').trim();
  return t.length > 160 ? `${t.slice(0, 157)}…` : t;
};

/** A calibration in one figure per grader: what a run's history line could carry to show judge drift. */
interface RubricCalibrationSummary {
  rubrics: number;
  flagged: number;
  /** Pooled over every rubric: grades agreeing with the reference labels / grades given. */
  accuracy?: number;
  agreeing: number;
  judged: number;
}

/**
 * The pooled figures of a calibration.
 *
 * @example
 * summarizeRubricCalibration(rubrics) // { rubrics: 2, flagged: 1, accuracy: 0.857…, agreeing: 18, judged: 21 }
 */
export function summarizeRubricCalibration(rubrics: RubricCalibration[]): RubricCalibrationSummary {
  const agreeing = rubrics.reduce((n, r) => n + r.agreeing, 0);
  const judged = rubrics.reduce((n, r) => n + r.judged, 0);
  return {
    rubrics: rubrics.length,
    flagged: rubrics.filter((r) => !r.ok).length,
    ...(judged > 0 ? { accuracy: agreeing / judged } : {}),
    agreeing,
    judged,
  };
}
