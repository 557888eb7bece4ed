/** OpenCode's permission semantics as the runtime mirrors them (pure, no OpenCode needed). */
import { describe, expect, it } from 'vitest';
import {
  classifyAsk,
  classifyDeniedError,
  evaluatePermission,
  isToolDisabled,
  type PermissionRule,
  sandboxRules,
  wildcardMatch,
} from '../../src/execute/runtimes/opencode-permissions.ts';

const seedRules: PermissionRule[] = [
  { permission: '*', pattern: '*', action: 'allow' },
  { permission: 'bash', pattern: '*', action: 'ask' },
  { permission: 'bash', pattern: 'git status*', action: 'allow' },
  { permission: 'bash', pattern: 'git push*', action: 'deny' },
  { permission: 'webfetch', pattern: '*', action: 'deny' },
];

describe('opencode permissions', () => {
  it("matches globs as OpenCode's Wildcard does (a trailing ' *' also matches the bare command)", () => {
    expect(wildcardMatch('git push origin main', 'git push*')).toBe(true);
    expect(wildcardMatch('git push', 'git push *')).toBe(true);
    expect(wildcardMatch('src/a/b.ts', 'src/*')).toBe(true);
    expect(wildcardMatch('gitpush', 'git push*')).toBe(false);
  });

  it('takes the last matching rule and asks when none matches', () => {
    expect(evaluatePermission('bash', 'git push -f', seedRules).action).toBe('deny');
    expect(evaluatePermission('bash', 'git status', seedRules).action).toBe('allow');
    expect(evaluatePermission('bash', 'rm -rf /', seedRules).action).toBe('ask');
    expect(evaluatePermission('edit', 'x', []).action).toBe('ask');
  });

  it('keeps a tool the agent disables hidden, and gates the ones it enables with deny-then-ask', () => {
    expect(isToolDisabled('webfetch', seedRules)).toBe(true);
    const rules = sandboxRules(seedRules, { allowBash: false, toolOutputDir: '/h/tool-output' });
    expect(rules.filter((r) => r.permission === 'webfetch')).toEqual([]);
    expect(rules.filter((r) => r.permission === 'bash').map((r) => r.action)).toEqual(['deny', 'ask']);
    expect(isToolDisabled('bash', [...seedRules, ...rules])).toBe(false); // still offered to the root agent
    expect(sandboxRules(seedRules, { allowBash: true, toolOutputDir: '/h' }).some((r) => r.permission === 'bash')).toBe(false);
  });

  it('blames the agent first: its own deny or ask, then the sandbox', () => {
    expect(classifyAsk({ permission: 'bash', patterns: ['git push origin'] }, seedRules, false).outcome).toBe('denied-by-agent');
    expect(classifyAsk({ permission: 'bash', patterns: ['ls'] }, seedRules, true).outcome).toBe('denied-by-agent');
    expect(classifyAsk({ permission: 'bash', patterns: ['git status'] }, seedRules, false).outcome).toBe('denied-by-sandbox');
    expect(classifyAsk({ permission: 'external_directory', patterns: ['/tmp/*'] }, seedRules, true).outcome).toBe('denied-by-sandbox');
    expect(classifyAsk({ permission: 'doom_loop', patterns: ['read'] }, seedRules, true).outcome).toBe('failed');
    const external = `The user has specified a rule which prevents you from using this specific tool call. Here are some of the relevant rules ${JSON.stringify([{ permission: 'external_directory', pattern: '*', action: 'deny' }])}`;
    expect(classifyDeniedError(external, seedRules)?.outcome).toBe('denied-by-sandbox');
    expect(classifyDeniedError('File not found', seedRules)).toBeUndefined();
  });
});
