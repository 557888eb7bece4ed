/**
 * The three report files of a run as text (pure): `index.html`, `summary.md` and `junit.xml`, rendered
 * from one input. The finish stage renders them here and hands the text to `io/reports/write-reports.ts`,
 * which only writes.
 */
import { type HtmlOptions, type ReportInput, renderHtml } from './html/html.ts';
import { renderJunit } from './junit/junit.ts';
import { renderSummaryMarkdown } from './markdown/summary-md.ts';
import { budgetStopText } from './text/budget-stop.ts';

type ReportFilesInput = ReportInput & {
  /** Link to the HTML report used in summary.md (an artifact URL in CI); default `index.html`. */
  htmlUrl?: string;
  html?: HtmlOptions;
};

/** The text of each report file. */
interface RenderedReports {
  html: string;
  summary: string;
  junit: string;
}

/**
 * @example
 * await writeReports(root, renderReports({ meta, results, summary, history: entries, gate }));
 */
export function renderReports(input: ReportFilesInput): RenderedReports {
  return {
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
}
