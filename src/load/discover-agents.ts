/**
 * Finding agents where they live: `agents/` (this harness's own folder), `.claude/agents/`,
 * `.opencode/agent/`, `.opencode/agents/` and `opencode.json(c)`, or the places an eval config names.
 */
import { pathExists } from '../io/path-exists.ts';
import path from 'node:path';
import { AgentError, EvalConfigError, UserErrors, isUserError, type UserError } from '../errors.ts';
import type { AgentVariant } from '../schema/agent.ts';
import { type AgentFile, type AgentProblem, parseAgentFile, problem } from './agents.ts';
import { findFiles, readInputFile, relPath } from './files.ts';
import { readOpenCodeJsonAgents } from './opencode-json.ts';

/**
 * Where agents live, in the order they are read: this harness's own folder, then the places Claude Code
 * and OpenCode read project agents from. An eval config's `agentsDirs:` replaces the list.
 */
export const AGENT_PLACES = ['agents', '.claude/agents', '.opencode/agent', '.opencode/agents', 'opencode.json', 'opencode.jsonc'] as const;

/**
 * The places to read agents from: the eval config's `agentsDirs:` (each must exist: exit 2 naming the
 * entry otherwise), or the default places.
 */
export async function agentPlaces(root: string, configured: readonly string[] | undefined, configFile: string): Promise<readonly string[]> {
  if (!configured) return AGENT_PLACES;
  for (const [i, place] of configured.entries()) {
    if (!(await pathExists(path.resolve(root, place))))
      throw new EvalConfigError(
        `"${place}" does not exist; expected a folder of agent files or an opencode.json, relative to the project root`,
        {
          file: configFile,
          field: `agentsDirs[${i}]`,
        },
      );
  }
  return configured;
}

/**
 * Reads every agent definition in `places` (folders of `*.md`, read recursively, and `opencode.json`
 * files) and returns each with its problems; a variant id defined twice is a problem of the second
 * definition, naming the first. Never throws for bad content or an unreadable file: lint wants every
 * problem; `loadAgents` turns errors into one failure. A default place that does not exist is skipped.
 */
export async function readAgentFiles(root: string, places: readonly string[] = AGENT_PLACES): Promise<AgentFile[]> {
  const files: AgentFile[] = [];
  for (const place of places) {
    const abs = path.resolve(root, place);
    if (/\.jsonc?$/i.test(place)) {
      if (await pathExists(abs)) files.push(...(await readOpenCodeJsonAgents(root, abs)));
      continue;
    }
    const origin = relPath(root, abs);
    for (const file of await findFiles(abs, ['.md'])) files.push(await readAgentMarkdown(root, abs, file, origin));
  }
  return markDuplicateIds(files);
}

async function readAgentMarkdown(root: string, dir: string, abs: string, origin: string): Promise<AgentFile> {
  const file = relPath(root, abs);
  const id = relPath(dir, abs).replace(/\.md$/i, '');
  try {
    return parseAgentFile(await readInputFile(abs, file), { file, id, origin });
  } catch (err) {
    // Unreadable, too large, binary, not UTF-8: a problem with that file, not a bug.
    if (isUserError(err)) return { file, problems: [problem('file-read', file, err.detail, err.place)] };
    throw err;
  }
}

/** The second definition of a variant id gets a `duplicate-id` error naming the first; its variant is dropped. */
function markDuplicateIds(files: AgentFile[]): AgentFile[] {
  const first = new Map<string, AgentFile>();
  return files.map((f) => {
    if (!f.variant) return f;
    const earlier = first.get(f.variant.id);
    if (!earlier) {
      first.set(f.variant.id, f);
      return f;
    }
    const message = `variant "${f.variant.id}" is also defined in ${earlier.file}; rename one of them, or name the folders to read with agentsDirs: in the eval config`;
    const { variant: _dropped, ...rest } = f;
    return { ...rest, problems: [...f.problems, problem('duplicate-id', f.file, message, { line: f.variant.lines.name ?? 1 })] };
  });
}

/**
 * Loads and validates every agent variant; any error-level problem stops the load with one line
 * per problem (exit code 2). Warnings are returned for the caller to print.
 *
 * @example
 * const { variants } = await loadAgents('/repo');
 * variants.map((v) => v.id) // ['backend-architect/claude-code-opus-examples', ...]
 */
export async function loadAgents(
  root: string,
  places?: readonly string[],
): Promise<{ variants: AgentVariant[]; warnings: AgentProblem[] }> {
  return variantsOf(await readAgentFiles(root, places));
}

/**
 * The variants of files already read (`readAgentFiles`, or lint's own read); any error-level
 * problem stops with one line per problem (exit code 2).
 */
export function variantsOf(files: AgentFile[]): { variants: AgentVariant[]; warnings: AgentProblem[] } {
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
