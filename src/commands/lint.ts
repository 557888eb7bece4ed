import type { Context } from '../context.ts';
import { formatFinding } from '../lint/lint.ts';
import { runLint, type LintReport } from '../lint/run-lint.ts';

/** `agent-evals lint [--json] [--max-prompt-tokens n]`: exit 1 when any finding is an error. */
export async function lintCommand(ctx: Context, opts: { json?: boolean; maxPromptTokens?: number }): Promise<number> {
  const report = await runLint(ctx.root, { ...opts, routing: true });
  const { findings, errors, warnings } = report;
  if (opts.json) {
    ctx.out(
      JSON.stringify(
        { findings, errors, warnings, files: report.files.length, ...(report.routing?.length ? { routing: report.routing } : {}) },
        null,
        2,
      ),
    );
  } else {
    for (const f of findings) ctx.out(formatFinding(f));
    for (const w of report.routing ?? []) ctx.out(`warning: ${w}`);
    ctx.out(formatTally({ ...report, warnings: warnings + (report.routing?.length ?? 0) }));
  }
  return errors > 0 ? 1 : 0;
}

/** `2 errors, 1 warning in 5 files` */
function formatTally({ files, errors, warnings }: Pick<LintReport, 'files' | 'errors' | 'warnings'>): string {
  const n = (count: number, word: string) => `${count} ${word}${count === 1 ? '' : 's'}`;
  return `${n(errors, 'error')}, ${n(warnings, 'warning')} in ${n(files.length, 'file')}`;
}
