/**
 * The cells of a plan, read while the eval is prepared (dry run, probes, calibration) and then handed
 * over once to the stage that runs them: `take()` moves them out, so the plan no longer holds them and
 * the runner lets each go as its batch is planned (memory does not grow with the number of cells). A
 * read after the hand-over is a bug, and throws rather than seeing an empty plan.
 *
 * @example
 * const cells = new PlannedCells(expanded);
 * cells.length // cells planned
 * const mine = cells.take(); // cells.map(...) throws from here on
 */
export class PlannedCells<C> implements Iterable<C> {
  #cells: C[] | undefined;
  /** Cells planned (fixed: the count stays readable after the hand-over). */
  readonly length: number;

  constructor(cells: C[]) {
    this.#cells = cells;
    this.length = cells.length;
  }

  [Symbol.iterator](): Iterator<C> {
    return this.#read()[Symbol.iterator]();
  }

  map<T>(fn: (cell: C) => T): T[] {
    return this.#read().map((c) => fn(c));
  }

  filter(fn: (cell: C) => boolean): C[] {
    return this.#read().filter((c) => fn(c));
  }

  /** The cells, now owned by the caller; the plan cannot read them again. */
  take(): C[] {
    const cells = this.#read();
    this.#cells = undefined;
    return cells;
  }

  #read(): C[] {
    if (!this.#cells) throw new Error('the plan handed its cells over already: read them before the hand-over');
    return this.#cells;
  }
}
