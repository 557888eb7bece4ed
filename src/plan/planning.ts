/**
 * The plan before any call (issue 28): per comparison the repeats that detect a 10- and a 20-point change,
 * and what the run is expected to spend; `repeats: auto` picks the repeats from the same figures. Pure.
 * The formulas, with a worked example: docs/planning-and-budgets.md.
 */
import type { Budget } from '../schema/eval-config.ts';
import { MAX_REPEATS } from '../schema/eval-config.ts';
import type { Discordance } from './discordance.ts';
import { DEFAULT_DISCORDANCE, MIN_HISTORY_PAIRS, repeatsNeeded } from './power.ts';
import type { ComparisonPlan, Planning, Range, RunProjection, SpendCell, SpendLine } from '../schema/planning-figures.ts';
import { addRange, type SpendBook } from './spend.ts';

/** The effects every dry run plans for: ten and twenty points of pass rate. */
const PLANNED_EFFECTS = [0.1, 0.2] as const;

/** What planning needs of a planned cell. */
export interface PlanningCell extends SpendCell {
  repeat: number;
}

const SEP = '\u0000';

/**
 * The planning figures of a plan's cells.
 * @example planRun({ cells, discordance, book, alpha: 0.05, concurrency: 4, maxRepeats: 100 }).comparisons[0].repeats
 */
export function planRun(o: {
  cells: readonly PlanningCell[];
  discordance: ReadonlyMap<string, Discordance>;
  book: SpendBook;
  alpha: number;
  concurrency: number;
  maxRepeats?: number;
}): Planning {
  const groups = new Map<string, { variantId: string; model: string; scenarios: Set<string> }>();
  for (const c of o.cells) {
    const key = [c.variantId, c.model].join(SEP);
    const g = groups.get(key) ?? { variantId: c.variantId, model: c.model, scenarios: new Set<string>() };
    g.scenarios.add(c.scenarioId);
    groups.set(key, g);
  }
  const alphaPerTest = o.alpha / Math.max(1, groups.size);
  const comparisons = [...groups.entries()].map(([key, g]) =>
    comparisonPlan(g, o.discordance.get(key), alphaPerTest, o.maxRepeats ?? MAX_REPEATS),
  );
  return { alpha: o.alpha, alphaPerTest, comparisons, spend: projectRun(o.cells, o.book, o.concurrency) };
}

function comparisonPlan(
  g: { variantId: string; model: string; scenarios: Set<string> },
  seen: Discordance | undefined,
  alpha: number,
  maxRepeats: number,
): ComparisonPlan {
  const historyPairs = seen?.pairs ?? 0;
  const fromHistory = historyPairs >= MIN_HISTORY_PAIRS;
  const discordance = fromHistory ? seen!.discordant / historyPairs : DEFAULT_DISCORDANCE;
  const scenarios = g.scenarios.size;
  return {
    variantId: g.variantId,
    model: g.model,
    scenarios,
    discordance,
    historyPairs,
    fromHistory,
    repeats: PLANNED_EFFECTS.map((effect) => {
      const r = repeatsNeeded({ scenarios, discordance, effect, alpha, maxRepeats });
      return r === undefined ? { effect } : { effect, repeats: r };
    }),
  };
}

/** The run's expected spend: each cell's projection, summed per variant × model × scenario and in total. */
export function projectRun(cells: readonly SpendCell[], book: SpendBook, concurrency: number): RunProjection {
  const lines = new Map<string, SpendLine>();
  let tokens: Range | undefined;
  let usd: Range | undefined;
  let latency: Range | undefined;
  let unpricedCells = 0;
  let untimedCells = 0;
  let noHistoryCells = 0;
  for (const c of cells) {
    const p = book.project(c);
    const key = [c.variantId, c.model, c.scenarioId].join(SEP);
    const line = lines.get(key) ?? {
      variantId: c.variantId,
      model: c.model,
      scenarioId: c.scenarioId,
      cells: 0,
      tokens: { low: 0, high: 0 },
      from: p.from,
    };
    line.cells++;
    line.tokens = addRange(line.tokens, p.tokens);
    if (p.usd) line.usd = addRange(line.usd, p.usd);
    if (p.latencyMs) line.latencyMs = addRange(line.latencyMs, p.latencyMs);
    if (p.turns) line.turns = addRange(line.turns, p.turns);
    lines.set(key, line);
    tokens = addRange(tokens, p.tokens);
    if (p.usd) usd = addRange(usd, p.usd);
    else unpricedCells++;
    if (p.latencyMs) latency = addRange(latency, p.latencyMs);
    else untimedCells++;
    if (p.from === 'none') noHistoryCells++;
  }
  const atOnce = Math.max(1, Math.min(concurrency, cells.length));
  return {
    lines: [...lines.values()],
    tokens: tokens ?? { low: 0, high: 0 },
    ...(usd && unpricedCells === 0 ? { usd } : {}),
    unpricedCells,
    ...(latency ? { wallMs: { low: latency.low / atOnce, high: latency.high / atOnce } } : {}),
    untimedCells,
    noHistoryCells,
  };
}

/**
 * `repeats: auto`: the most repeats any comparison needs to detect `effect` at 80 % power, capped by what the
 * budget affords (the high end of one repeat's projected spend) and by {@link MAX_REPEATS}. `why` says which bound chose it.
 * @example autoRepeats({ planning, effect: 0.1, perRepeat: { tokens: 900 }, budget: { tokens: 9000 } }) // { repeats: 10, why: 'budget' }
 */
export function autoRepeats(o: {
  needed: ReadonlyArray<number | undefined>;
  perRepeat: { tokens: number; usd?: number };
  budget?: Budget;
  maxRepeats?: number;
}): { repeats: number; needed?: number; affordable?: number } {
  const max = o.maxRepeats ?? MAX_REPEATS;
  const needed = o.needed.some((n) => n === undefined) ? undefined : Math.max(1, ...(o.needed as number[]));
  const bounds: number[] = [];
  if (o.budget?.tokens !== undefined && o.perRepeat.tokens > 0) bounds.push(Math.floor(o.budget.tokens / o.perRepeat.tokens));
  if (o.budget?.usd !== undefined && o.perRepeat.usd !== undefined && o.perRepeat.usd > 0)
    bounds.push(Math.floor(o.budget.usd / o.perRepeat.usd));
  const affordable = bounds.length ? Math.min(...bounds) : undefined;
  const repeats = Math.max(1, Math.min(needed ?? max, affordable ?? max, max));
  return { repeats, ...(needed !== undefined ? { needed } : {}), ...(affordable !== undefined ? { affordable } : {}) };
}
