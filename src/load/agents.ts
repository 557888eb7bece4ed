import { createHash } from 'node:crypto';
import path from 'node:path';
import matter from 'gray-matter';
import { AgentError, UserErrors, isUserError, type UserError } from '../errors.ts';
import {
  ClaudeCodeFrontmatter,
  KNOWN_KEYS,
  OpenCodeFrontmatter,
  type AgentVariant,
  type Dialect,
  type PermissionRule,
} from '../schema/agent.ts';
import { findFiles, decodeText, relPath } from './files.ts';
import { describeZodIssue, isYamlError, parseYamlSource, type YamlSource } from './yaml-source.ts';
import { readFile } from 'node:fs/promises';

export interface AgentProblem {
  severity: 'error' | 'warning';
  /** Lint rule name the problem is reported under. */
  rule: string;
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
  problems: AgentProblem[];
}

const CHARS_PER_TOKEN = 4;

/** Rough token estimate (≈ 4 characters per token for English prose and Markdown). */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / CHARS_PER_TOKEN);
}

/**
 * Reads every `*.md` under `<root>/agents` (recursively) and returns each file with its problems.
 * Never throws for bad content: lint wants every problem; `loadAgents` turns errors into one failure.
 */
export async function readAgentFiles(root: string, agentsDir = path.join(root, 'agents')): Promise<AgentFile[]> {
  const files = await findFiles(agentsDir, ['.md']);
  return Promise.all(
    files.map(async (abs) => {
      const file = relPath(root, abs);
      const id = relPath(agentsDir, abs).replace(/\.md$/i, '');
      try {
        return parseAgentFile(await readFile(abs), { file, id });
      } catch (err) {
        if (isUserError(err)) return { file, problems: [problemFromError(err, file)] };
        throw err;
      }
    }),
  );
}

/**
 * Loads and validates every agent variant; any error-level problem stops the load with one line
 * per problem (exit code 2). Warnings are returned for the caller to print.
 *
 * @example
 * const { variants } = await loadAgents('/repo');
 * variants.map((v) => v.id) // ['backend-architect/claude-code-opus-examples', ...]
 */
export async function loadAgents(root: string): Promise<{ variants: AgentVariant[]; warnings: AgentProblem[] }> {
  const files = await readAgentFiles(root);
  const errors: UserError[] = [];
  const warnings: AgentProblem[] = [];
  for (const f of files) {
    for (const p of f.problems) {
      if (p.severity === 'error') errors.push(new AgentError(p.message, { file: p.file, line: p.line, column: p.column, field: p.field }));
      else warnings.push(p);
    }
  }
  if (errors.length === 1) throw errors[0];
  if (errors.length > 1) throw new UserErrors(errors);
  return { variants: files.flatMap((f) => (f.variant ? [f.variant] : [])), warnings };
}

/** Parses one agent file's bytes. `id` is its path under `agents/` without extension. */
export function parseAgentFile(bytes: Buffer, where: { file: string; id: string }): AgentFile {
  const { file, id } = where;
  const text = decodeText(bytes, file);
  const problems: AgentProblem[] = [];
  if (!/^---[ \t]*\n/.test(text)) {
    return { file, problems: [{ severity: 'error', rule: 'frontmatter', file, line: 1, message: 'no YAML frontmatter; expected the file to start with a `---` line' }] };
  }
  let source: YamlSource | undefined;
  let syntaxProblem: AgentProblem | undefined;
  const parsed = matter(text, {
    engines: {
      yaml: (raw: string) => {
        const result = readFrontmatterYaml(raw, file);
        source = result.source;
        syntaxProblem = result.problem;
        return (source?.data ?? {}) as object;
      },
    },
  });
  if (syntaxProblem) problems.push(syntaxProblem);
  if (!source) return { file, problems };
  const fm = source.data;
  if (fm === null || typeof fm !== 'object' || Array.isArray(fm)) {
    problems.push({ severity: 'error', rule: 'frontmatter', file, line: 2, message: 'frontmatter is not a mapping; expected `key: value` lines' });
    return { file, problems };
  }
  const frontmatter = fm as Record<string, unknown>;
  const dialect = detectDialect(frontmatter);
  const schema = dialect === 'opencode' ? OpenCodeFrontmatter : ClaudeCodeFrontmatter;
  const known: Record<string, unknown> = {};
  const extra: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(frontmatter)) {
    if (KNOWN_KEYS[dialect].includes(key)) known[key] = value;
    else extra[key] = value;
  }
  const checked = schema.safeParse(known, { reportInput: true });
  const valid: Record<string, unknown> = { ...known };
  if (!checked.success) {
    for (const issue of checked.error.issues) {
      const { message, place } = describeZodIssue(issue, source, file);
      problems.push({ severity: 'error', rule: 'field-type', file, line: place.line, column: place.column, field: place.field, message });
      // Drop the offending top-level key so the variant is still built for the other rules.
      const top = issue.path[0];
      if (typeof top === 'string') delete valid[top];
    }
  }
  const fmv = valid as ClaudeCodeFrontmatter & OpenCodeFrontmatter;
  const lines: Record<string, number> = {};
  for (const key of Object.keys(frontmatter)) {
    const line = source.placeOf([key]).line;
    if (line !== undefined) lines[key] = line;
  }
  const bodyLine = findBodyLine(text, parsed.content);
  lines.body = bodyLine;
  const systemPrompt = parsed.content.trim();
  if (!systemPrompt) {
    problems.push({ severity: 'error', rule: 'empty-body', file, line: bodyLine, message: 'empty prompt body; expected the system prompt after the frontmatter' });
  }
  const variant: AgentVariant = {
    id,
    file,
    name: fmv.name?.trim() || agentNameFromPath(id),
    dialect,
    description: (fmv.description ?? '').trim(),
    modelHint: fmv.model?.trim() || undefined,
    temperature: fmv.temperature,
    tools: normalizeTools(fmv.tools),
    permissions: normalizePermissions(fmv.permission),
    systemPrompt,
    contentHash: createHash('sha256').update(bytes).digest('hex'),
    promptTokens: estimateTokens(systemPrompt),
    extra,
    lines,
  };
  return { file, variant, frontmatter, problems };
}

/**
 * Strict YAML first. Claude Code reads frontmatter leniently, and real files (8 of 158 in the
 * corpus) hold an unquoted `: ` inside a description; for those we quote such plain values and
 * parse again, reporting a warning at the place of the strict error. Anything else is an error.
 */
function readFrontmatterYaml(raw: string, file: string): { source?: YamlSource; problem?: AgentProblem } {
  // gray-matter hands over the text after the opening `---`, starting with its newline: lines match the file's.
  const strict = parseYamlSource(raw, 0);
  if (!isYamlError(strict)) return { source: strict };
  const first = strict.errors[0]!;
  const lenient = parseYamlSource(quotePlainScalars(raw), 0);
  if (!isYamlError(lenient)) {
    return {
      source: lenient,
      problem: {
        severity: 'warning',
        rule: 'yaml-lenient',
        file,
        line: first.line,
        column: first.column,
        message: `frontmatter is not strict YAML (${first.message}); read leniently like Claude Code does: quote the value`,
      },
    };
  }
  return { problem: { severity: 'error', rule: 'yaml-syntax', file, line: first.line, column: first.column, message: `broken YAML in frontmatter: ${first.message}` } };
}

const PLAIN_TOP_LEVEL = /^([A-Za-z_][\w-]*):[ \t]+([^"'[{|>&*!#\s].*)$/;

function quotePlainScalars(raw: string): string {
  return raw
    .split('\n')
    .map((line) => {
      const m = PLAIN_TOP_LEVEL.exec(line);
      if (!m || !/: |\s#/.test(m[2]!)) return line;
      return `${m[1]}: ${JSON.stringify(m[2]!.trimEnd())}`;
    })
    .join('\n');
}

/** OpenCode files use a tools map, `mode`, `permission`, sampling keys or `provider/model`. */
export function detectDialect(fm: Record<string, unknown>): Dialect {
  const tools = fm.tools;
  if (tools && typeof tools === 'object' && !Array.isArray(tools)) return 'opencode';
  if (['mode', 'permission', 'temperature', 'top_p'].some((k) => k in fm)) return 'opencode';
  if (typeof fm.model === 'string' && fm.model.includes('/')) return 'opencode';
  return 'claude-code';
}

function agentNameFromPath(id: string): string {
  const parts = id.split('/');
  return parts.length > 1 ? parts[parts.length - 2]! : parts[0]!;
}

function normalizeTools(tools: string | string[] | Record<string, boolean> | undefined): string[] {
  if (tools === undefined) return [];
  if (typeof tools === 'string') return tools.split(',').map((t) => t.trim()).filter(Boolean);
  if (Array.isArray(tools)) return tools.map((t) => t.trim()).filter(Boolean);
  return Object.entries(tools)
    .filter(([, enabled]) => enabled)
    .map(([name]) => name);
}

function normalizePermissions(permission: OpenCodeFrontmatter['permission']): PermissionRule[] {
  if (!permission) return [];
  return Object.entries(permission).flatMap(([tool, value]) =>
    typeof value === 'string'
      ? [{ tool, pattern: '*', action: value }]
      : Object.entries(value).map(([pattern, action]) => ({ tool, pattern, action })),
  );
}

function findBodyLine(text: string, content: string): number {
  const start = text.length - content.length;
  const lead = /^\s*/.exec(content)?.[0] ?? '';
  const upTo = text.slice(0, start + lead.lastIndexOf('\n') + 1);
  return upTo.split('\n').length;
}

function problemFromError(err: UserError, file: string): AgentProblem {
  return { severity: 'error', rule: 'file-read', file, line: err.place.line, message: err.detail };
}
