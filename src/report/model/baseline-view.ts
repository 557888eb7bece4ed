import type { GitInfo, ScenarioAggregate } from '../../schema/aggregate.ts';
import type { CellResult } from '../../schema/result.ts';
import { AnswerSampler } from './answer-sample.ts';
import { deltaKey } from './delta-key.ts';

/**
 * What the reports know about the baseline a run is judged against: its aggregates (always, from
 * `reports/baseline.json`) and, when the baseline run's folder is still on disk, its prompts and its
 * answers, so a reviewer sees the baseline's answer beside the current one and the prompt diff
 * against the baseline rather than against whichever run came last.
 */
export interface BaselineView {
  runId: string;
  time: string;
  git: GitInfo;
  /** Where it was read from, e.g. `reports/baseline.json`. */
  source: string;
  cells: ScenarioAggregate[];
  /** Per variant id: the baseline run's system prompt. Absent when the run folder is gone. */
  prompts?: Record<string, string>;
  /** The baseline run's answers, bounded, as its results.jsonl streamed by. Absent when the run folder is gone. */
  answers?: BaselineAnswers;
  /** Why prompts or answers are missing, for a one-line note. */
  missing?: string;
}

/**
 * A baseline run's answers for the drill-down, kept as its results stream in: the bounded sample
 * (answer-sample.ts) and, per variant × model × scenario, how many of its cells had an answer (the
 * report shares its answer budget among the answers it embeds). Nothing holds the run's every answer.
 *
 * @example
 * const answers = new BaselineAnswers();
 * for (const r of results) answers.add(r);
 * answers.withOutput(new Set([deltaKey('v1', 'm1', 'refund')])) // cells of v1 @ m1 / refund with an answer
 */
export class BaselineAnswers {
  readonly sampler = new AnswerSampler();
  private readonly answered = new Map<string, number>();

  add(r: CellResult): void {
    this.sampler.add(r);
    if (r.output === undefined) return;
    const key = deltaKey(r.variantId, r.model, r.scenarioId);
    this.answered.set(key, (this.answered.get(key) ?? 0) + 1);
  }

  /** Cells with an answer among the variant × model × scenario keys given (`deltaKey`). */
  withOutput(keys: ReadonlySet<string>): number {
    let n = 0;
    for (const [key, count] of this.answered) if (keys.has(key)) n += count;
    return n;
  }
}

/** Every answer of `results` kept as a baseline run's: what a baseline view built from an array shows. */
export function baselineAnswersOf(results: Iterable<CellResult>): BaselineAnswers {
  const answers = new BaselineAnswers();
  for (const r of results) answers.add(r);
  return answers;
}

/**
 * Per (variant, model, scenario): baseline and current k/n and the assertions failing now. The gate
 * rows and the drill-down both read it, so a row's scenario list always agrees with the drill-down.
 */
export interface ScenarioDelta {
  variantId: string;
  model: string;
  scenarioId: string;
  baseline?: { passes: number; runs: number };
  current: { passes: number; runs: number };
  /** Assertion ids that failed at least once now, sorted. */
  failing: string[];
  /** current rate − baseline rate, or null without a baseline or a scored run. */
  delta: number | null;
}

const rate = (c: { passes: number; runs: number }) => (c.runs ? c.passes / c.runs : null);

export { deltaKey };

/**
 * @example
 * const d = scenarioDeltas(aggregateRun(results), baseline.cells);
 * d.get(deltaKey('reviewer-terse', 'm1', 'scenario-0'))?.delta // -1 when 3/3 became 0/3
 */
export function scenarioDeltas(current: ScenarioAggregate[], baseline: ScenarioAggregate[] = []): Map<string, ScenarioDelta> {
  const base = new Map(baseline.map((c) => [deltaKey(c.variantId, c.model, c.scenarioId), c]));
  const out = new Map<string, ScenarioDelta>();
  for (const c of current) {
    const key = deltaKey(c.variantId, c.model, c.scenarioId);
    const b = base.get(key);
    const now = { passes: c.passes, runs: c.runs };
    const before = b ? { passes: b.passes, runs: b.runs } : undefined;
    const r0 = before ? rate(before) : null;
    const r1 = rate(now);
    const failing = Object.entries(c.assertions)
      .filter(([, a]) => a.passes < a.runs)
      .map(([id]) => id)
      .sort();
    out.set(key, {
      variantId: c.variantId,
      model: c.model,
      scenarioId: c.scenarioId,
      ...(before ? { baseline: before } : {}),
      current: now,
      failing,
      delta: r0 === null || r1 === null ? null : r1 - r0,
    });
  }
  return out;
}

/** The scenarios of one variant × model, the ones that moved most in `direction` first. */
export function movedScenarios(deltas: Map<string, ScenarioDelta>, variantId: string, model: string, direction: -1 | 1): ScenarioDelta[] {
  return [...deltas.values()]
    .filter((d) => d.variantId === variantId && d.model === model && d.delta !== null && Math.sign(d.delta) === direction)
    .sort((a, b) => direction * (b.delta! - a.delta!) || a.scenarioId.localeCompare(b.scenarioId));
}

/** `3/3 → 0/3`, or `new → 0/3` without a baseline. */
export function formatKN(d: ScenarioDelta): string {
  return `${d.baseline ? `${d.baseline.passes}/${d.baseline.runs}` : 'new'} → ${d.current.passes}/${d.current.runs}`;
}

/** Whether the baseline's per-scenario counts of this variant × model are known (a baseline cell matched). */
export function hasBaselineCounts(deltas: Map<string, ScenarioDelta>, variantId: string, model: string): boolean {
  return [...deltas.values()].some((d) => d.variantId === variantId && d.model === model && d.baseline);
}
