import { describe, expect, it } from 'vitest';
import { parseAgentFile } from '../load/agents.ts';
import { formatFinding, lintAgents, type Finding } from './lint.ts';

const file = (name: string, text: string) => parseAgentFile(Buffer.from(text), { file: `agents/${name}.md`, id: name });

describe('formatFinding', () => {
  it('prints file:line  severity  rule  field: message', () => {
    const f: Finding = {
      file: 'agents/a.md',
      line: 4,
      severity: 'error',
      rule: 'temperature-range',
      field: 'temperature',
      message: '3 is out of range; expected a number from 0 to 2',
    };
    expect(formatFinding(f)).toBe('agents/a.md:4  error  temperature-range  temperature: 3 is out of range; expected a number from 0 to 2');
  });

  it('leaves the field out when the finding has none', () => {
    expect(formatFinding({ file: 'agents/a.md', line: 9, severity: 'warning', rule: 'prompt-budget', message: 'too long' })).toBe(
      'agents/a.md:9  warning  prompt-budget  too long',
    );
  });
});

describe('lintAgents', () => {
  it('returns findings sorted by file, then line, whatever order the files come in', () => {
    const b = file('b', '---\ndescription: Reviews code.\ntemperature: 9\nmode: subagent\n---\nBody');
    const a = file('a', '---\ndescription: Use when x\n---\n');
    const findings = lintAgents([b, a], { agentNames: new Set() });
    expect(findings.map((f) => `${f.file}:${f.line} ${f.rule}`)).toEqual([
      'agents/a.md:4 empty-body',
      'agents/b.md:2 description-trigger',
      'agents/b.md:3 temperature-range',
    ]);
  });

  it('a file without a variant gets only the loader findings', () => {
    const findings = lintAgents([file('c', 'no frontmatter')], { agentNames: new Set() });
    expect(findings).toEqual([
      {
        file: 'agents/c.md',
        line: 1,
        severity: 'error',
        rule: 'frontmatter',
        message: 'no YAML frontmatter; expected the file to start with a `---` line',
      },
    ]);
  });
});
