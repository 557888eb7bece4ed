import { describe, expect, it } from 'vitest';
import { cell } from '../../../test/support/cells.ts';
import { ResultFold } from '../../score/fold-results.ts';
import { approximations } from './summary-md-evidence.ts';

const trajectory = (approximated?: string[]) => ({
  runtime: 'opencode' as const,
  toolCalls: [],
  delegations: [],
  turns: 1,
  filesRead: [],
  workspaceDiff: '',
  filesChanged: [],
  ...(approximated ? { approximated } : {}),
});

describe('approximations in summary.md', () => {
  it('lists, once per variant and model, what its runtime could not enforce; nothing when all was', () => {
    const cells = [
      cell({
        variantId: 'a/cc',
        scenarioId: 's1',
        status: 'pass',
        model: 'opencode:m',
        trajectory: trajectory(['TaskCreate: OpenCode has no such tool']),
      }),
      cell({
        variantId: 'a/cc',
        scenarioId: 's2',
        status: 'pass',
        model: 'opencode:m',
        trajectory: trajectory(['TaskCreate: OpenCode has no such tool']),
      }),
      cell({ variantId: 'a/oc', scenarioId: 's1', status: 'pass', model: 'opencode:m', trajectory: trajectory() }),
    ];
    // summary.md is rendered from the run's fold, which keeps no trajectory: what was approximated must survive it.
    const fold = new ResultFold();
    for (const c of cells) fold.add(c);
    const results = fold.cells;
    expect(approximations(results)).toEqual([
      '### Not enforced on this runtime (approximated)',
      '',
      '- a/cc @ opencode:m: TaskCreate: OpenCode has no such tool',
      '',
    ]);
    expect(approximations(results.slice(2))).toEqual([]);
  });
});
