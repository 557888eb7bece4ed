/**
 * What planning reads before any call (issue 28): run-to-run discordance from reports/history.jsonl, what
 * earlier runs' cells spent (their results), and each model's price (the config's `cost:`, else promptfoo's).
 * A USD budget on a model with no price is refused here, before a run folder exists.
 */
import type { Context } from '../context.ts';
import { EvalConfigError } from '../errors.ts';
import { readHistory } from '../io/history/history.ts';
import { readSpendSamples } from '../io/run/spend-history.ts';
import { historyDiscordance, type Discordance } from '../plan/discordance.ts';
import { resolveModel } from '../schema/models.ts';
import { configPrices, type ModelPrice, SpendBook, spendSample } from '../plan/spend.ts';
import type { EvalInputs } from '../plan/cell-plan.ts';
import { promptfooPrice } from './prices.ts';

export interface PlanningInputs {
  discordance: Map<string, Discordance>;
  book: SpendBook;
  prices: Map<string, ModelPrice>;
}

/**
 * @example const { book } = await readPlanningInputs(ctx, inputs, { budgetUsd: 5 });
 */
export async function readPlanningInputs(
  ctx: Context,
  inputs: Pick<EvalInputs, 'config' | 'configFile'>,
  o: { budgetUsd?: number; budgetFlag?: boolean },
): Promise<PlanningInputs> {
  const { config } = inputs;
  const prices = configPrices(config);
  const specs =
    config.models === 'from-agent' ? Object.entries(config.modelMap ?? {}) : config.models.map((m, i) => [String(i), m] as const);
  for (const [at, spec] of specs) {
    const model = resolveModel(spec);
    if (prices.has(model.label)) continue;
    const price = await promptfooPrice(model, ctx.env);
    if (price) prices.set(model.label, price);
    else if (o.budgetUsd !== undefined) {
      const field = config.models === 'from-agent' ? `modelMap.${at}.cost` : `models[${at}].cost`;
      throw new EvalConfigError(
        `model ${model.label} has no known price and ${o.budgetFlag ? '--budget-usd' : 'budget.usd'} is set: give it \`cost: { input: <USD per million prompt tokens>, output: <USD per million completion tokens> }\``,
        { file: inputs.configFile, field },
      );
    }
  }
  const [history, samples] = await Promise.all([readHistory(ctx.root), readSpendSamples(ctx.root, spendSample)]);
  return { discordance: historyDiscordance(history.entries), book: new SpendBook(prices, samples), prices };
}
