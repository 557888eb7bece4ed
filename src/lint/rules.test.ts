import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseAgentFile } from '../load/agents.ts';
import { readAgentFiles } from '../load/discover-agents.ts';
import { tempDirs } from '../../test/support/temp-dirs.ts';
import { lintAgents } from './lint.ts';
import { RULES, findAgentRefs, type RuleName } from './rules.ts';

const fixtures = path.resolve(fileURLToPath(import.meta.url), '../../../test/fixtures/agents');

/** Where each rule's failing fixture (`lint-<rule>/agents/demo/fail.md`) is expected to be flagged. */
const EXPECTED: Record<RuleName, { line: number; message: RegExp; file?: string }> = {
  'file-read': { line: 3, message: /^not valid UTF-8/ },
  frontmatter: { line: 1, message: /^no YAML frontmatter/ },
  'yaml-syntax': { line: 5, message: /^broken YAML in frontmatter/ },
  'yaml-lenient': { line: 3, message: /unquoted ": "/ },
  'field-type': { line: 5, message: /^expected a comma-separated string of tool names .*, got 5$/ },
  'permission-value': { line: 13, message: /^expected allow, ask or deny .*got "maybe"$/ },
  'empty-body': { line: 9, message: /^empty prompt body/ },
  'json-syntax': { line: 4, message: /^broken JSON: unexpected character; expected a JSON value/, file: 'opencode.json' },
  'duplicate-id': {
    line: 2,
    message: /^variant "demo\/fail" is also defined in agents\/demo\/fail\.md; rename one/,
    file: '.claude/agents/demo/fail.md',
  },
  'description-missing': { line: 1, message: /^missing; expected a description/ },
  'temperature-range': { line: 5, message: /^2\.5 is out of range; expected a number from 0 to 2$/ },
  'tool-unknown': { line: 5, message: /^unknown claude-code tool "Grpe"/ },
  'permission-tool-unknown': { line: 14, message: /^"bassh" names no opencode tool; did you mean/ },
  'model-unknown': { line: 4, message: /^"gpt-4o" is not a claude-code model/ },
  'description-trigger': { line: 3, message: /^no trigger guidance/ },
  'prompt-budget': { line: 8, message: /^prompt is about \d+ tokens, over the budget of 4000$/ },
  'agent-ref-missing': { line: 10, message: /^@database-engineer names no agent under agents\/$/ },
  'description-similar': {
    line: 3,
    message: /^0\.\d\d similar to "billing" \(agents\/billing\/billing\.md\): the main agent may not tell them apart/,
  },
};

async function lintFixture(rule: RuleName) {
  const files = await readAgentFiles(path.join(fixtures, `lint-${rule}`));
  const agentNames = new Set(files.flatMap((f) => (f.variant ? [f.variant.name] : [])));
  return lintAgents(files, { agentNames });
}

describe('every rule in the registry', () => {
  it.each(Object.keys(RULES) as RuleName[])('%s: fails on fail.md, passes pass.md', async (rule) => {
    expect(existsSync(path.join(fixtures, `lint-${rule}`)), `missing fixture test/fixtures/agents/lint-${rule}`).toBe(true);
    const findings = await lintFixture(rule);
    const failFile = EXPECTED[rule].file ?? 'agents/demo/fail.md';
    const failing = findings.filter((f) => f.file === failFile);
    // The failing fixture breaks this rule and nothing else.
    expect(failing).toEqual([
      expect.objectContaining({
        rule,
        severity: RULES[rule].severity,
        line: EXPECTED[rule].line,
        message: expect.stringMatching(EXPECTED[rule].message),
      }),
    ]);
    expect(findings.filter((f) => f.file !== failFile)).toEqual([]);
  });
});

const lintText = (text: string, agentNames: string[] = []) =>
  lintAgents([parseAgentFile(Buffer.from(text), { file: 'agents/demo/x.md', id: 'demo/x' })], { agentNames: new Set(agentNames) });
const rulesOf = (text: string, agentNames?: string[]) => lintText(text, agentNames).map((f) => f.rule);

describe('rule details', () => {
  it('temperature 0 and 2 are in range; -0.1 is not', () => {
    const at = (t: string) => rulesOf(`---\ndescription: Use when x\ntemperature: ${t}\n---\nBody`);
    expect(at('0')).toEqual([]);
    expect(at('2')).toEqual([]);
    expect(at('-0.1')).toEqual(['temperature-range']);
  });

  it('a wrong-type temperature is a field-type error only, never also a range error', () => {
    expect(rulesOf('---\ndescription: Use when x\ntemperature: hot\n---\nBody')).toEqual(['field-type']);
  });

  it('a wrong-type description is not also reported as missing', () => {
    expect(rulesOf('---\ndescription: 42\n---\nBody')).toEqual(['field-type']);
  });

  it('an empty description is an error; an empty description is not also warned about triggers', () => {
    const findings = lintText('---\ndescription: ""\n---\nBody');
    expect(findings.map((f) => [f.rule, f.line, f.message])).toEqual([
      ['description-missing', 2, 'empty; expected a description saying what the agent does and when to use it'],
    ]);
  });

  it('an OpenCode tools map is checked key by key, disabled tools included, with a case hint', () => {
    const findings = lintText(
      '---\ndescription: Use when x\ntools:\n  read: true\n  Bash: true\n  wirte: false\n  mymcp_*: false\n  frobnicate: true\n---\nBody',
    );
    expect(findings.map((f) => [f.line, f.message])).toEqual([
      [5, 'unknown opencode tool "Bash"; did you mean "bash"?'],
      [6, 'unknown opencode tool "wirte"; did you mean "write"?'],
      [
        8,
        'unknown opencode tool "frobnicate"; opencode defines no such tool, so it grants nothing (MCP tools are named `mcp__<server>__<tool>`)',
      ],
    ]);
  });

  it('Claude Code tool restrictions like Bash(git status:*) and Task(worker) name known tools', () => {
    expect(rulesOf('---\ndescription: Use when x\ntools: Bash(git status:*), Task(worker), mcp__gh__search\n---\nBody')).toEqual([]);
  });

  it('model spellings per dialect', () => {
    expect(rulesOf('---\ndescription: Use when x\nmodel: inherit\n---\nBody')).toEqual([]);
    expect(rulesOf('---\ndescription: Use when x\nmodel: claude-3-5-haiku-20241022\n---\nBody')).toEqual([]);
    expect(rulesOf('---\ndescription: Use when x\nmode: subagent\nmodel: sonnet\n---\nBody')).toEqual(['model-unknown']);
  });

  it('trigger guidance: "Use when", "PROACTIVELY", "MUST BE USED", <example> all count', () => {
    for (const d of [
      'Use when reviewing code.',
      'Reviews code. Use PROACTIVELY.',
      'MUST BE USED for reviews.',
      'Reviews. <example>x</example>',
    ]) {
      expect(rulesOf(`---\ndescription: "${d}"\n---\nBody`), d).toEqual([]);
    }
    expect(rulesOf('---\ndescription: Reviews code for bugs.\n---\nBody')).toEqual(['description-trigger']);
  });

  it('the prompt budget is configurable', () => {
    const file = parseAgentFile(Buffer.from(`---\ndescription: Use when x\n---\n${'word '.repeat(100)}`), { file: 'a.md', id: 'a' });
    expect(lintAgents([file], { agentNames: new Set(), maxPromptTokens: 100 }).map((f) => f.rule)).toEqual(['prompt-budget']);
    expect(lintAgents([file], { agentNames: new Set(), maxPromptTokens: 200 })).toEqual([]);
  });

  it('@references: reported once per name, at their line; @agent-<name> and placeholders accepted', () => {
    const body = 'Intro.\n\nAsk @db-expert.\nAsk @db-expert again.\nAsk @agent-helper or @helper.\nUse @agent-name to call one.';
    const findings = lintText(`---\ndescription: Use when x\n---\n${body}`, ['helper']);
    expect(findings.map((f) => [f.rule, f.line, f.message])).toEqual([['agent-ref-missing', 6, '@db-expert names no agent under agents/']]);
  });

  it('@ in code, emails, npm scopes and decorators is no agent reference', () => {
    const prompt = [
      'Mail me at dev@example.com, install @types/node, see @app.get.',
      '```python',
      '@dataclass',
      '@pytest-fixture',
      '```',
      'Inline `@media` rules.',
      'But ask @reviewer.',
    ].join('\n');
    expect(findAgentRefs(prompt).map((r) => r.ref)).toEqual(['reviewer']);
  });
});

describe('duplicate-id and one agent kept for both tools', () => {
  const tempDir = tempDirs('agent-evals-dual-');
  const AGENT = '---\nname: reviewer\ndescription: Use when a pull request needs review.\n---\n\nYou review code.\n';
  const OPENCODE = '---\ndescription: Use when a pull request needs review.\nmode: subagent\n---\n\nYou review code.\n';
  async function lintTree(files: Record<string, string>) {
    const root = tempDir();
    for (const [rel, text] of Object.entries(files)) {
      mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
      writeFileSync(path.join(root, rel), text);
    }
    const read = await readAgentFiles(root);
    const findings = lintAgents(read, { agentNames: new Set(read.flatMap((f) => (f.variant ? [f.variant.name] : []))) });
    return findings.filter((f) => f.rule === 'duplicate-id').map((f) => `${f.file}:${f.line} ${f.message}`);
  }

  it('a .claude/agents file and a .opencode/agent file of one id are not duplicates', async () => {
    expect(await lintTree({ '.claude/agents/reviewer.md': AGENT, '.opencode/agent/reviewer.md': OPENCODE })).toEqual([]);
  });

  it('two of one tool are, even beside the other tool: .opencode/agent and .opencode/agents', async () => {
    const findings = await lintTree({
      '.claude/agents/reviewer.md': AGENT,
      '.opencode/agent/reviewer.md': OPENCODE,
      '.opencode/agents/reviewer.md': OPENCODE,
    });
    expect(findings).toEqual([
      expect.stringMatching(/^\.opencode\/agents\/reviewer\.md:1 variant "reviewer" is also defined in \.opencode\/agent\/reviewer\.md; /),
    ]);
  });
});
