import { describe, expect, it } from 'vitest';
import { toCellResult } from './cell-result.ts';
import { resolveModel } from '../schema/models.ts';
import type { CellPlan } from '../plan/cell-plan.ts';

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

  it('a cell whose agent reached a limit is a scored failure naming it, whatever its assertions say; answer and trajectory kept', () => {
    const trajectory = {
      runtime: 'claude-code' as const,
      toolCalls: [{ index: 0, tool: 'Grep', input: { pattern: 'x' }, outcome: 'ran' as const, turn: 1 }],
      delegations: [],
      turns: 12,
      filesRead: [],
      workspaceDiff: '',
      filesChanged: [],
    };
    const row = (limit: string) => ({
      response: { output: 'still looking', metadata: { trajectory, limit } },
      gradingResult: { pass: true, score: 1, componentResults: [{ pass: true, score: 1, assertion: { type: 'icontains', metric: 'ok' } }] },
    });
    for (const mode of ['live', 'replay'] as const) {
      const r = toCellResult(plan, row('maxTurns (12) reached'), mode, []);
      expect(r.status).toBe('fail');
      expect(r.score).toBe(0);
      expect(r.error).toBeUndefined();
      expect(r.output).toBe('still looking');
      expect(r.trajectory).toEqual(trajectory);
      expect(r.assertions[0]).toEqual({
        id: 'limit',
        kind: 'limit',
        pass: false,
        score: 0,
        weight: 1,
        critical: true,
        reason: 'maxTurns (12) reached',
      });
      expect(r.assertions[1]).toMatchObject({ id: 'ok', pass: true });
    }
    // OpenCode's words for it carry their own `limit:`: said once.
    expect(toCellResult(plan, row('limit: more than 12 turns (maxTurns)'), 'live', []).assertions[0]!.reason).toBe(
      'more than 12 turns (maxTurns)',
    );
  });
});

/** The plan above with a `mentions` assertion, the kind the null-answer cases were seen on. */
const mentionsPlan: CellPlan = { ...plan, assertionInfo: { ok: { kind: 'mentions', weight: 1, critical: false } } };

/** A graded row whose only assertion failed, as promptfoo grades an answer that is not there. */
const failed = { pass: false, score: 0, componentResults: [{ pass: false, score: 0, assertion: { type: 'javascript', metric: 'ok' } }] };

describe('toCellResult: an answer that is not there', () => {
  const plan = mentionsPlan;
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
