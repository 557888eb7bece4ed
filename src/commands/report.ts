import { spawn } from 'node:child_process';
import { platform } from 'node:os';
import { pathToFileURL } from 'node:url';
import type { Context } from '../context.ts';
import { buildReports } from '../finish/build-reports.ts';
import { resolveRunId } from '../io/run-id.ts';

/**
 * `agent-evals report [--run <id>] [--open]`: rebuilds reports/index.html, summary.md and junit.xml
 * from a run folder and reports/history.jsonl. Calls no model.
 *
 * @example
 * await reportCommand(ctx, { run: '20261121-223000-a1b2' }) // 0
 */
export async function reportCommand(ctx: Context, opts: { run?: string; open?: boolean }): Promise<number> {
  const files = await buildReports(ctx, await resolveRunId(ctx.root, opts.run));
  if (opts.open) openInBrowser(ctx, files.html);
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
