import { describe, expect, it } from 'vitest';
import { toCellResult } from './cell-result.ts';
import { resolveModel } from '../plan/matrix.ts';
import type { CellPlan } from '../plan/types.ts';

const plan: CellPlan = {
  cellId: 'c1',
  agent: 'a',
  variantId: 'a/v',
  variantHash: 'vh',
  scenarioId: 's',
  scenarioHash: 'sh',
  assertionsHash: 'ah',
  model: resolveModel({ id: 'openai:chat:m', config: {} }),
  repeat: 0,
  messages: [],
  vars: {},
  assertions: [],
  assertionInfo: { ok: { kind: 'mentions', weight: 1, critical: false } },
};

/** A graded row whose only assertion failed, as promptfoo grades an answer that is not there. */
const failed = { pass: false, score: 0, componentResults: [{ pass: false, score: 0, assertion: { type: 'javascript', metric: 'ok' } }] };

describe('toCellResult: an answer that is not there', () => {
  // promptfoo's OpenAI provider turns `"content": null` (no tool call) into `output: undefined`.
  it.each([
    ['undefined', undefined],
    ['null', null],
  ])('output %s is an error cell (could not measure), never an empty answer that failed', (_name, output) => {
    const r = toCellResult(plan, { response: { output }, gradingResult: failed, latencyMs: 12 }, 'live', []);
    expect(r.status).toBe('error');
    expect(r.error).toBe('no answer: the model returned no content (content: null) and no error');
    expect(r.output).toBeUndefined();
    expect(r.assertions).toEqual([]);
  });

  it('an empty string is an answer: scored as given', () => {
    const r = toCellResult(plan, { response: { output: '' }, gradingResult: failed }, 'live', []);
    expect(r.status).toBe('fail');
    expect(r.output).toBe('');
  });
});
