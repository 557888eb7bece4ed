import { renderStoppedPrComment } from '../report/markdown/pr-comment.ts';
import { budgetStopText } from '../report/text/budget-stop.ts';
import { readRunFold, runDir } from '../io/run/run-store.ts';
import { spawn } from 'node:child_process';
import { platform } from 'node:os';
import { pathToFileURL } from 'node:url';
import type { Context } from '../context.ts';
import { UsageError } from '../errors.ts';
import { buildReports } from '../finish/build-reports.ts';
import { prCommentOfRun } from '../finish/pr-comment-run.ts';
import { readFinishedRun } from '../io/run/finished-run.ts';
import { resolveCommit } from '../io/git/git-files.ts';
import { resolveRunId } from '../io/run/run-id.ts';

/**
 * `agent-evals report [--run <id>] [--open]`: rebuilds reports/index.html, summary.md and junit.xml
 * from a run folder and reports/history.jsonl. Calls no model.
 *
 * @example
 * await reportCommand(ctx, { run: '20261121-223000-a1b2' }) // 0
 */
export async function reportCommand(
  ctx: Context,
  opts: { run?: string; open?: boolean; format?: string; baseline?: string; reportUrl?: string },
): Promise<number> {
  if (opts.format === 'pr-comment') return prComment(ctx, opts);
  if (opts.format !== undefined && opts.format !== 'files')
    throw new UsageError(`--format ${opts.format}: unknown format; expected files (the default) or pr-comment`);
  const files = await buildReports(ctx, await resolveRunId(ctx.root, opts.run));
  if (opts.open) openInBrowser(ctx, files.html);
  return 0;
}

/**
 * The pull-request comment on stdout: the run judged against the baseline with the thresholds it
 * recorded, as `gate` judges it. Writes nothing.
 */
async function prComment(ctx: Context, opts: { run?: string; baseline?: string; reportUrl?: string }): Promise<number> {
  const runId = await resolveRunId(ctx.root, opts.run);
  if (opts.baseline) await resolveCommit(ctx.root, opts.baseline, '--baseline');
  // A run its budget stopped has no verdict: the comment says so instead of a gate's.
  const stopped = await budgetStoppedText(ctx.root, runId);
  if (stopped) {
    ctx.out(renderStoppedPrComment(stopped).trimEnd());
    return 0;
  }
  const run = await readFinishedRun(ctx, runId, 'report --format pr-comment');
  ctx.out(await prCommentOfRun(ctx, run, { baselineRef: opts.baseline, reportUrl: opts.reportUrl }));
  return 0;
}

function openInBrowser(ctx: Context, file: string): void {
  const url = pathToFileURL(file).href;
  ctx.out(url);
  const os = platform();
  const opener = os === 'darwin' ? 'open' : os === 'win32' ? 'explorer' : 'xdg-open';
  try {
    const child = spawn(opener, [url], { detached: true, stdio: 'ignore' });
    child.on('error', () => ctx.err(`could not start ${opener}; open ${url} yourself`));
    child.unref();
  } catch {
    ctx.err(`could not start ${opener}; open ${url} yourself`);
  }
}

/** The budget-stop sentence of a run whose budget stopped it, else undefined (read from its folder, no answer kept). */
async function budgetStoppedText(root: string, runId: string): Promise<string | undefined> {
  const run = await readRunFold(runDir(root, runId));
  return budgetStopText(run.meta, run.results.filter((r) => r.source !== 'baseline').length);
}
