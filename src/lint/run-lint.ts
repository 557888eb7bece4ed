import type { AgentFile } from '../load/agents.ts';
import { readAgentFiles } from '../load/discover-agents.ts';
import { isUserError } from '../errors.ts';
import { loadRoutingSuites } from '../load/routing.ts';
import { lintAgents, type Finding } from './lint.ts';

export interface LintReport {
  files: AgentFile[];
  /** Sorted by file, then line. */
  findings: Finding[];
  errors: number;
  warnings: number;
  /** With `routing`: routing suites' agents that no case expects (`routing/*.yaml`), one line each. */
  routing?: string[];
}

/**
 * Reads every file under `<root>/agents` and lints it; never throws for bad agent files, which become
 * findings. `eval` calls this first so that no money is spent on a broken variant.
 *
 * @example
 * const { errors, findings } = await runLint(ctx.root);
 * if (errors > 0) return 1;
 */
export async function runLint(
  root: string,
  opts: { maxPromptTokens?: number; places?: readonly string[]; routing?: boolean } = {},
): Promise<LintReport> {
  const files = await readAgentFiles(root, opts.places);
  const agentNames = new Set(files.flatMap((f) => (f.variant ? [f.variant.name] : [])));
  const findings = lintAgents(files, { maxPromptTokens: opts.maxPromptTokens, agentNames });
  const errors = findings.filter((f) => f.severity === 'error').length;
  const routing = opts.routing ? await routingWarnings(root) : undefined;
  return { files, findings, errors, warnings: findings.length - errors, ...(routing ? { routing } : {}) };
}

/** Suite agents no case expects; a suite that does not load is left to `calibrate` and `eval`, which stop on it. */
async function routingWarnings(root: string): Promise<string[]> {
  try {
    return (await loadRoutingSuites(root)).warnings;
  } catch (err) {
    if (isUserError(err)) return [];
    throw err;
  }
}
