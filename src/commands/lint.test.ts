import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { memoryContext } from '../../test/support/context.ts';
import { lintCommand } from './lint.ts';
import { runLint } from '../lint/run-lint.ts';

const repo = path.resolve(fileURLToPath(import.meta.url), '../../..');
const fixture = (name: string) => path.join(repo, 'test/fixtures/agents', name);

const DELEGATES = [
  'database-engineer',
  'security-auditor',
  'performance-profiler',
  'integration-test-builder',
  'tech-writer',
  'frontend-specialist',
  'iac-expert',
  'monitoring-architect',
];

describe('agent-evals lint', () => {
  it('on the seeds: warns about the agents opencode-delegating.md delegates to, and exits 0', async () => {
    const ctx = memoryContext(repo);
    expect(await lintCommand(ctx, {})).toBe(0);
    const refs = ctx.stdout.filter((l) => l.includes('agent-ref-missing'));
    expect(refs.map((l) => /@([\w-]+)/.exec(l)![1])).toEqual(DELEGATES);
    for (const line of refs)
      expect(line).toMatch(/^agents\/backend-architect\/opencode-delegating\.md:\d+ {2}warning {2}agent-ref-missing {2}@/);
    expect(ctx.stdout).toContain(
      'agents/backend-architect/opencode-reliability.md:3  warning  description-trigger  description: no trigger guidance; say when to use the agent ("Use when …", "Use PROACTIVELY for …")',
    );
    // 10, and MultiEdit and LS of the contract-first seed, which the installed Claude Code no longer defines.
    expect(ctx.stdout.at(-1)).toBe('0 errors, 12 warnings in 5 files');
    expect(ctx.stderr).toEqual([]);
  });

  it('exits 1 when any finding is an error, printing one line per finding sorted by file and line', async () => {
    const ctx = memoryContext(fixture('malformed'));
    expect(await lintCommand(ctx, {})).toBe(1);
    expect(ctx.stdout).toEqual([
      'agents/demo/broken-yaml.md:4  error  yaml-syntax  tools: broken YAML in frontmatter: Flow sequence in block collection must be sufficiently indented and end with a ]',
      'agents/demo/empty-body.md:7  error  empty-body  empty prompt body; expected the system prompt after the frontmatter',
      'agents/demo/no-frontmatter.md:1  error  frontmatter  no YAML frontmatter; expected the file to start with a `---` line',
      'agents/demo/temperature-hot.md:5  error  field-type  temperature: expected number, got "hot"',
      '4 errors, 0 warnings in 4 files',
    ]);
  });

  it('--max-prompt-tokens lowers the budget', async () => {
    const ctx = memoryContext(repo);
    expect(await lintCommand(ctx, { maxPromptTokens: 800 })).toBe(0);
    const over = ctx.stdout.filter((l) => l.includes('prompt-budget')).map((l) => l.split(':')[0]);
    expect(over).toEqual(['agents/backend-architect/opencode-delegating.md', 'agents/backend-architect/opencode-sonnet-permissions.md']);
  });

  it('--json prints the findings and counts as one JSON document', async () => {
    const ctx = memoryContext(fixture('lint-temperature-range'));
    expect(await lintCommand(ctx, { json: true })).toBe(1);
    expect(ctx.stdout).toHaveLength(1);
    expect(JSON.parse(ctx.stdout[0]!)).toEqual({
      findings: [
        {
          file: 'agents/demo/fail.md',
          line: 5,
          severity: 'error',
          rule: 'temperature-range',
          field: 'temperature',
          message: '2.5 is out of range; expected a number from 0 to 2',
        },
      ],
      errors: 1,
      warnings: 0,
      files: 2,
    });
  });

  it('runLint gives eval the findings and the error count without printing', async () => {
    const report = await runLint(fixture('malformed'));
    expect(report.errors).toBe(4);
    expect(report.warnings).toBe(0);
    expect(report.files).toHaveLength(4);
  });

  it('an empty project has nothing to lint and passes', async () => {
    const ctx = memoryContext(fixture('does-not-exist'));
    expect(await lintCommand(ctx, {})).toBe(0);
    expect(ctx.stdout).toEqual(['0 errors, 0 warnings in 0 files']);
  });
});
