import type { LoadedScenario } from '../schema/loaded-scenario.ts';
import type { Cell } from './matrix.ts';
import { planCell, withoutModelGraded } from './plan-cell.ts';
import type { RuntimeVersions } from './cell-plan.ts';
import type { CellPlan } from './cell-plan.ts';

/**
 * The plans of an eval's cells, each made when it is asked for. A plan carries its cell's messages
 * and scoring, so holding every plan from the first call to the last made memory grow with the
 * number of cells; the execute stage plans a batch of cells at a time instead, and drops it after.
 * Pure (planning shares each scenario's scoring between its cells, see `planCell`).
 *
 * @example
 * const plans = new CellPlans(cells, config.temperature);
 * plans.size // cells planned
 * plans.of(cells[0]).messages[0].role // 'system'
 */
export class CellPlans {
  private modelGraded = true;
  /** Cells planned (fixed when planned: the execute stage takes the cells and lets them go as they run). */
  readonly size: number;

  constructor(
    /** The plan's cells (`PlannedCells`: readable until the execute stage takes them). */
    private readonly cells: Iterable<Cell<LoadedScenario>> & { readonly length: number },
    private readonly temperature?: number,
    /** Installed agent programs' versions, for routing cells' fingerprints. */
    private readonly runtimeVersions?: RuntimeVersions,
  ) {
    this.size = cells.length;
  }

  /** Every cell id, in plan order. */
  keys(): string[] {
    return [...this.cells].map((c) => c.cellId);
  }

  /** The cell's plan, made now (without model-graded assertions after `dropModelGraded`). */
  of(cell: Cell<LoadedScenario>): CellPlan {
    const plan = planCell(cell, this.temperature, this.runtimeVersions);
    return this.modelGraded ? plan : withoutModelGraded(plan);
  }

  /** Every plan, one at a time: a caller that keeps them all holds what this class exists to avoid. */
  *values(): IterableIterator<CellPlan> {
    for (const cell of this.cells) yield this.of(cell);
  }

  /** With no grader that can run, rubric assertions are reported as not graded: plans made from now on leave them out. */
  dropModelGraded(): void {
    this.modelGraded = false;
  }

  /**
   * Some cells, planned when sliced: what the engine seam runs batch by batch. The list takes the
   * cells: each entry of `cells` is let go (left empty) once its batch is planned, so a run holds only
   * the cells still to come, not every cell until its end.
   * @example runCells({ plans: plans.list(decided.live), ... })
   */
  list(cells: Array<Cell<LoadedScenario> | undefined>): PlanList {
    return {
      length: cells.length,
      slice: (start, end) => {
        const taken = cells.slice(start, end).map((c) => this.of(c!));
        cells.fill(undefined, start, Math.min(end, cells.length));
        return taken;
      },
    };
  }
}

/** Plans read a slice at a time (an array of plans is one too). */
export interface PlanList {
  readonly length: number;
  slice(start: number, end: number): CellPlan[];
}
