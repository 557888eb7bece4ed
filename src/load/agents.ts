import { createHash } from 'node:crypto';
import type { z } from 'zod';
import { quoteValue } from '../errors.ts';
import {
  ClaudeCodeFrontmatter,
  KNOWN_KEYS,
  OpenCodeFrontmatter,
  PermissionAction,
  type AgentVariant,
  type Dialect,
  type PermissionRule,
} from '../schema/agent.ts';
import { decodeText } from './files.ts';
import { keyAtLine, readFrontmatterYaml, splitFrontmatter } from './frontmatter.ts';
import { explainYamlError } from './yaml-hint.ts';
import { describeIssueText, formatPath } from '../shared/issue-text.ts';
import { describeZodIssue, type YamlSource } from './yaml-source.ts';

export type Severity = 'error' | 'warning';

/**
 * Problems found while reading a file, each reported under a lint rule of this name. The severity is
 * fixed per rule: `loadAgents` fails on the errors, `lint` surfaces all of them through its registry.
 */
export const LOAD_RULES = {
  'file-read': 'error',
  frontmatter: 'error',
  'yaml-syntax': 'error',
  'yaml-lenient': 'warning',
  'field-type': 'error',
  'permission-value': 'error',
  'empty-body': 'error',
  'json-syntax': 'error',
  'duplicate-id': 'error',
} as const satisfies Record<string, Severity>;
export type LoadRule = keyof typeof LOAD_RULES;

export interface AgentProblem {
  severity: Severity;
  /** Lint rule name the problem is reported under. */
  rule: LoadRule;
  message: string;
  file: string;
  line?: number;
  column?: number;
  field?: string;
}

/** One file under `agents/` as read: the variant when it could be built, and what was wrong. */
export interface AgentFile {
  file: string;
  variant?: AgentVariant;
  /** The frontmatter as parsed (unvalidated), for lint rules that look at raw values. */
  frontmatter?: Record<string, unknown>;
  /** Positions in the frontmatter, for lint rules that point at a nested key (`tools.bsah`). */
  source?: YamlSource;
  problems: AgentProblem[];
}

const CHARS_PER_TOKEN = 4;

/** Rough token estimate (≈ 4 characters per token for English prose and Markdown). */
function estimateTokens(text: string): number {
  return Math.ceil(text.length / CHARS_PER_TOKEN);
}

/**
 * Parses one agent file's bytes. `id` is its path under its folder (`agents/`, `.claude/agents/`…)
 * without extension; `origin` is that folder.
 *
 * @example
 * parseAgentFile(Buffer.from('---\nname: a\ndescription: Use when x\n---\nYou are a.'), { file: 'agents/a.md', id: 'a' })
 *   .variant?.systemPrompt // 'You are a.'
 */
export function parseAgentFile(bytes: Buffer, where: { file: string; id: string; origin?: string }): AgentFile {
  const { file } = where;
  const text = decodeText(bytes, file);
  const split = splitFrontmatter(text);
  if (!split.ok) return { file, problems: [problem('frontmatter', file, split.message, { line: split.line })] };
  const yaml = readFrontmatterYaml(split.yaml);
  if (!yaml.ok) {
    const { message, line, column } = explainYamlError(split.yaml, yaml.error);
    const field = keyAtLine(split.yaml, line);
    return { file, problems: [problem('yaml-syntax', file, `broken YAML in frontmatter: ${message}`, { line, column, field })] };
  }
  const { source } = yaml;
  const problems: AgentProblem[] = [];
  if (yaml.lenient) {
    const { message, line, column } = yaml.lenient;
    const text = `a value holds an unquoted ": " that strict YAML rejects (${message}); read leniently like Claude Code does; quote the value`;
    problems.push(problem('yaml-lenient', file, text, { line, column, field: keyAtLine(split.yaml, line) }));
  }
  // An empty block (or one holding only comments) is an empty mapping: lint then reports what is missing.
  const fm = source.data ?? {};
  if (typeof fm !== 'object' || Array.isArray(fm)) {
    problems.push(problem('frontmatter', file, 'frontmatter is not a mapping; expected `key: value` lines', { line: 2 }));
    return { file, problems };
  }
  return buildAgentFile({
    ...where,
    frontmatter: fm as Record<string, unknown>,
    source,
    body: split.body,
    bodyLine: split.bodyLine,
    fileText: text,
    contentHash: createHash('sha256').update(bytes).digest('hex'),
    problems,
  });
}

/** An agent definition as read from its file (Markdown + frontmatter, or an `opencode.json` entry). */
interface AgentDefinition {
  file: string;
  id: string;
  origin?: string;
  frontmatter: Record<string, unknown>;
  source: YamlSource;
  body: string;
  bodyLine: number;
  /** The agent as a Markdown file, which the OpenCode runtime installs as is. */
  fileText: string;
  contentHash: string;
  /** Forced for definitions whose format says it (`opencode.json`); otherwise detected from the keys. */
  dialect?: Dialect;
  /** The message for an empty prompt, where the prompt is not a Markdown body. */
  emptyBody?: string;
  problems: AgentProblem[];
}

/** Validates a definition's keys and builds its variant; the problems found go with it. */
export function buildAgentFile(def: AgentDefinition): AgentFile {
  const { file, id, frontmatter, source, problems } = def;
  const dialect = def.dialect ?? detectDialect(frontmatter);
  // Keys `AgentVariant` has no field for are kept under `extra`, so nothing in a file is silently dropped.
  const known = Object.fromEntries(Object.entries(frontmatter).filter(([key]) => KNOWN_KEYS[dialect].includes(key)));
  const extra = Object.fromEntries(Object.entries(frontmatter).filter(([key]) => !KNOWN_KEYS[dialect].includes(key)));
  const valid = checkKnownKeys(known, dialect, source, file, problems) as ClaudeCodeFrontmatter & OpenCodeFrontmatter;
  const permissions = readPermissions(valid.permission, source, file, problems);
  const systemPrompt = def.body.trim();
  if (!systemPrompt) {
    const message = def.emptyBody ?? 'empty prompt body; expected the system prompt after the frontmatter';
    problems.push(problem('empty-body', file, message, { line: def.bodyLine }));
  }
  const variant: AgentVariant = {
    id,
    file,
    origin: def.origin ?? 'agents',
    name: valid.name?.trim() || agentNameFromPath(id),
    dialect,
    description: (valid.description ?? '').trim(),
    modelHint: valid.model?.trim() || undefined,
    temperature: valid.temperature,
    ...(valid.top_p !== undefined ? { topP: valid.top_p } : {}),
    ...(valid.mode !== undefined ? { mode: valid.mode } : {}),
    ...(valid.version !== undefined ? { version: String(valid.version) } : {}),
    tools: normalizeTools(valid.tools),
    ...(isToolSwitches(valid.tools) ? { toolSwitches: Object.fromEntries(Object.entries(valid.tools)) } : {}),
    permissions,
    systemPrompt,
    contentHash: def.contentHash,
    fileText: def.fileText,
    promptTokens: estimateTokens(systemPrompt),
    extra,
    lines: { ...keyLines(frontmatter, source), body: def.bodyLine },
  };
  return { file, variant, frontmatter, source, problems };
}

/** The line of each frontmatter key, for messages and the report. */
function keyLines(frontmatter: Record<string, unknown>, source: { keyPlaceOf(path: readonly PropertyKey[]): { line?: number } }) {
  const lines: Record<string, number> = {};
  for (const key of Object.keys(frontmatter)) {
    const line = source.keyPlaceOf([key]).line;
    if (line !== undefined) lines[key] = line;
  }
  return lines;
}

/** What each known key holds, for messages where zod can only say "Invalid input" (unions). */
const EXPECTED: Record<Dialect, Record<string, string>> = {
  'claude-code': { tools: 'a comma-separated string of tool names (or a list of them)' },
  opencode: {
    tools: 'a map of tool names to true/false',
    permission: 'a map of tool names to allow/ask/deny or to glob rules',
    version: 'a string or a number',
  },
};

/**
 * Validates the known keys with the dialect's schema; each wrong value is an error and its key is
 * dropped so that the variant is still built for the other rules. `permission` is checked per rule by
 * `readPermissions`, so that one bad value names itself and costs only its own rule.
 */
function checkKnownKeys(
  known: Record<string, unknown>,
  dialect: Dialect,
  source: YamlSource,
  file: string,
  problems: AgentProblem[],
): Record<string, unknown> {
  const schema = dialect === 'opencode' ? OpenCodeFrontmatter : ClaudeCodeFrontmatter;
  const { permission, ...rest } = known;
  const checked = schema.safeParse(rest, { reportInput: true });
  const valid: Record<string, unknown> = { ...rest };
  if (permission !== undefined) valid.permission = permission;
  if (checked.success) return valid;
  for (const issue of checked.error.issues) {
    const { place } = describeZodIssue(issue, source, file, schema);
    problems.push(problem('field-type', file, describeFieldIssue(issue, dialect, schema), place));
    const top = issue.path[0];
    if (typeof top === 'string') delete valid[top];
  }
  return valid;
}

function describeFieldIssue(issue: z.core.$ZodIssue, dialect: Dialect, schema: z.ZodType): string {
  const expected = issue.path.length === 1 ? EXPECTED[dialect][String(issue.path[0])] : undefined;
  const input = 'input' in issue ? issue.input : undefined;
  if (expected) return `expected ${expected}, got ${quoteValue(input ?? null)}`;
  return describeIssueText(issue, schema);
}

const ACTIONS = PermissionAction.options.join(', ').replace(/, (\w+)$/, ' or $1');

/**
 * OpenCode `permission`: `tool: action` or `tool: { "glob": action }`. Every value that is not an
 * action is a `permission-value` error naming the allowed values; the other rules are kept.
 */
function readPermissions(raw: unknown, source: YamlSource, file: string, problems: AgentProblem[]): PermissionRule[] {
  if (raw === undefined) return [];
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    const place = { ...source.placeOf(['permission']), field: 'permission' };
    problems.push(problem('field-type', file, `expected ${EXPECTED.opencode.permission}, got ${quoteValue(raw)}`, place));
    return [];
  }
  const rules: PermissionRule[] = [];
  const check = (path: string[], value: unknown, tool: string, pattern: string) => {
    const action = PermissionAction.safeParse(value);
    if (action.success) {
      rules.push({ tool, pattern, action: action.data });
      return;
    }
    const also = pattern === '*' && path.length === 2 ? ' (or a map of glob patterns to one of them)' : '';
    const place = { ...source.placeOf(path), field: formatPath(path) };
    problems.push(problem('permission-value', file, `expected ${ACTIONS}${also}, got ${quoteValue(value)}`, place));
  };
  for (const [tool, value] of Object.entries(raw)) {
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      for (const [pattern, action] of Object.entries(value)) check(['permission', tool, pattern], action, tool, pattern);
    } else {
      check(['permission', tool], value, tool, '*');
    }
  }
  return rules;
}

/** OpenCode files use a tools map, `mode`, `permission`, sampling keys or `provider/model`. */
function detectDialect(fm: Record<string, unknown>): Dialect {
  const tools = fm.tools;
  if (tools && typeof tools === 'object' && !Array.isArray(tools)) return 'opencode';
  if (['mode', 'permission', 'temperature', 'top_p'].some((k) => k in fm)) return 'opencode';
  if (typeof fm.model === 'string' && fm.model.includes('/')) return 'opencode';
  return 'claude-code';
}

/** A variant's agent when its frontmatter names none: its folder under `agents/`, else its file stem. */
function agentNameFromPath(id: string): string {
  const parts = id.split('/');
  return parts.length > 1 ? parts[parts.length - 2]! : parts[0]!;
}

function isToolSwitches(tools: unknown): tools is Record<string, boolean> {
  return typeof tools === 'object' && tools !== null && !Array.isArray(tools);
}

function normalizeTools(tools: string | string[] | Record<string, boolean> | undefined): string[] {
  if (tools === undefined) return [];
  if (typeof tools === 'string')
    return tools
      .split(',')
      .map((t) => t.trim())
      .filter(Boolean);
  if (Array.isArray(tools)) return tools.map((t) => t.trim()).filter(Boolean);
  return Object.entries(tools)
    .filter(([, enabled]) => enabled)
    .map(([name]) => name);
}

export function problem(
  rule: LoadRule,
  file: string,
  message: string,
  place: { line?: number; column?: number; field?: string } = {},
): AgentProblem {
  return { severity: LOAD_RULES[rule], rule, file, message, line: place.line, column: place.column, field: place.field };
}
