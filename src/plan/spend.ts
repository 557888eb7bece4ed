/**
 * What a cell is expected to spend, from what cells of the same variant × model × scenario spent before
 * (issue 28): tokens, USD, wall time and, for agent cells, turns, each as the range [lowest, highest]
 * observed. Pure: the samples (`spendSample`) are read from earlier runs' results (`io/run/spend-history.ts`) and from the
 * cells of the run as they finish.
 *
 * A cell with no sample of its own variant × model × scenario borrows those of its variant × model, then
 * of its model; with none at all its prompt is estimated (characters / 4) and its answer counted as 0, and
 * the plan says how many cells that is.
 */
import type { EvalConfig, ModelCost } from '../schema/eval-config.ts';
import type { CellResult } from '../schema/result.ts';
import type { CellProjection, Range, SpendCell, SpendSample } from '../schema/planning-figures.ts';
import { resolveModel } from '../schema/models.ts';

/** USD per million tokens. */
export type ModelPrice = ModelCost;

const SEP = '\u0000';
const cellKey = (c: { variantId: string; model: string; scenarioId: string }) => [c.variantId, c.model, c.scenarioId].join(SEP);
const vmKey = (c: { variantId: string; model: string }) => [c.variantId, c.model].join(SEP);

/** Running ranges of what samples spent, per cell, per variant × model and per model. */
export class SpendBook {
  private readonly levels = { cell: new Map<string, Acc>(), vm: new Map<string, Acc>(), model: new Map<string, Acc>() };

  constructor(
    /** Prices by model label (config `cost:` or promptfoo's), for samples that carry no USD. */
    private readonly prices: ReadonlyMap<string, ModelPrice>,
    samples: Iterable<SpendSample> = [],
  ) {
    for (const s of samples) this.add(s);
  }

  /** Adds a finished cell's spend (its own run's cells as they finish sharpen the projection); returns its USD (`usdOf`). */
  add(s: SpendSample): number | undefined {
    const usd = this.usdOf(s);
    for (const [map, key] of [
      [this.levels.cell, cellKey(s)],
      [this.levels.vm, vmKey(s)],
      [this.levels.model, s.model],
    ] as const) {
      let acc = map.get(key);
      if (!acc) map.set(key, (acc = new Acc()));
      acc.add(s, usd);
    }
    return usd;
  }

  /** USD of a sample: as reported, else its tokens at the model's price, else undefined. */
  usdOf(s: Pick<SpendSample, 'model' | 'prompt' | 'completion' | 'costUsd'>): number | undefined {
    if (s.costUsd !== undefined) return s.costUsd;
    const price = this.prices.get(s.model);
    return price ? (s.prompt * price.input + s.completion * price.output) / 1e6 : undefined;
  }

  /** The projection of one cell. */
  project(c: SpendCell): CellProjection {
    const found: Array<[CellProjection['from'], Acc | undefined]> = [
      ['cell', this.levels.cell.get(cellKey(c))],
      ['variant-model', this.levels.vm.get(vmKey(c))],
      ['model', this.levels.model.get(c.model)],
    ];
    for (const [from, acc] of found) if (acc) return acc.projection(from);
    const price = this.prices.get(c.model);
    const usd = price ? (c.promptEstimate * price.input) / 1e6 : undefined;
    return {
      tokens: { low: c.promptEstimate, high: c.promptEstimate },
      ...(usd !== undefined ? { usd: { low: usd, high: usd } } : {}),
      from: 'none',
    };
  }
}

class Acc {
  n = 0;
  tokens: Range = { low: Infinity, high: -Infinity };
  usd: Range = { low: Infinity, high: -Infinity };
  unpriced = 0;
  latency: Range = { low: Infinity, high: -Infinity };
  timed = 0;
  turns: Range = { low: Infinity, high: -Infinity };
  turned = 0;

  add(s: SpendSample, usd: number | undefined): void {
    this.n++;
    widen(this.tokens, s.prompt + s.completion);
    if (usd === undefined) this.unpriced++;
    else widen(this.usd, usd);
    if (s.latencyMs !== undefined) {
      this.timed++;
      widen(this.latency, s.latencyMs);
    }
    if (s.turns !== undefined) {
      this.turned++;
      widen(this.turns, s.turns);
    }
  }

  projection(from: CellProjection['from']): CellProjection {
    // A sample has USD when it was reported or its model has a price (`SpendBook.usdOf`): with one sample
    // without, the USD figure would be a guess, so there is none.
    const usd = this.unpriced === 0 ? { ...this.usd } : undefined;
    return {
      tokens: { ...this.tokens },
      ...(usd ? { usd } : {}),
      ...(this.timed ? { latencyMs: { ...this.latency } } : {}),
      ...(this.turned ? { turns: { ...this.turns } } : {}),
      from,
    };
  }
}

function widen(r: Range, v: number): void {
  r.low = Math.min(r.low, v);
  r.high = Math.max(r.high, v);
}

/**
 * Prices from the config's `cost:` per model label (USD per million tokens); promptfoo's own prices are
 * added by the caller (the engine seam knows them).
 */
export function configPrices(config: Pick<EvalConfig, 'models' | 'modelMap'>): Map<string, ModelPrice> {
  const specs = config.models === 'from-agent' ? Object.values(config.modelMap ?? {}) : config.models;
  const prices = new Map<string, ModelPrice>();
  for (const spec of specs) if (typeof spec !== 'string' && spec.cost) prices.set(resolveModel(spec).label, spec.cost);
  return prices;
}

/** Adds ranges (the total of many cells' ranges). */
export function addRange(a: Range | undefined, b: Range): Range {
  return a ? { low: a.low + b.low, high: a.high + b.high } : { ...b };
}

/**
 * A cell's prompt tokens before anything was seen of it: its messages' characters / 4 (what `--dry-run` has
 * always estimated), the system prompt included.
 */
export function promptEstimate(cell: { messages: ReadonlyArray<{ content: string }> }): number {
  return Math.ceil(cell.messages.reduce((n, m) => n + m.content.length, 0) / 4);
}

/**
 * A finished cell's spend (an earlier run's, or a resumed run's finished one), or undefined when it spent
 * nothing a later run would spend again: answered from promptfoo's cache, carried from the baseline, no answer.
 */
export function spendSample(r: CellResult): SpendSample | undefined {
  if (!r.tokens || r.source === 'cache' || r.source === 'baseline') return undefined;
  return {
    variantId: r.variantId,
    model: r.model,
    scenarioId: r.scenarioId,
    prompt: r.tokens.prompt,
    completion: r.tokens.completion,
    ...(r.cost !== undefined ? { costUsd: r.cost } : {}),
    ...(r.latencyMs !== undefined ? { latencyMs: r.latencyMs } : {}),
    ...(r.trajectory ? { turns: r.trajectory.turns } : {}),
  };
}
