/**
 * promptfoo's own price of a model, asked of promptfoo (the engine seam): the provider it builds for the
 * model id carries its price table as a static list (`OPENAI_CHAT_MODELS`, `ANTHROPIC_MODELS`, …, entries
 * `{ id, cost: { input, output } }` in USD per token), and promptfoo's `inputCost`/`outputCost` options
 * in the entry's `config` override it, as they do when promptfoo prices an answer. No model is called.
 */
import type { ResolvedModel } from '../schema/models.ts';
import type { ModelPrice } from '../plan/spend.ts';
import { loadEngine } from './engine.ts';

interface PricedEntry {
  id: string;
  cost: { input: number; output: number };
}

const isPriced = (e: unknown): e is PricedEntry => {
  const x = e as Partial<PricedEntry> | null;
  return (
    typeof x === 'object' &&
    x !== null &&
    typeof x.id === 'string' &&
    typeof x.cost?.input === 'number' &&
    typeof x.cost?.output === 'number'
  );
};

/**
 * USD per million tokens promptfoo would charge for `model`, or undefined when it knows no price. Agent
 * runtime entries name a bare model (`claude-sonnet-4-5`, `gpt-4.1`): promptfoo's Anthropic and OpenAI
 * tables are asked for it.
 *
 * @example await promptfooPrice({ id: 'openai:chat:gpt-4o-mini', config: {}, runtime: 'chat', … }, env) // { input: 0.15, output: 0.6 }
 */
export async function promptfooPrice(model: ResolvedModel, env: NodeJS.ProcessEnv): Promise<ModelPrice | undefined> {
  const override = configPrice(model.config);
  if (override) return override;
  const bare = model.id.split(/[/:]/).at(-1)!;
  const ids = model.runtime === 'chat' ? [model.id] : [`anthropic:messages:${bare}`, `openai:chat:${bare}`];
  const engine = await loadEngine(env);
  for (const id of ids) {
    if (id.startsWith('promptfoo://')) continue;
    try {
      const provider = (await engine.loadApiProvider(id, {
        options: { config: { apiKey: 'agent-evals-price-check' } } as never,
      })) as object & {
        modelName?: string;
      };
      // Work a provider starts when built is the run's: its failure is never an unhandled rejection here.
      for (const value of Object.values(provider) as unknown[]) if (value instanceof Promise) value.catch(() => undefined);
      const name = provider.modelName ?? bare;
      const entry = staticTables(provider).find((e) => e.id === name);
      if (entry) return { input: entry.cost.input * 1e6, output: entry.cost.output * 1e6 };
    } catch {
      // Not a provider promptfoo builds here: no price from it.
    }
  }
  return undefined;
}

/** promptfoo's per-token price options (`inputCost`, `outputCost`, `cost`) in a model's config, per million tokens. */
function configPrice(config: Record<string, unknown>): ModelPrice | undefined {
  const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : undefined);
  const input = num(config.inputCost) ?? num(config.cost);
  const output = num(config.outputCost) ?? num(config.cost);
  return input !== undefined && output !== undefined ? { input: input * 1e6, output: output * 1e6 } : undefined;
}

/** Every priced entry of the static lists on the provider's class chain. */
function staticTables(provider: object): PricedEntry[] {
  const out: PricedEntry[] = [];
  for (let c = provider.constructor; c && c !== Object && c !== Function.prototype; c = Object.getPrototypeOf(c)) {
    for (const key of Object.getOwnPropertyNames(c)) {
      const value = (c as unknown as Record<string, unknown>)[key];
      if (Array.isArray(value)) out.push(...value.filter(isPriced));
    }
  }
  return out;
}
