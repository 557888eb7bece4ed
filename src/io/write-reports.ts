import { budgetStopText } from '../report/budget-stop.ts';
import path from 'node:path';
import { writeFileAtomic } from './atomic-write.ts';
import { renderHtml, type HtmlOptions, type ReportInput } from '../report/html.ts';
import { renderJunit } from '../report/junit.ts';
import { renderSummaryMarkdown } from '../report/summary-md.ts';

export type WriteReportsInput = ReportInput & {
  /** Link to the HTML report used in summary.md (an artifact URL in CI); default `index.html`. */
  htmlUrl?: string;
  html?: HtmlOptions;
};

export interface WrittenReports {
  html: string;
  summary: string;
  junit: string;
}

/**
 * Writes `reports/index.html`, `reports/summary.md` and `reports/junit.xml`. Each file is written to
 * a temporary sibling and renamed, so a CI step reading them never sees half a file.
 *
 * @example
 * const files = await writeReports(root, { meta, results, summary, history: entries, gate });
 * ctx.out(`report: ${files.html}`);
 */
export async function writeReports(root: string, input: WriteReportsInput): Promise<WrittenReports> {
  const dir = path.join(root, 'reports');
  const files = { html: path.join(dir, 'index.html'), summary: path.join(dir, 'summary.md'), junit: path.join(dir, 'junit.xml') };
  const rendered = {
    html: renderHtml(input, input.html),
    summary: renderSummaryMarkdown(input),
    junit: renderJunit(
      input.meta.runId,
      input.results,
      input.meta.finishedAt ?? input.meta.startedAt,
      input.meta.uncalibrated ?? [],
      budgetStopText(input.meta, input.results.filter((r) => r.source !== 'baseline').length),
    ),
  };
  await Promise.all((Object.keys(files) as Array<keyof WrittenReports>).map((k) => writeFileAtomic(files[k], rendered[k])));
  return files;
}
