/**
 * The planning figures' shapes (issue 28): what earlier cells spent, the ranges a run is expected to spend,
 * and the plan `eval --dry-run` prints. Computed in `plan/spend.ts` and `plan/planning.ts`, read from earlier
 * runs by `io/run/spend-history.ts`, printed by `report/text/dry-run.ts`.
 */

/** What one finished cell spent (agent cells: delegated peers included, as the runtimes report them). */
export interface SpendSample {
  variantId: string;
  model: string;
  scenarioId: string;
  prompt: number;
  completion: number;
  /** USD as the provider or runtime reported it. */
  costUsd?: number;
  latencyMs?: number;
  /** Agent cells: model turns. */
  turns?: number;
}

export interface Range {
  low: number;
  high: number;
}

export interface CellProjection {
  tokens: Range;
  /** Absent when neither a sample nor a price gives one. */
  usd?: Range;
  latencyMs?: Range;
  turns?: Range;
  /** Where the figures come from: the cell's own history, its variant × model's, its model's, or none. */
  from: 'cell' | 'variant-model' | 'model' | 'none';
}

/** The cell a projection is asked for, and its prompt estimate when nothing was seen of it. */
export interface SpendCell {
  variantId: string;
  model: string;
  scenarioId: string;
  promptEstimate: number;
}

export interface ComparisonPlan {
  variantId: string;
  model: string;
  scenarios: number;
  /** ψ₀ used, and where it came from (history pairs, or the stated default). */
  discordance: number;
  historyPairs: number;
  fromHistory: boolean;
  /** Repeats per scenario for each planned effect (`PLANNED_EFFECTS` in `plan/planning.ts`) (undefined: more than the maximum). */
  repeats: Array<{ effect: number; repeats?: number }>;
}

export interface SpendLine {
  variantId: string;
  model: string;
  scenarioId: string;
  cells: number;
  tokens: Range;
  usd?: Range;
  latencyMs?: Range;
  turns?: Range;
  from: 'cell' | 'variant-model' | 'model' | 'none';
}

export interface RunProjection {
  lines: SpendLine[];
  tokens: Range;
  /** Absent when a planned cell has no USD figure (its model has no price and no history of cost). */
  usd?: Range;
  /** Cells whose model has no price. */
  unpricedCells: number;
  /** Wall time: the cells' latencies over the concurrency; absent when no cell has a timing. */
  wallMs?: Range;
  /** Cells with no timing in history (not in `wallMs`). */
  untimedCells: number;
  /** Cells with no history at all: prompt estimated, answer counted as 0. */
  noHistoryCells: number;
}

export interface Planning {
  alpha: number;
  /** The level each comparison is planned at: alpha over the comparisons (the strictest Holm level). */
  alphaPerTest: number;
  comparisons: ComparisonPlan[];
  spend: RunProjection;
}
