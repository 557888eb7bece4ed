import { describe, expect, it } from 'vitest';
import { memoryContext } from '../../test/support/context.ts';
import type { ResolvedModel } from '../schema/models.ts';
import { runtimeModel } from './agent-cells.ts';

const model = (runtime: ResolvedModel['runtime'], config: Record<string, unknown>): ResolvedModel => ({
  label: 'm',
  id: 'model-id',
  config,
  runtime,
  maxTurns: 12,
});

describe('runtimeModel: the model as an agent runtime (cell or routing case) gets it', () => {
  const ctx = memoryContext('/p', { ANTHROPIC_API_KEY: 'ant-key', OPENAI_API_KEY: 'oa-key', MY_KEY: 'mine' });

  it("takes the key from the runtime protocol's own variable by default", () => {
    expect(runtimeModel(ctx, model('claude-code', { apiBaseUrl: 'http://127.0.0.1:1' }))).toEqual({
      id: 'model-id',
      apiBaseUrl: 'http://127.0.0.1:1',
      apiKey: 'ant-key',
    });
    expect(runtimeModel(ctx, model('opencode', {})).apiKey).toBe('oa-key');
  });

  it('prefers config.apiKey, then the variable config.apiKeyEnvar names; no key when none is set', () => {
    expect(runtimeModel(ctx, model('opencode', { apiKey: 'inline', apiKeyEnvar: 'MY_KEY' })).apiKey).toBe('inline');
    expect(runtimeModel(ctx, model('opencode', { apiKeyEnvar: 'MY_KEY' })).apiKey).toBe('mine');
    expect(runtimeModel(memoryContext('/p', {}), model('claude-code', {}))).toEqual({ id: 'model-id' });
  });
});
