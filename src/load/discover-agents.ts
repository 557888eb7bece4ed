/**
 * Finding agents where they live: `agents/` (this harness's own folder), `.claude/agents/`,
 * `.opencode/agent/`, `.opencode/agents/` and `opencode.json(c)`, or the places an eval config names.
 */
import { pathExists } from '../io/fs/path-exists.ts';
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
const AGENT_PLACES = ['agents', '.claude/agents', '.opencode/agent', '.opencode/agents', 'opencode.json', 'opencode.jsonc'] as const;

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
 * definition, naming the first, except one Claude Code and one OpenCode definition, which become
 * `<id>@claude` and `<id>@opencode` (`markDuplicateIds`). Never throws for bad content or an
 * unreadable file: lint wants every problem; `loadAgents` turns errors into one failure. A default place that does not exist is skipped.
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

type AgentTool = 'claude' | 'opencode';

/**
 * The tool whose project agents a place holds, told by the place's own name (`.claude/agents`,
 * `.opencode/agent(s)`, `opencode.json(c)`, at the root or under a folder `agentsDirs:` names);
 * `undefined` for `agents/` and any other folder.
 */
function toolOfPlace(origin: string): AgentTool | undefined {
  const place = origin.replace(/\\/g, '/').replace(/\/+$/, '');
  if (/(^|\/)\.claude\/agents$/.test(place)) return 'claude';
  if (/(^|\/)\.opencode\/agents?$/.test(place) || /(^|\/)opencode\.jsonc?$/i.test(place)) return 'opencode';
  return undefined;
}

/**
 * Ids defined more than once. One agent kept for both tools (an id defined in Claude Code's places and in
 * OpenCode's, nowhere else) is two variants: the first definition of each tool becomes `<id>@claude` and
 * `<id>@opencode`. Every other second definition (within one tool's places, or beside `agents/`) gets a
 * `duplicate-id` error naming the first; its variant is dropped. Ids without a clash are left as they are.
 */
function markDuplicateIds(files: AgentFile[]): AgentFile[] {
  const byId = new Map<string, AgentFile[]>();
  for (const f of files) if (f.variant) byId.set(f.variant.id, [...(byId.get(f.variant.id) ?? []), f]);
  const renamed = new Map<AgentFile, string>();
  const earlierOf = new Map<AgentFile, AgentFile>();
  for (const [id, defs] of byId) {
    const tools = defs.map((d) => toolOfPlace(d.variant!.origin));
    if (defs.length < 2 || tools.includes(undefined) || !tools.includes('claude') || !tools.includes('opencode')) continue;
    for (const tool of ['claude', 'opencode'] as const) {
      const own = defs.filter((_, i) => tools[i] === tool);
      renamed.set(own[0]!, `${id}@${tool}`);
      for (const later of own.slice(1)) earlierOf.set(later, own[0]!);
    }
  }
  const first = new Map<string, AgentFile>();
  return files.map((f) => {
    if (!f.variant) return f;
    const id = renamed.get(f) ?? f.variant.id;
    const earlier = earlierOf.get(f) ?? first.get(id);
    if (!earlier) {
      first.set(id, f);
      return id === f.variant.id ? f : { ...f, variant: { ...f.variant, id } };
    }
    const message = `variant "${id}" is also defined in ${earlier.file}; rename one of them, or name the folders to read with agentsDirs: in the eval config`;
    const { variant: _dropped, ...rest } = f;
    return { ...rest, problems: [...f.problems, problem('duplicate-id', f.file, message, { line: definitionLine(f.variant) })] };
  });
}

/** Where a definition starts: its `name:` line; in `opencode.json`, the entry's first key; else line 1. */
function definitionLine(v: AgentVariant): number {
  if (v.lines.name !== undefined) return v.lines.name;
  const keys = Object.entries(v.lines).filter(([key]) => key !== 'body');
  return /\.jsonc?$/i.test(v.file) && keys.length ? Math.min(...keys.map(([, line]) => line)) : 1;
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
