/**
 * `reports/baseline.json`: the aggregates a pull request is gated against. Small, committed and
 * human-diffable: one object per variant × model × scenario with its counts per assertion and its
 * fingerprints, plus the run id, commit and date it was blessed from (and the inputs that were not
 * committed then, if any). Keys come out in a fixed order
 * and cells sorted by (agent, variant, model, scenario), so re-blessing an unchanged run changes nothing.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { DataFileError } from '../../errors.ts';
import { describeIssueText, formatPath } from '../../shared/issue-text.ts';
import { showFileAtRef } from '../git/git-files.ts';
import { writeFileAtomic } from '../fs/atomic-write.ts';
import { Baseline } from '../../schema/aggregate.ts';
import type { CellVerdict } from '../../schema/result.ts';
import type { RunMeta } from '../../schema/run-meta.ts';
import { aggregateRun } from '../../score/aggregate-results.ts';

/** Where the baseline lives, relative to the project root (and, with `--baseline <ref>`, in git). */
export const BASELINE_FILE = 'reports/baseline.json';

export interface LoadedBaseline {
  baseline: Baseline;
  /** Where it was read from, for messages: `reports/baseline.json` or `origin/main:reports/baseline.json`. */
  source: string;
}

/** How many uncommitted files a baseline names (it says how many there were in all). */
const UNCOMMITTED_LISTED = 20;

/**
 * The baseline for a run: its aggregates (carried cells included), run id, commit and date, and the input
 * files that differed from that commit when it was blessed (`uncommitted`, from `uncommittedInputs`).
 * @example baselineFromRun(meta, results).cells.length // variants × models × scenarios
 */
export function baselineFromRun(meta: RunMeta, results: CellVerdict[], uncommitted: string[] = []): Baseline {
  return {
    version: 1,
    runId: meta.runId,
    time: meta.finishedAt ?? meta.startedAt,
    git: meta.git,
    ...(uncommitted.length ? { uncommitted: { count: uncommitted.length, files: uncommitted.slice(0, UNCOMMITTED_LISTED) } } : {}),
    cells: aggregateRun(results, { grader: meta.grader }),
  };
}

/**
 * Stable JSON: keys in schema order (zod rebuilds objects in shape order), assertion ids sorted,
 * cells sorted, two-space indent and a final newline.
 */
export function renderBaseline(baseline: Baseline): string {
  const parsed = Baseline.parse(baseline);
  const key = (c: Baseline['cells'][number]) => [c.agent, c.variantId, c.model, c.scenarioId];
  const cells = [...parsed.cells]
    .sort((a, b) => compareKeys(key(a), key(b)))
    .map((c) => ({ ...c, assertions: Object.fromEntries(Object.entries(c.assertions).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) }));
  return `${JSON.stringify({ ...parsed, cells }, null, 2)}\n`;
}

function compareKeys(a: string[], b: string[]): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i]! < b[i]! ? -1 : 1;
  return 0;
}

/** Writes `reports/baseline.json` atomically; returns its absolute path. */
export async function saveBaseline(root: string, baseline: Baseline): Promise<string> {
  const file = path.join(root, BASELINE_FILE);
  await writeFileAtomic(file, renderBaseline(baseline));
  return file;
}

/**
 * Reads the baseline from the working tree, or as it was at a git ref (`git show`, no checkout).
 * Undefined when there is none (no baseline blessed yet: the gate then checks thresholds only).
 * A damaged file is a one-line error naming the file and the field.
 * @example await loadBaseline(root, { ref: 'origin/main' })
 */
export async function loadBaseline(root: string, opts: { ref?: string } = {}): Promise<LoadedBaseline | undefined> {
  const source = opts.ref ? `${opts.ref}:${BASELINE_FILE}` : BASELINE_FILE;
  const text = opts.ref
    ? await showFileAtRef(root, opts.ref, BASELINE_FILE)
    : await readFile(path.join(root, BASELINE_FILE), 'utf8').catch((err: NodeJS.ErrnoException) => {
        if (err.code === 'ENOENT') return undefined;
        throw err;
      });
  if (text === undefined) return undefined;
  return { baseline: parseBaseline(text, source), source };
}

/** Parses and validates baseline JSON; `source` names the file in errors. */
export function parseBaseline(text: string, source: string): Baseline {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new DataFileError(`broken JSON: ${(err as Error).message}; re-create it with \`agent-evals bless\``, { file: source });
  }
  const parsed = Baseline.safeParse(json, { reportInput: true });
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new DataFileError(`${describeIssueText(issue, Baseline)}; re-create it with \`agent-evals bless\``, {
      file: source,
      field: formatPath(issue.path) || undefined,
    });
  }
  return parsed.data;
}
