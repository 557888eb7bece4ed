import { loadBaseline } from './baseline.ts';
import { runDir, streamRun } from '../run/run-store.ts';
import { BaselineAnswers, type BaselineView } from '../../report/model/baseline-view.ts';

/**
 * The baseline as the reports show it: `reports/baseline.json` (or its copy at a git ref) plus, when
 * the blessed run's folder is still in `reports/runs/`, that run's prompts and the answers the drill-down
 * shows (bounded, kept as its results.jsonl is read line by line: never the whole run). Never throws:
 * the report is written even when the baseline is damaged or absent (the gate reports that itself).
 *
 * @example
 * const baseline = await loadBaselineView(root); // undefined when none was blessed
 * baseline?.prompts?.['reviewer-terse'] // the prompt the baseline measured
 */
export async function loadBaselineView(root: string, opts: { ref?: string } = {}): Promise<BaselineView | undefined> {
  const loaded = await loadBaseline(root, opts).catch(() => undefined);
  if (!loaded) return undefined;
  const { baseline, source } = loaded;
  const view: BaselineView = { runId: baseline.runId, time: baseline.time, git: baseline.git, source, cells: baseline.cells };
  try {
    const answers = new BaselineAnswers();
    const { meta } = await streamRun(runDir(root, baseline.runId), (r) => answers.add(r));
    view.prompts = Object.fromEntries(Object.entries(meta.fingerprints.variants).map(([id, v]) => [id, v.systemPrompt]));
    view.answers = answers;
  } catch (err) {
    view.missing = `the baseline run's folder reports/runs/${baseline.runId}/ could not be read (${(err as Error).message.split('\n')[0]}), so its answers and prompts are not shown`;
  }
  return view;
}
