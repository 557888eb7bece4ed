/**
 * Results folded as they stream in (from the engine during a run, or line by line from results.jsonl):
 * every cell's verdict is kept, its answer is not. Aggregates, summaries, the gate and the JUnit and
 * Markdown reports read only verdicts (status, score, repeat, assertion outcomes, latency, tokens,
 * cost, source, error), so they come out exactly as from the full results, while memory per cell is a
 * small object whose strings and assertion lists are shared between cells. Pure.
 */
import type { AssertionOutcome, CellResult } from '../schema/result.ts';

/** Distinct values remembered per table: past it, new values are kept per cell instead of shared. */
const INTERN_CAP = 50_000;

/** A string table: equal strings parsed from different lines become one string in memory. */
class Interner<T> {
  private readonly table = new Map<string, T>();
  get(key: string, make: () => T): T {
    const hit = this.table.get(key);
    if (hit !== undefined) return hit;
    const value = make();
    if (this.table.size < INTERN_CAP) this.table.set(key, value);
    return value;
  }
}

/**
 * The cells of a run without their answers, in the order they were added.
 * @example
 * const fold = new ResultFold();
 * for (const r of results) fold.add(r);
 * aggregateRun(fold.cells) // the same aggregates as aggregateRun(results)
 */
export class ResultFold {
  /** One verdict per cell: `output`, `trajectory`, `finishedAt` and passing assertions' reasons dropped. */
  readonly cells: CellResult[] = [];
  /** Cells that had an answer (`output`), for the report's per-answer budget. */
  withOutput = 0;
  private readonly strings = new Interner<string>();
  private readonly outcomes = new Interner<AssertionOutcome>();
  private readonly lists = new Interner<AssertionOutcome[]>();

  /** Adds one cell; returns its verdict as kept. */
  add(r: CellResult): CellResult {
    if (r.output !== undefined) this.withOutput++;
    const slim = this.slim(r);
    this.cells.push(slim);
    return slim;
  }

  private slim(r: CellResult): CellResult {
    const s = (v: string) => this.strings.get(v, () => v);
    // Every field written in one order (absent ones as undefined): one object shape for every cell.
    return {
      cellId: r.cellId,
      agent: s(r.agent),
      variantId: s(r.variantId),
      variantHash: s(r.variantHash),
      scenarioId: s(r.scenarioId),
      scenarioHash: s(r.scenarioHash),
      assertionsHash: s(r.assertionsHash),
      model: s(r.model),
      repeat: r.repeat,
      status: s(r.status) as CellResult['status'],
      assertions: this.assertionList(r.assertions),
      score: r.score,
      latencyMs: r.latencyMs,
      tokens: r.tokens ? { prompt: r.tokens.prompt, completion: r.tokens.completion, total: r.tokens.total } : undefined,
      cost: r.cost,
      source: r.source ? (s(r.source) as CellResult['source']) : undefined,
      error: r.error === undefined ? undefined : s(r.error),
      finishedAt: '',
    };
  }

  /** The assertion outcomes, shared with every cell that had the same ones (a passing one's reason is not kept). */
  private assertionList(list: AssertionOutcome[]): AssertionOutcome[] {
    const keys = list.map((a) =>
      JSON.stringify([a.id, a.kind, a.pass, a.score, a.weight, a.critical, a.gradingError ?? null, a.pass ? null : (a.reason ?? null)]),
    );
    return this.lists.get(keys.join('\u0001'), () =>
      list.map((a, i) =>
        this.outcomes.get(keys[i]!, () => ({
          id: this.strings.get(a.id, () => a.id),
          kind: this.strings.get(a.kind, () => a.kind),
          pass: a.pass,
          score: a.score,
          weight: a.weight,
          critical: a.critical,
          ...(!a.pass && a.reason !== undefined ? { reason: a.reason } : {}),
          ...(a.gradingError !== undefined ? { gradingError: a.gradingError } : {}),
        })),
      ),
    );
  }
}
