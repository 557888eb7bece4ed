import type { AgentFile, Severity } from '../load/agents.ts';
import { DEFAULT_MAX_PROMPT_TOKENS, RULES, type RuleName } from './rules.ts';
import { similarDescriptions } from './similar-descriptions.ts';

export interface Finding {
  /** Path relative to the project root. */
  file: string;
  /** 1-based; 1 when the rule cannot point anywhere better. */
  line: number;
  column?: number;
  severity: Severity;
  rule: RuleName;
  /** Frontmatter field the finding concerns (`permission.bash`), when it concerns one. */
  field?: string;
  message: string;
}

/**
 * Runs every rule of the registry over every file. Pure: the files are read by the caller.
 * Findings come sorted by file, then line.
 *
 * @example
 * const files = await readAgentFiles(root);
 * const names = new Set(files.flatMap((f) => (f.variant ? [f.variant.name] : [])));
 * lintAgents(files, { agentNames: names }).map(formatFinding)
 * // ['agents/a/x.md:3  warning  description-trigger  description: no trigger guidance; …']
 */
export function lintAgents(files: AgentFile[], options: { maxPromptTokens?: number; agentNames: Set<string> }): Finding[] {
  const resolved = {
    maxPromptTokens: options.maxPromptTokens ?? DEFAULT_MAX_PROMPT_TOKENS,
    agentNames: options.agentNames,
    similar: similarByFile(files),
  };
  const findings: Finding[] = [];
  for (const file of files) {
    for (const [rule, { severity, check }] of Object.entries(RULES) as [RuleName, (typeof RULES)[RuleName]][]) {
      for (const hit of check(file, resolved)) {
        findings.push({
          file: file.file,
          line: hit.line ?? 1,
          ...(hit.column !== undefined && { column: hit.column }),
          severity,
          rule,
          ...(hit.field !== undefined && { field: hit.field }),
          message: hit.message,
        });
      }
    }
  }
  return findings.sort(compareFindings);
}

/** Per file, the agents (in files sorted before it) whose descriptions are near-identical to its own, most similar first. */
function similarByFile(files: AgentFile[]): Map<string, Array<{ name: string; file: string; similarity: number }>> {
  const agents = files.flatMap((f) =>
    f.variant?.description ? [{ name: f.variant.name, description: f.variant.description, key: f.file }] : [],
  );
  const out = new Map<string, Array<{ name: string; file: string; similarity: number }>>();
  const add = (key: string, other: { name: string; key: string }, similarity: number) =>
    out.set(key, [...(out.get(key) ?? []), { name: other.name, file: other.key, similarity }]);
  // Each pair once, on the file that sorts later: one finding says it, and fixing either file clears it.
  for (const { a, b, similarity } of similarDescriptions(agents)) {
    if (a.key < b.key) add(b.key, a, similarity);
    else add(a.key, b, similarity);
  }
  return out;
}

function compareFindings(a: Finding, b: Finding): number {
  return a.file.localeCompare(b.file) || a.line - b.line || (a.column ?? 0) - (b.column ?? 0) || a.rule.localeCompare(b.rule);
}

/**
 * One line per finding, the way compilers print them so editors can jump to the place.
 *
 * @example
 * formatFinding({ file: 'agents/a.md', line: 4, severity: 'error', rule: 'temperature-range', field: 'temperature', message: '3 is out of range; …' })
 * // 'agents/a.md:4  error  temperature-range  temperature: 3 is out of range; …'
 */
export function formatFinding(f: Finding): string {
  return `${f.file}:${f.line}  ${f.severity}  ${f.rule}  ${f.field ? `${f.field}: ` : ''}${f.message}`;
}
