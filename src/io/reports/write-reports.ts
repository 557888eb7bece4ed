import path from 'node:path';
import { writeFileAtomic } from '../fs/atomic-write.ts';

/** The report files of a run, by name: their text to write, or the paths written. */
interface ReportFiles<T = string> {
  html: T;
  summary: T;
  junit: T;
}

export type WrittenReports = ReportFiles<string>;

/**
 * Writes `reports/index.html`, `reports/summary.md` and `reports/junit.xml` from their rendered text
 * (`report/render-reports.ts`). Each file is written to a temporary sibling and renamed, so a CI step
 * reading them never sees half a file.
 *
 * @example
 * const files = await writeReports(root, renderReports({ meta, results, summary, history: entries, gate }));
 * ctx.out(`report: ${files.html}`);
 */
export async function writeReports(root: string, text: ReportFiles<string>): Promise<WrittenReports> {
  const dir = path.join(root, 'reports');
  const files = { html: path.join(dir, 'index.html'), summary: path.join(dir, 'summary.md'), junit: path.join(dir, 'junit.xml') };
  await Promise.all((Object.keys(files) as Array<keyof WrittenReports>).map((k) => writeFileAtomic(files[k], text[k])));
  return files;
}
