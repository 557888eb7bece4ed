import { spawn } from 'node:child_process';
import { platform } from 'node:os';
import { pathToFileURL } from 'node:url';
import type { Context } from '../context.ts';
import { UsageError } from '../errors.ts';
import { buildReports } from '../finish/build-reports.ts';
import { judgeRun, recordedThresholds } from '../finish/gate-run.ts';
import { readFinishedRun } from '../io/finished-run.ts';
import { resolveCommit } from '../io/git-files.ts';
import { resolveRunId } from '../io/run-id.ts';
import { renderPrComment } from '../report/pr-comment.ts';
import { compareWithControl } from '../score/control.ts';

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
  const run = await readFinishedRun(ctx, runId, 'report --format pr-comment');
  const thresholds = await recordedThresholds(ctx, run);
  const { gate, baselineSource } = await judgeRun(ctx, run, { thresholds, baselineRef: opts.baseline });
  const control = compareWithControl(run.results, thresholds.alpha);
  ctx.out(
    renderPrComment({ gate, runId, reportUrl: opts.reportUrl, baselineSource, uncalibrated: run.meta.uncalibrated, control }).trimEnd(),
  );
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
