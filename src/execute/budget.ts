/**
 * The run's spend cap (issue 28): `budget: { usd, tokens }` in the eval config, `--budget-usd` on the command
 * line. A cell starts only when what the run spent, plus the projected spend of the cells in flight, plus
 * this cell's projection stays within the budget; the first cell that would cross it stops the run: no cell
 * starts after it (cells in flight finish), and the run is recorded `stopped: budget`.
 *
 * Spend is counted from each result as it is written (tokens as the provider or runtime reported them,
 * delegated peers included; USD as reported, else tokens at the model's price). A cell's projection is the
 * high end of what its variant × model × scenario spent before (`plan/spend.ts`), this run's finished cells
 * included; a cell nothing is known of waits while another is in flight (`admit`). Grader calls are not counted.
 */
import { type SpendBook, spendSample } from '../plan/spend.ts';
import type { SpendSample } from '../schema/planning-figures.ts';
import type { CellPlan } from '../plan/cell-plan.ts';
import type { Budget } from '../schema/eval-config.ts';
import type { CellResult } from '../schema/result.ts';

interface Spend {
  tokens: number;
  usd: number;
}

/** What the cell runner asks before it starts a cell, and tells once its answer is in. */
export interface CellBudget {
  /**
   * Whether `cell` may start; false from the first refusal on. A cell nothing is known of (no sample of its
   * model yet) waits while another cell is in flight: its projection would be a guess, the answer in flight
   * makes it a measurement.
   */
  admit(cell: CellPlan, signal?: AbortSignal): Promise<boolean>;
  /** A started cell's answer (the provider's or runtime's response): its spend counts, its projection leaves the cells in flight. */
  charge(cell: CellPlan, response: Record<string, unknown>, latencyMs: number): void;
  readonly stopped: boolean;
}

export class BudgetGuard implements CellBudget {
  /** What counts against the budget. */
  readonly spent: Spend = { tokens: 0, usd: 0 };
  /** What the whole run spent, cells finished before a resume included (meta.json `spent`). */
  readonly total: Spend = { tokens: 0, usd: 0 };
  private readonly inFlight = new Map<string, Spend>();
  private projectedInFlight: Spend = { tokens: 0, usd: 0 };
  private refused = false;
  private readonly waiting: Array<() => void> = [];

  constructor(
    readonly limit: Budget,
    private readonly book: SpendBook,
    /** Each planned cell's prompt estimate, for cells nothing was seen of (`plan/spend.ts`). */
    private readonly promptEstimate: (cell: CellPlan) => number,
    /**
     * A resumed run's cells finished before: part of the run's total; against the budget unless the resume was
     * given `--budget-usd`, which is what the resume may spend on top (`againstBudget` false).
     */
    finished?: { results: Iterable<CellResult>; againstBudget: boolean },
  ) {
    for (const r of finished?.results ?? []) this.chargeFinished(r, finished!.againstBudget);
  }

  get stopped(): boolean {
    return this.refused;
  }

  async admit(cell: CellPlan, signal?: AbortSignal): Promise<boolean> {
    while (!this.refused && !signal?.aborted && this.inFlight.size > 0 && this.projection(cell).from === 'none') {
      await new Promise<void>((resolve) => {
        this.waiting.push(resolve);
        signal?.addEventListener('abort', () => resolve(), { once: true });
      });
    }
    // Interrupted while waiting: not started, and not a budget stop (--resume runs it).
    if (signal?.aborted) return false;
    return this.tryStart(cell);
  }

  tryStart(cell: CellPlan): boolean {
    if (this.refused) return false;
    const p = this.projection(cell);
    const next: Spend = { tokens: p.tokens.high, usd: p.usd?.high ?? 0 };
    const over = (k: keyof Spend) =>
      this.limit[k] !== undefined && this.spent[k] + this.projectedInFlight[k] + next[k] > this.limit[k]! * (1 + 1e-12);
    if (over('tokens') || over('usd')) {
      this.refused = true;
      return false;
    }
    this.inFlight.set(cell.cellId, next);
    this.projectedInFlight = add(this.projectedInFlight, next);
    return true;
  }

  charge(cell: CellPlan, response: Record<string, unknown>, latencyMs: number): void {
    const projected = this.inFlight.get(cell.cellId);
    if (projected) {
      this.inFlight.delete(cell.cellId);
      this.projectedInFlight = add(this.projectedInFlight, { tokens: -projected.tokens, usd: -projected.usd });
    }
    try {
      this.chargeAnswer(cell, response, latencyMs);
    } finally {
      // Cells waiting for a measurement look again.
      for (const wake of this.waiting.splice(0)) wake();
    }
  }

  private projection(cell: CellPlan) {
    return this.book.project({
      variantId: cell.variantId,
      model: cell.model.label,
      scenarioId: cell.scenarioId,
      promptEstimate: this.promptEstimate(cell),
    });
  }

  private chargeAnswer(cell: CellPlan, response: Record<string, unknown>, latencyMs: number): void {
    // An answer from promptfoo's cache cost nothing; an answer with no usage (an error) is counted as 0.
    const usage = response.tokenUsage as { prompt?: number; completion?: number } | undefined;
    if (response.cached === true || typeof usage?.prompt !== 'number' || typeof usage.completion !== 'number') return;
    const trajectory = (response.metadata as { trajectory?: { turns?: number } } | undefined)?.trajectory;
    this.count({
      variantId: cell.variantId,
      model: cell.model.label,
      scenarioId: cell.scenarioId,
      prompt: usage.prompt,
      completion: usage.completion,
      ...(typeof response.cost === 'number' ? { costUsd: response.cost } : {}),
      latencyMs,
      ...(typeof trajectory?.turns === 'number' ? { turns: trajectory.turns } : {}),
    });
  }

  private chargeFinished(result: CellResult, againstBudget: boolean): void {
    const sample = spendSample(result);
    if (sample) this.count(sample, againstBudget);
  }

  private count(sample: SpendSample, againstBudget = true): void {
    const usd = this.book.add(sample) ?? 0;
    const tokens = sample.prompt + sample.completion;
    this.total.tokens += tokens;
    this.total.usd += usd;
    if (!againstBudget) return;
    this.spent.tokens += tokens;
    this.spent.usd += usd;
  }
}

const add = (a: Spend, b: Spend): Spend => ({ tokens: a.tokens + b.tokens, usd: a.usd + b.usd });

/**
 * The budget in force: `--budget-usd` when given (it replaces the config's whole budget, its token cap too; on
 * `--resume` it is what the resume may spend on top of what the run spent), else the config's (the whole run's).
 */
export function budgetOf(config: Budget | undefined, usdFlag: number | undefined): Budget | undefined {
  return usdFlag === undefined ? config : { usd: usdFlag };
}
