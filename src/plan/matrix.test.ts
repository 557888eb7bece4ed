import { describe, expect, it } from 'vitest';
import { isUserError } from '../errors.ts';
import type { AgentVariant } from '../schema/agent.ts';
import { EvalConfig } from '../schema/eval-config.ts';
import { duplicateModelLabel, expandMatrix, unmatchedFilters, type MatrixScenario } from './matrix.ts';

const variant = (id: string) => ({ id: `helper/${id}`, name: 'helper' }) as AgentVariant;
const scenario = (id: string, tags: string[] = []): MatrixScenario => ({ id, tags, hash: id, assertionsHash: id });
const variants = [variant('a'), variant('b')];
const scenarios = [scenario('refund', ['billing']), scenario('shipping')];
const config = EvalConfig.parse({ models: ['openai:chat:m1', { id: 'openai:chat:m2', label: 'm2' }] });

describe('expandMatrix', () => {
  it('refuses an absurd size at once instead of building it', () => {
    let err: unknown;
    // Counted, not timed: 2 variants × 2 models × 2 scenarios are asked once each to size the plan, and
    // never again, because no cell is built.
    let asked = 0;
    const applies = () => {
      asked++;
      return true;
    };
    try {
      expandMatrix({ variants, scenarios, config, applies, filters: { repeats: 1e9 } });
    } catch (e) {
      err = e;
    }
    expect(asked).toBe(8);
    expect(isUserError(err)).toBe(true);
    expect((err as Error).message).toMatch(/would plan 8,000,000,000 cells \(more than 200,000\)/);
  });
});

describe('unmatchedFilters', () => {
  it('names each filter that selects nothing, with what exists', () => {
    const filters = { agents: ['helper', 'nosuch'], scenarios: ['ref*', 'nosuch'], tags: ['billing', 'nosuch'], models: ['m2', 'nosuch'] };
    expect(unmatchedFilters({ variants, scenarios, config, filters })).toEqual([
      '--agent nosuch: matches no agent or variant (known: helper)',
      '--scenario nosuch: matches no scenario (known: refund, shipping)',
      "--tag nosuch: matches no scenario's tags (known: billing)",
      '--model nosuch: matches no model of the eval config (known: m2, openai:chat:m1)',
    ]);
  });

  it('is empty when every filter matches', () => {
    expect(unmatchedFilters({ variants, scenarios, config, filters: { agents: ['helper/a'], models: ['openai:chat:*'] } })).toEqual([]);
  });
});

describe('duplicateModelLabel', () => {
  it('finds two models that would share one column', () => {
    const twice = EvalConfig.parse({
      models: [{ id: 'openai:chat:a', label: 'same' }, 'openai:chat:b', { id: 'openai:chat:c', label: 'same' }],
    });
    expect(duplicateModelLabel(twice)).toEqual({ index: 2, first: 0, label: 'same' });
    expect(duplicateModelLabel(config)).toBeUndefined();
  });
});
