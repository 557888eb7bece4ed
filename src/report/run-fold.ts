import type { CellResult } from '../schema/result.ts';
import { ResultFold } from '../score/fold-results.ts';
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

  add(r: CellResult): void {
    this.verdicts.add(r);
    this.answers.add(r);
  }

  /** Every cell's verdict, in the order added (answers dropped). */
  get results(): CellResult[] {
    return this.verdicts.cells;
  }

  /** The answers kept for the drill-down, and how many cells had one. */
  get shown(): { answers: AnswerSampler; withOutput: number } {
    return { answers: this.answers, withOutput: this.verdicts.withOutput };
  }
}
