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
  assertionInfo: { ok: { kind: 'icontains', weight: 1, critical: false } },
};

describe('toCellResult', () => {
  it('cuts URL credentials from an error, even when they are no known secret', () => {
    const r = toCellResult(
      plan,
      {
        response: {
          error:
            'API call error: Request cannot be constructed from a URL that includes credentials: http://agent:hunter2@10.0.0.1/v1/chat',
        },
      },
      'live',
      [],
    );
    expect(r.status).toBe('error');
    expect(r.error).toBe(
      'API call error: Request cannot be constructed from a URL that includes credentials: http://[redacted]@10.0.0.1/v1/chat',
    );
  });

  it("says where an answer came from: promptfoo's cache, a live call, a recording", () => {
    const row = (cached: boolean) => ({
      response: { output: 'fine', cached },
      gradingResult: { pass: true, score: 1, componentResults: [{ pass: true, score: 1, assertion: { type: 'icontains', metric: 'ok' } }] },
    });
    expect(toCellResult(plan, row(true), 'live', []).source).toBe('cache');
    expect(toCellResult(plan, row(false), 'live', []).source).toBe('live');
    expect(toCellResult(plan, row(false), 'record', []).source).toBe('live');
    expect(toCellResult(plan, row(false), 'replay', []).source).toBe('replay');
  });
});
