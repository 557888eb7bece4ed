import { LOAD_RULES, type AgentFile, type LoadRule, type Severity } from '../load/agents.ts';
import type { AgentVariant } from '../schema/agent.ts';
import { SIMILAR_DESCRIPTIONS } from './similar-descriptions.ts';
import { VOCABULARY, suggestName, toolToCheck } from './vocabulary.ts';

/** Rules that look at a loaded variant; the load rules come from `LOAD_RULES` in the loader. */
type VariantRule =
  | 'description-missing'
  | 'temperature-range'
  | 'tool-unknown'
  | 'permission-tool-unknown'
  | 'model-unknown'
  | 'description-trigger'
  | 'prompt-budget'
  | 'agent-ref-missing'
  | 'description-similar';
export type RuleName = LoadRule | VariantRule;

interface LintOptions {
  /** Warn when a prompt is estimated longer than this many tokens. */
  maxPromptTokens: number;
  /** Names of the agents under `agents/`, for `@name` references. */
  agentNames: ReadonlySet<string>;
  /** Per file: the other agents whose descriptions are near-identical to its own (`similar-descriptions.ts`). */
  similar?: ReadonlyMap<string, Array<{ name: string; file: string; similarity: number }>>;
}

/** Where and what, as one rule finds it; `lintAgents` adds the file, rule and severity. */
interface RuleHit {
  line?: number;
  column?: number;
  field?: string;
  message: string;
}

interface Rule {
  severity: Severity;
  /** One line saying what the rule checks. */
  summary: string;
  check(file: AgentFile, options: LintOptions): RuleHit[];
}

export const DEFAULT_MAX_PROMPT_TOKENS = 4000;

/** A problem the loader already found: reported under its rule, never detected a second time. */
function fromLoader(rule: LoadRule, summary: string): Rule {
  return {
    severity: LOAD_RULES[rule],
    summary,
    check: (file) => file.problems.filter((p) => p.rule === rule),
  };
}

/** A rule over the variant; files the loader could not build a variant from are skipped. */
function onVariant(
  severity: Severity,
  summary: string,
  check: (v: AgentVariant, file: AgentFile, options: LintOptions) => RuleHit[],
): Rule {
  return { severity, summary, check: (file, options) => (file.variant ? check(file.variant, file, options) : []) };
}

/** True when the loader already reported `key` as the wrong type (and dropped it). */
function hasTypeError(file: AgentFile, key: string): boolean {
  return file.problems.some((p) => p.rule === 'field-type' && p.field?.split(/[.[]/)[0] === key);
}

const TRIGGER = [
  /\buse\b.{0,40}?\b(when|whenever|for|if|after|before|during|to|proactively)\b/i,
  /\bproactively\b/i,
  /\bmust be used\b/i,
  /\binvoke\b/i,
  /\btriggers? (on|when)\b/i,
  /<example>/i,
];

/**
 * `@database-engineer` outside code. Not after a word character or `/` (emails, URLs), not followed
 * by `/` or `.x` (npm scopes, `@types/node`, decorators like `@app.get`).
 */
const AGENT_REF = /(?<![\w@/.`])@([a-z][a-z0-9]*(?:-[a-z0-9]+)*)(?![\w/-]|\.\w)/g;
/** Spelled-out placeholders in prompts that explain the `@` syntax. */
const PLACEHOLDER_REFS = new Set(['agent', 'agent-name', 'name']);

/**
 * Every lint rule, one entry each. The key is the rule name printed in findings; the `Record` makes
 * the compiler insist that every problem the loader can report has a rule here.
 */
export const RULES: Record<RuleName, Rule> = {
  'file-read': fromLoader('file-read', 'the file can be read as UTF-8 text'),
  frontmatter: fromLoader('frontmatter', 'the file opens with a closed `---` frontmatter block holding a mapping'),
  'yaml-syntax': fromLoader('yaml-syntax', 'the frontmatter is YAML'),
  'yaml-lenient': fromLoader('yaml-lenient', 'the frontmatter is strict YAML (unquoted `: ` is read leniently)'),
  'field-type': fromLoader('field-type', 'known keys have the type the dialect expects'),
  'permission-value': fromLoader('permission-value', 'permission rules are allow, ask or deny'),
  'empty-body': fromLoader('empty-body', 'the file has a prompt body after the frontmatter'),
  'json-syntax': fromLoader('json-syntax', 'opencode.json (or .jsonc) is JSON, comments and trailing commas allowed'),
  'duplicate-id': fromLoader(
    'duplicate-id',
    'each variant id is defined once across agents/, .claude/agents/, .opencode/ and opencode.json (one Claude Code and one OpenCode definition of an id are two variants, <id>@claude and <id>@opencode)',
  ),

  'description-missing': onVariant('error', 'the agent has a description', (v, file) => {
    if (v.description || hasTypeError(file, 'description')) return [];
    const missing = file.frontmatter?.description === undefined;
    return [
      {
        line: v.lines.description ?? 1,
        field: 'description',
        message: `${missing ? 'missing' : 'empty'}; expected a description saying what the agent does and when to use it`,
      },
    ];
  }),

  'temperature-range': onVariant('error', 'temperature is between 0 and 2', (v) => {
    const t = v.temperature;
    if (t === undefined || (t >= 0 && t <= 2)) return [];
    return [{ line: v.lines.temperature, field: 'temperature', message: `${t} is out of range; expected a number from 0 to 2` }];
  }),

  'tool-unknown': onVariant('warning', 'tool names are known to the dialect (MCP tools `mcp__*` accepted)', (v, file) => {
    const vocabulary = VOCABULARY[v.dialect];
    const raw = file.frontmatter?.tools;
    // An OpenCode map lists disabled tools too: a misspelt `bassh: false` disables nothing.
    const entries: [string | number, string][] =
      raw && typeof raw === 'object' && !Array.isArray(raw)
        ? Object.keys(raw).map((name) => [name, name])
        : v.tools.map((name, i) => [i, name]);
    return entries.flatMap(([key, entry]) => {
      const name = toolToCheck(entry);
      if (name === undefined || vocabulary.tools.has(name)) return [];
      const suggestion = suggestName(name, vocabulary.tools);
      const line = typeof raw === 'string' ? v.lines.tools : (file.source?.keyPlaceOf(['tools', key]).line ?? v.lines.tools);
      const hint = suggestion
        ? `; did you mean "${suggestion}"?`
        : `; ${v.dialect} defines no such tool, so it grants nothing (MCP tools are named \`mcp__<server>__<tool>\`)`;
      return [{ line, field: 'tools', message: `unknown ${v.dialect} tool "${name}"${hint}` }];
    });
  }),

  'permission-tool-unknown': onVariant('warning', 'permission keys name a tool', (v, file) => {
    const raw = file.frontmatter?.permission;
    if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return [];
    const known = VOCABULARY[v.dialect].permissionKeys;
    return Object.keys(raw).flatMap((key) => {
      const name = toolToCheck(key);
      if (name === undefined || known.has(name)) return [];
      const suggestion = suggestName(name, known);
      return [
        {
          line: file.source?.keyPlaceOf(['permission', key]).line ?? v.lines.permission,
          field: `permission.${key}`,
          message: `"${key}" names no ${v.dialect} tool${suggestion ? `; did you mean "${suggestion}"?` : ''}`,
        },
      ];
    });
  }),

  'model-unknown': onVariant('warning', 'the model is spelled the way the dialect expects', (v) => {
    const vocabulary = VOCABULARY[v.dialect];
    if (v.modelHint === undefined || vocabulary.isKnownModel(v.modelHint)) return [];
    return [
      { line: v.lines.model, field: 'model', message: `"${v.modelHint}" is not a ${v.dialect} model; expected ${vocabulary.modelHint}` },
    ];
  }),

  'description-trigger': onVariant('warning', 'the description says when to use the agent', (v) => {
    if (!v.description || TRIGGER.some((re) => re.test(v.description))) return [];
    return [
      {
        line: v.lines.description,
        field: 'description',
        message: 'no trigger guidance; say when to use the agent ("Use when …", "Use PROACTIVELY for …")',
      },
    ];
  }),

  'prompt-budget': onVariant('warning', 'the prompt fits the token budget (--max-prompt-tokens)', (v, _file, options) => {
    if (v.promptTokens <= options.maxPromptTokens) return [];
    return [{ line: v.lines.body, message: `prompt is about ${v.promptTokens} tokens, over the budget of ${options.maxPromptTokens}` }];
  }),

  'description-similar': onVariant(
    'warning',
    `the description is not near-identical to another agent's (TF-IDF cosine below ${SIMILAR_DESCRIPTIONS}): the main agent routes by description`,
    (v, file, options) => {
      const near = options.similar?.get(file.file)?.[0];
      if (!near) return [];
      return [
        {
          line: v.lines.description,
          field: 'description',
          message: `${near.similarity.toFixed(2)} similar to "${near.name}" (${near.file}): the main agent may not tell them apart; say what this agent takes that "${near.name}" does not`,
        },
      ];
    },
  ),

  'agent-ref-missing': onVariant('warning', '`@agent` references name an agent under agents/', (v, _file, options) => {
    const hits: RuleHit[] = [];
    const seen = new Set<string>();
    for (const { ref, offset } of findAgentRefs(v.systemPrompt)) {
      // Claude Code mentions a subagent as `@agent-<name>`.
      const exists = options.agentNames.has(ref) || options.agentNames.has(ref.replace(/^agent-/, ''));
      if (exists || PLACEHOLDER_REFS.has(ref) || seen.has(ref)) continue;
      seen.add(ref);
      const line = (v.lines.body ?? 1) + countNewlines(v.systemPrompt, offset);
      hits.push({ line, message: `@${ref} names no agent under agents/` });
    }
    return hits;
  }),
};

/** `@name` references in prose: fenced code blocks and inline code are skipped (decorators, `@media`). */
export function findAgentRefs(prompt: string): { ref: string; offset: number }[] {
  const blanked = prompt
    .replace(/^(```|~~~)[^\n]*\n[\s\S]*?(^\1[^\n]*$|(?![\s\S]))/gm, (m) => m.replace(/[^\n]/g, ' '))
    .replace(/`[^`\n]*`/g, (m) => ' '.repeat(m.length));
  return [...blanked.matchAll(AGENT_REF)].map((m) => ({ ref: m[1]!, offset: m.index }));
}

function countNewlines(text: string, end: number): number {
  let n = 0;
  for (let i = 0; i < end; i++) if (text.charCodeAt(i) === 10) n++;
  return n;
}
