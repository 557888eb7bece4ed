import { describe, expect, it } from 'vitest';
import { resumeCommand } from './resume-hint.ts';

describe('resumeCommand', () => {
  it('a plain run: only --resume', () => {
    expect(resumeCommand({ config: 'evals/default.yaml' }, 'r1')).toBe('npx agent-evals eval --resume r1');
  });

  it('keeps the config and every option that decides the cells, quoting what the shell would change', () => {
    const cmd = resumeCommand(
      {
        config: 'evals/my ci.yaml',
        scenario: ['rate-*'],
        agent: ['a', 'b'],
        repeat: 3,
        shard: '2/4',
        ci: true,
        baseline: 'main',
        concurrency: 4,
      },
      'r2',
    );
    expect(cmd).toBe(
      "npx agent-evals eval -c 'evals/my ci.yaml' --agent a --agent b --scenario 'rate-*' --repeat 3 --shard 2/4 --ci --baseline main --resume r2",
    );
  });

  it('repeats the budget an interrupted run was started under', () => {
    expect(resumeCommand({ config: 'evals/default.yaml', budgetUsd: 2.5 }, 'r3')).toBe('npx agent-evals eval --budget-usd 2.5 --resume r3');
  });
});
