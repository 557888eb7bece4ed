/** `agents` and `lint` on the seeds and on malformed files: the real CLI, run in-process (test/support/run-cli.ts). */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runCliInProcess } from '../support/run-cli.ts';

const repo = path.resolve(fileURLToPath(import.meta.url), '../../..');
const fixture = (name: string) => path.join(repo, 'test/fixtures/agents', name);

/** Runs the real CLI in-process from the repository's folder. */
function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return runCliInProcess(args, { cwd: repo, env: { NO_COLOR: '1' } });
}

const STACK_FRAME = /^\s+at .+[:(]/m;

describe('agent-evals agents (strict load)', () => {
  it('lists the five seed variants of backend-architect and exits 0', async () => {
    const { code, stdout, stderr } = await cli(['--root', repo, 'agents']);
    expect(code).toBe(0);
    const rows = stdout.split('\n').filter((l) => l.startsWith('backend-architect '));
    expect(rows.map((r) => r.split(/\s{2,}/)[1])).toEqual([
      'backend-architect/claude-code-opus-examples',
      'backend-architect/claude-code-sonnet-contract-first',
      'backend-architect/opencode-delegating',
      'backend-architect/opencode-reliability',
      'backend-architect/opencode-sonnet-permissions',
    ]);
    expect(stdout).toContain('5 variants of 1 agent');
    // The lenient read of the opus seed is said on stderr, not hidden.
    expect(stderr.trim()).toMatch(
      /^agents\/backend-architect\/claude-code-opus-examples\.md:3 {2}warning {2}yaml-lenient {2}description: /,
    );
  });

  it('malformed files: one error line each naming file:line and field, exit 2, no stack trace', async () => {
    const { code, stdout, stderr } = await cli(['--root', fixture('malformed'), 'agents']);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr.trim().split('\n')).toEqual([
      'error: agents/demo/broken-yaml.md:4:19: tools: broken YAML in frontmatter: Flow sequence in block collection must be sufficiently indented and end with a ]',
      'error: agents/demo/empty-body.md:7: empty prompt body; expected the system prompt after the frontmatter',
      'error: agents/demo/no-frontmatter.md:1: no YAML frontmatter; expected the file to start with a `---` line',
      'error: agents/demo/temperature-hot.md:5:14: temperature: expected number, got "hot"',
    ]);
    expect(stderr).not.toMatch(STACK_FRAME);
  });

  it('--debug adds the stack trace', async () => {
    const { code, stderr } = await cli(['--root', fixture('malformed'), '--debug', 'agents']);
    expect(code).toBe(2);
    expect(stderr).toMatch(STACK_FRAME);
  });
});

describe('agent-evals lint', () => {
  it('on the seeds: warnings only (the missing @-referenced agents among them), exit 0', async () => {
    const { code, stdout, stderr } = await cli(['--root', repo, 'lint']);
    expect(code).toBe(0);
    expect(stdout).toContain(
      'agents/backend-architect/opencode-delegating.md:25  warning  agent-ref-missing  @database-engineer names no agent under agents/',
    );
    // The contract-first seed lists MultiEdit and LS, which the installed Claude Code no longer defines.
    expect(stdout).toContain('claude-code-sonnet-contract-first.md:5  warning  tool-unknown  tools: unknown claude-code tool "MultiEdit"');
    expect(stdout.trim().split('\n').at(-1)).toBe('0 errors, 12 warnings in 5 files');
    expect(stderr).toBe('');
  });

  it('on malformed files: the same problems as findings, exit 1', async () => {
    const { code, stdout } = await cli(['--root', fixture('malformed'), 'lint']);
    expect(code).toBe(1);
    expect(stdout.trim().split('\n').at(-1)).toBe('4 errors, 0 warnings in 4 files');
  });
});
