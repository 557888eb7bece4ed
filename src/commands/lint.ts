import type { Context } from '../context.ts';
import { readAgentFiles, type AgentFile } from '../load/agents.ts';
import { formatFinding, lintAgents, type Finding } from '../lint/lint.ts';

export interface LintReport {
  files: AgentFile[];
  /** Sorted by file, then line. */
  findings: Finding[];
  errors: number;
  warnings: number;
}

/**
 * Reads every file under `<root>/agents` and lints it; never throws for bad agent files, which become
 * findings. `eval` calls this first so that no money is spent on a broken variant.
 *
 * @example
 * const { errors, findings } = await runLint(ctx.root);
 * if (errors > 0) return 1;
 */
export async function runLint(root: string, opts: { maxPromptTokens?: number } = {}): Promise<LintReport> {
  const files = await readAgentFiles(root);
  const agentNames = new Set(files.flatMap((f) => (f.variant ? [f.variant.name] : [])));
  const findings = lintAgents(files, { maxPromptTokens: opts.maxPromptTokens, agentNames });
  const errors = findings.filter((f) => f.severity === 'error').length;
  return { files, findings, errors, warnings: findings.length - errors };
}

/** `agent-evals lint [--json] [--max-prompt-tokens n]`: exit 1 when any finding is an error. */
export async function lintCommand(ctx: Context, opts: { json?: boolean; maxPromptTokens?: number }): Promise<number> {
  const report = await runLint(ctx.root, opts);
  const { findings, errors, warnings } = report;
  if (opts.json) {
    ctx.out(JSON.stringify({ findings, errors, warnings, files: report.files.length }, null, 2));
  } else {
    for (const f of findings) ctx.out(formatFinding(f));
    ctx.out(formatTally(report));
  }
  return errors > 0 ? 1 : 0;
}

/** `2 errors, 1 warning in 5 files` */
export function formatTally({ files, errors, warnings }: Pick<LintReport, 'files' | 'errors' | 'warnings'>): string {
  const n = (count: number, word: string) => `${count} ${word}${count === 1 ? '' : 's'}`;
  return `${n(errors, 'error')}, ${n(warnings, 'warning')} in ${n(files.length, 'file')}`;
}
