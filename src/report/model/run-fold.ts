import type { CellResult, CellVerdict } from '../../schema/result.ts';
import type { JudgeAgreement } from '../../score/types.ts';
import { ResultFold } from '../../score/fold-results.ts';
import { foldJudgeAgreement } from '../../score/judge-agreement.ts';
import { AnswerSampler } from './answer-sample.ts';

/**
 * One run's results as they stream in, for the finish stage and the reports: every cell's verdict
 * (score/fold-results.ts) and the answers the drill-down shows, bounded (answer-sample.ts). Nothing
 * holds every answer: a 100,000-cell run costs its verdicts, not its outputs. Pure.
 *
 * @example
 * const run = new RunFold();
 * for (const r of results) run.add(r);
 * renderHtml({ meta, results: run.results, shown: run.shown, summary: summarizeRun(meta.runId, run.results), history });
 */
export class RunFold {
  private readonly verdicts = new ResultFold();
  private readonly answers = new AnswerSampler();
  /** A panel of graders: their votes, folded (the verdicts keep no votes). */
  private readonly judges = foldJudgeAgreement();

  add(r: CellResult): void {
    this.verdicts.add(r);
    this.answers.add(r);
    this.judges.add(r);
  }

  /** Every cell's verdict, in the order added (answers dropped). */
  get results(): CellVerdict[] {
    return this.verdicts.cells;
  }

  /** The answers kept for the drill-down, how many cells had one, and how far a panel of graders agreed. */
  get shown(): { answers: AnswerSampler; withOutput: number; judges?: JudgeAgreement } {
    const judges = this.judges.result();
    return { answers: this.answers, withOutput: this.verdicts.withOutput, ...(judges ? { judges } : {}) };
  }
}
