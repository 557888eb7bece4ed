import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Context } from '../context.ts';
import { loadBaselineView } from '../io/baseline/baseline-run.ts';
import { historyEntryFromRun, readHistory } from '../io/history/history.ts';
import { type FoldedRun, listRunIds, readRunFold, runDir } from '../io/run/run-store.ts';
import { writeReports, type WrittenReports } from '../io/reports/write-reports.ts';
import { renderReports } from '../report/render-reports.ts';
import { renderConsoleMatrix } from '../report/text/console.ts';
import { describeControl } from '../report/text/control-text.ts';
import type { PreviousPrompt } from '../report/html/html-diff.ts';
import { RunMeta } from '../schema/run-meta.ts';
import { aggregateRun } from '../score/aggregate-results.ts';
import { summarizeRun } from '../score/summarize.ts';
import { latencyStats } from '../score/latency.ts';
import type { GateReport } from '../score/types.ts';
import { rubricTrustOfRun } from './rubric-trust.ts';

/** How many earlier runs to look through for each variant's previous prompt. */
const PREVIOUS_RUNS_SCANNED = 50;

/**
 * Writes reports/index.html, summary.md and junit.xml for one run (with the gate's verdicts when
 * given) and prints the console matrix and the files written. Shared by `report`, `gate` and `eval`.
 * The run is read line by line into verdicts and a bounded set of answers (`readRunFold`), or taken
 * as `opts.run` when the caller folded it already (`eval` folds its cells as they finish).
 *
 * @example
 * await buildReports(ctx, runId, { gate: gateRun({ ... }) })
 */
export async function buildReports(
  ctx: Context,
  runId: string,
  opts: { gate?: GateReport; baselineRef?: string; run?: FoldedRun } = {},
): Promise<WrittenReports> {
  const { meta, results, warnings, shown } = opts.run ?? (await readRunFold(runDir(ctx.root, runId)));
  const { entries, damaged } = await readHistory(ctx.root);
  const { trust, warning } = await rubricTrustOfRun(ctx.root, meta);
  const notes = [
    ...warnings,
    ...(warning ? [warning] : []),
    ...damaged.map((d) => `reports/history.jsonl:${d.line}: ${d.message} (line skipped; the file is left as it is)`),
  ];
  for (const note of notes) ctx.err(`warning: ${note}`);

  // A run missing from history (merged shards, an interrupted append) still shows as the last point.
  const history = entries.some((e) => e.runId === runId)
    ? entries
    : [
        ...entries,
        historyEntryFromRun(
          meta,
          aggregateRun(results, { grader: meta.grader }),
          undefined,
          latencyStats(results.filter((r) => r.source !== 'baseline')),
        ),
      ];
  const summary = { ...summarizeRun(runId, results), ...(shown.judges ? { judges: shown.judges } : {}) };
  // The gate's baseline (working tree unless a ref is passed): answers and prompts when its run folder is here.
  const baseline = await loadBaselineView(ctx.root, opts.baselineRef ? { ref: opts.baselineRef } : {});
  const files = await writeReports(
    ctx.root,
    renderReports({
      meta,
      results,
      shown,
      summary,
      history,
      previousPrompts: await previousPrompts(ctx.root, meta),
      warnings: notes,
      ...(trust ? { rubricTrust: trust } : {}),
      ...(opts.gate ? { gate: opts.gate } : {}),
      ...(baseline && baseline.runId !== runId ? { baseline } : {}),
    }),
  );

  ctx.out(renderConsoleMatrix(summary));
  if (summary.control?.length) {
    ctx.out('');
    ctx.out('gain over the bare model (control arm):');
    for (const c of summary.control) ctx.out(`  ${describeControl(c)}`);
  }
  ctx.out('');
  for (const file of [files.html, files.summary, files.junit]) ctx.out(`wrote ${path.relative(ctx.root, file)}`);
  return files;
}

/** For each variant of `meta`, its prompt in the latest earlier run that included it. */
export async function previousPrompts(root: string, meta: RunMeta): Promise<Record<string, PreviousPrompt>> {
  const wanted = new Set(Object.keys(meta.fingerprints.variants));
  const found: Record<string, PreviousPrompt> = {};
  const earlier = (await listRunIds(root))
    .filter((id) => id < meta.runId)
    .reverse()
    .slice(0, PREVIOUS_RUNS_SCANNED);
  for (const id of earlier) {
    if (!wanted.size) break;
    const prev = await readMeta(path.join(runDir(root, id), 'meta.json'));
    if (!prev) continue;
    for (const [variantId, v] of Object.entries(prev.fingerprints.variants)) {
      if (!wanted.delete(variantId)) continue;
      found[variantId] = { runId: id, systemPrompt: v.systemPrompt };
    }
  }
  return found;
}

/** An earlier run's meta, or undefined when it is unreadable: a diff is optional, the report is not. */
async function readMeta(file: string): Promise<RunMeta | undefined> {
  try {
    const parsed = RunMeta.safeParse(JSON.parse(await readFile(file, 'utf8')));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
