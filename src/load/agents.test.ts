import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { UserErrors } from '../errors.ts';
import { parseAgentFile, type AgentFile } from './agents.ts';
import { loadAgents, readAgentFiles } from './discover-agents.ts';

const repo = path.resolve(fileURLToPath(import.meta.url), '../../..');
const fixture = (name: string) => path.join(repo, 'test/fixtures/agents', name);

const parse = (text: string, id = 'demo/x') => parseAgentFile(Buffer.from(text), { file: `agents/${id}.md`, id });
const byId = (files: AgentFile[], id: string) => files.find((f) => f.variant?.id === id)?.variant;

describe('the five seeds in agents/backend-architect', () => {
  it('all load as variants of one agent, backend-architect, without errors', async () => {
    const { variants, warnings } = await loadAgents(repo);
    expect(variants.map((v) => v.id)).toEqual([
      'backend-architect/claude-code-opus-examples',
      'backend-architect/claude-code-sonnet-contract-first',
      'backend-architect/opencode-delegating',
      'backend-architect/opencode-reliability',
      'backend-architect/opencode-sonnet-permissions',
    ]);
    expect(new Set(variants.map((v) => v.name))).toEqual(new Set(['backend-architect']));
    // The opus seed's description holds an unquoted `: `; it is read leniently, with a warning.
    expect(warnings.map((w) => `${w.file}:${w.line} ${w.rule}`)).toEqual([
      'agents/backend-architect/claude-code-opus-examples.md:3 yaml-lenient',
    ]);
  });

  it('claude-code-opus-examples: opus alias, description with <example> blocks, no tools', async () => {
    const v = byId(await readAgentFiles(repo), 'backend-architect/claude-code-opus-examples')!;
    expect(v).toMatchObject({ dialect: 'claude-code', modelHint: 'opus', tools: [], permissions: [], temperature: undefined });
    expect(v.description).toMatch(/^Use this agent when you need expert guidance/);
    expect(v.description).toContain('<example>Context: User is building a fitness app');
    expect(v.systemPrompt).toMatch(/^You are a master backend architect/);
  });

  it('claude-code-sonnet-contract-first: the comma-separated tools, in file order', async () => {
    const v = byId(await readAgentFiles(repo), 'backend-architect/claude-code-sonnet-contract-first')!;
    expect(v).toMatchObject({ dialect: 'claude-code', modelHint: 'sonnet', name: 'backend-architect' });
    expect(v.tools).toEqual(['Edit', 'MultiEdit', 'Write', 'NotebookEdit', 'Grep', 'LS', 'Read']);
  });

  it('opencode-sonnet-permissions: temperature, provider/model, permission rules, version and mode kept', async () => {
    const v = byId(await readAgentFiles(repo), 'backend-architect/opencode-sonnet-permissions')!;
    expect(v).toMatchObject({ dialect: 'opencode', temperature: 0.1, modelHint: 'github-copilot/claude-sonnet-4.5' });
    // No `name:` in the file: the agent is named by its folder.
    expect(v.name).toBe('backend-architect');
    expect(v.tools).toEqual(['bash', 'edit', 'glob', 'grep', 'list', 'patch', 'read', 'todoread', 'todowrite', 'webfetch', 'write']);
    expect(v.permissions).toEqual([
      { tool: 'bash', pattern: '*', action: 'ask' },
      { tool: 'bash', pattern: 'git status*', action: 'allow' },
      { tool: 'bash', pattern: 'git log*', action: 'allow' },
      { tool: 'bash', pattern: 'git diff*', action: 'allow' },
      { tool: 'bash', pattern: 'npm*', action: 'allow' },
      { tool: 'bash', pattern: 'pip*', action: 'allow' },
      { tool: 'edit', pattern: '*', action: 'ask' },
      { tool: 'write', pattern: '*', action: 'ask' },
    ]);
    expect(v).toMatchObject({ mode: 'subagent', version: '1.0.0' });
    expect(v.extra).toEqual({});
    expect(v.lines).toMatchObject({ description: 2, temperature: 5, tools: 6, permission: 19, version: 33, body: 37 });
  });

  it('opencode-delegating: no name, no model, tools map', async () => {
    const v = byId(await readAgentFiles(repo), 'backend-architect/opencode-delegating')!;
    expect(v).toMatchObject({ dialect: 'opencode', name: 'backend-architect', modelHint: undefined, temperature: undefined });
    expect(v.tools).toEqual(['write', 'edit', 'bash', 'read', 'grep', 'webfetch']);
    expect(v.description).toMatch(/^USE PROACTIVELY/);
  });

  it('opencode-reliability: explicit name, temperature 0.2, three tools', async () => {
    const v = byId(await readAgentFiles(repo), 'backend-architect/opencode-reliability')!;
    expect(v).toMatchObject({ dialect: 'opencode', name: 'backend-architect', temperature: 0.2, tools: ['bash', 'edit', 'write'] });
    expect(v.systemPrompt.startsWith('# Backend Architect')).toBe(true);
  });

  it('hashes the file bytes and estimates prompt tokens from the body', async () => {
    const v = byId(await readAgentFiles(repo), 'backend-architect/opencode-reliability')!;
    expect(v.contentHash).toMatch(/^[0-9a-f]{64}$/);
    expect(v.promptTokens).toBe(Math.ceil(v.systemPrompt.length / 4));
  });
});

describe('dialects', () => {
  it('Claude Code: name, alias, comma-separated tools; a tools list and unknown keys are kept', async () => {
    const files = await readAgentFiles(fixture('dialects'));
    expect(files.flatMap((f) => f.problems)).toEqual([]);
    expect(byId(files, 'demo/claude-code')).toMatchObject({
      name: 'demo',
      dialect: 'claude-code',
      description: 'Use this agent when you need a demo.',
      modelHint: 'sonnet',
      tools: ['Read', 'Grep'],
      systemPrompt: 'You are a demo agent.',
      extra: {},
    });
    expect(byId(files, 'demo/claude-code-extra')).toMatchObject({
      name: 'reviewer',
      dialect: 'claude-code',
      modelHint: 'claude-opus-4-1',
      tools: ['Read', 'Bash(git diff:*)'],
      extra: { color: 'blue' },
    });
  });

  it('OpenCode: provider/model, temperature, enabled tools only, permissions; other keys under extra', async () => {
    const files = await readAgentFiles(fixture('dialects'));
    expect(byId(files, 'demo/opencode')).toMatchObject({
      name: 'demo',
      dialect: 'opencode',
      modelHint: 'anthropic/claude-sonnet-4-5',
      temperature: 0.2,
      tools: ['read'],
      permissions: [
        { tool: 'bash', pattern: '*', action: 'ask' },
        { tool: 'bash', pattern: 'git status*', action: 'allow' },
        { tool: 'edit', pattern: '*', action: 'deny' },
      ],
      mode: 'subagent',
      extra: {},
    });
    expect(byId(files, 'demo/opencode-extra')).toMatchObject({
      dialect: 'opencode',
      tools: ['read'],
      mode: 'primary',
      topP: 0.9,
      version: '2',
      extra: { disable: false },
    });
  });

  it('a provider/model id alone marks a file as OpenCode', () => {
    expect(parse('---\ndescription: Use when x\nmodel: openai/gpt-5\n---\nBody').variant?.dialect).toBe('opencode');
  });
});

describe('line endings and byte-order mark', () => {
  it('CRLF and a UTF-8 BOM read the same as LF; only the hash differs', async () => {
    const files = await readAgentFiles(fixture('crlf-bom'));
    expect(files.flatMap((f) => f.problems)).toEqual([]);
    const { contentHash: lfHash, id: _id, file: _file, ...lf } = byId(files, 'demo/lf')!;
    for (const id of ['demo/crlf', 'demo/bom', 'demo/bom-crlf']) {
      const { contentHash, id: _i, file: _f, ...other } = byId(files, id)!;
      expect(other).toEqual(lf);
      expect(contentHash).not.toBe(lfHash);
    }
    expect(lf.systemPrompt).toBe('You are a demo agent.');
    expect(lf.lines).toMatchObject({ description: 2, temperature: 5, body: 16 });
  });
});

describe('bad input', () => {
  it('loadAgents fails with one line per problem naming file, line and field', async () => {
    const err = await loadAgents(fixture('malformed')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserErrors);
    expect((err as UserErrors).exitCode).toBe(2);
    expect((err as UserErrors).errors.map((e) => e.message)).toEqual([
      'agents/demo/broken-yaml.md:4:19: tools: broken YAML in frontmatter: Flow sequence in block collection must be sufficiently indented and end with a ]',
      'agents/demo/empty-body.md:7: empty prompt body; expected the system prompt after the frontmatter',
      'agents/demo/no-frontmatter.md:1: no YAML frontmatter; expected the file to start with a `---` line',
      'agents/demo/temperature-hot.md:5:14: temperature: expected number, got "hot"',
    ]);
  });

  it('a wrong type drops only that key: the variant is still built for lint', () => {
    const f = parse('---\ndescription: Use when x\ntemperature: hot\nmodel: a/b\n---\nBody');
    expect(f.problems.map((p) => p.rule)).toEqual(['field-type']);
    expect(f.variant).toMatchObject({ temperature: undefined, modelHint: 'a/b' });
  });

  it('an unclosed frontmatter block is a frontmatter error, not a puzzling YAML one', () => {
    const f = parse('---\nname: x\ndescription: y\n\nBody text here\n');
    expect(f.problems).toEqual([
      expect.objectContaining({ rule: 'frontmatter', line: 1, message: 'frontmatter is not closed; expected a `---` line after it' }),
    ]);
  });

  it('an empty (or comments-only) frontmatter block still yields a variant, for lint to judge', () => {
    for (const text of ['---\n---\nBody\n', '---\n# just a note\n---\nBody\n']) {
      const f = parse(text);
      expect(f.problems).toEqual([]);
      expect(f.variant).toMatchObject({ description: '', systemPrompt: 'Body', name: 'demo' });
    }
  });

  it('frontmatter that is a list, not a mapping, is an error', () => {
    expect(parse('---\n- a\n- b\n---\nBody').problems.map((p) => p.rule)).toEqual(['frontmatter']);
  });

  it('a bad permission value is one permission-value error naming the allowed values; other rules stay', () => {
    const f = parse('---\ndescription: d\npermission:\n  bash: maybe\n  edit:\n    "*": ask\n    "src/**": nope\n---\nBody');
    expect(f.problems).toEqual([
      expect.objectContaining({
        rule: 'permission-value',
        line: 4,
        field: 'permission.bash',
        message: 'expected allow, ask or deny (or a map of glob patterns to one of them), got "maybe"',
      }),
      expect.objectContaining({
        rule: 'permission-value',
        line: 7,
        field: 'permission.edit.src/**',
        message: 'expected allow, ask or deny, got "nope"',
      }),
    ]);
    expect(f.variant?.permissions).toEqual([{ tool: 'edit', pattern: '*', action: 'ask' }]);
  });

  it('a union-typed key says what it expects instead of zod\'s "Invalid input"', () => {
    const f = parse('---\ndescription: d\ntools:\n---\nBody');
    expect(f.problems[0]).toMatchObject({
      rule: 'field-type',
      field: 'tools',
      message: 'expected a comma-separated string of tool names (or a list of them), got null',
    });
  });

  it('a file that is not UTF-8 is a file-read problem, not a crash', async () => {
    const files = await readAgentFiles(fixture('lint-file-read'));
    expect(files.find((f) => f.file.endsWith('fail.md'))?.problems).toEqual([
      expect.objectContaining({ rule: 'file-read', severity: 'error', line: 3 }),
    ]);
  });
});
