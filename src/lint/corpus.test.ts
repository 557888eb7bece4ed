import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { readAgentFiles } from '../load/discover-agents.ts';
import { lintAgents } from './lint.ts';

/**
 * 158 real Claude Code subagents from VoltAgent/awesome-claude-code-subagents (MIT; LICENSE and
 * SOURCE.md sit beside the `agents/` folder the loader is pointed at).
 */
const corpus = path.resolve(fileURLToPath(import.meta.url), '../../../test/fixtures/corpus/claude-code-agents');

/** The files whose descriptions hold an unquoted `: `: not strict YAML, read leniently (docs/agent-files.md). */
const NOT_STRICT_YAML = [
  'agents/04-quality-security/gdpr-ccpa-compliance.md',
  'agents/07-specialized-domains/hipaa-compliance.md',
  'agents/08-business-product/assumption-mapping.md',
  'agents/08-business-product/backlog-grooming.md',
  'agents/08-business-product/growth-loops.md',
  'agents/10-research-analysis/ab-test-analysis.md',
  'agents/10-research-analysis/cohort-analysis.md',
  'agents/10-research-analysis/first-principles-thinking.md',
];

describe('the 158-file Claude Code corpus', () => {
  it('loads every file as a Claude Code variant with a name, a description and a prompt', async () => {
    const files = await readAgentFiles(corpus);
    expect(files).toHaveLength(158);
    for (const f of files) {
      expect(f.variant, f.file).toBeDefined();
      expect(f.variant!.dialect, f.file).toBe('claude-code');
      expect(f.variant!.name, f.file).toBe(path.basename(f.file, '.md'));
      expect(f.variant!.description.length, f.file).toBeGreaterThan(20);
      expect(f.variant!.systemPrompt.length, f.file).toBeGreaterThan(100);
    }
  });

  it('lints without errors; exactly the 8 non-strict-YAML files get yaml-lenient', async () => {
    const files = await readAgentFiles(corpus);
    const findings = lintAgents(files, { agentNames: new Set(files.map((f) => f.variant!.name)) });
    expect(findings.filter((f) => f.severity === 'error')).toEqual([]);
    const lenient = findings.filter((f) => f.rule === 'yaml-lenient');
    expect(lenient.map((f) => f.file)).toEqual(NOT_STRICT_YAML);
    expect(lenient.every((f) => f.line === 3 && f.field === 'description')).toBe(true);
  });

  it('read leniently, a description keeps its `: ` text', async () => {
    const files = await readAgentFiles(corpus);
    const gdpr = files.find((f) => f.file === NOT_STRICT_YAML[0])!;
    expect(gdpr.variant!.description).toMatch(/^Use when .*Triggers on: /);
  });
});
