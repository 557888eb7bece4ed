/**
 * The answers the drill-down shows, kept as results stream in and bounded: per variant × model ×
 * scenario at most `MAX_SHOWN.failing` distinct failing answers (any status but pass) and
 * `MAX_SHOWN.passing` distinct passing ones, the first seen of each kind. Repeats identical to a kept
 * answer (same status, answer, error, verdicts, tool calls) only add their repeat number to it, so
 * "× 40 identical" costs nothing; a repeat with yet another answer past the bound is only counted.
 * Everything else stays in the run's results.jsonl. Pure.
 */
import type { CellResult } from '../../schema/result.ts';
import { deltaKey } from './delta-key.ts';

/** Distinct answers kept per variant × model × scenario (docs/report.md states the bound). */
export const MAX_SHOWN = { failing: 5, passing: 5 } as const;

/** One distinct answer: the repeat with the lowest number stands for every identical one. */
export interface AnswerGroup {
  cell: CellResult;
  repeats: number[];
}

/** What the drill-down shows of one variant × model × scenario. */
export interface AnswerSample {
  /** Distinct answers in the order first seen. */
  groups: AnswerGroup[];
  /** Repeats whose answer was not kept (past the bound). */
  notShown: number;
}

interface Kept {
  groups: Map<string, AnswerGroup>;
  failing: number;
  passing: number;
  notShown: number;
}

/** Two repeats are shown once when their status, answer, error, assertion verdicts and tool calls all match. */
function sameness(c: CellResult): string {
  const calls = c.trajectory?.toolCalls.map((t) => [t.tool, t.outcome, t.input]) ?? null;
  return JSON.stringify([c.status, c.output ?? null, c.error ?? null, c.assertions.map((a) => [a.id, a.pass, a.reason ?? '']), calls]);
}

/**
 * @example
 * const answers = new AnswerSampler();
 * for (const r of results) answers.add(r);
 * answers.get('v1', 'm1', 'refund')?.groups[0]?.repeats // [0, 1, 2]
 */
export class AnswerSampler {
  private readonly kept = new Map<string, Kept>();

  add(r: CellResult): void {
    const key = deltaKey(r.variantId, r.model, r.scenarioId);
    let k = this.kept.get(key);
    if (!k) this.kept.set(key, (k = { groups: new Map(), failing: 0, passing: 0, notShown: 0 }));
    const same = sameness(r);
    const group = k.groups.get(same);
    if (group) {
      group.repeats.push(r.repeat);
      if (r.repeat < group.cell.repeat) group.cell = r;
      return;
    }
    const kind = r.status === 'pass' ? 'passing' : 'failing';
    if (k[kind] >= MAX_SHOWN[kind]) {
      k.notShown++;
      return;
    }
    k[kind]++;
    k.groups.set(same, { cell: r, repeats: [r.repeat] });
  }

  get(variantId: string, model: string, scenarioId: string): AnswerSample | undefined {
    const k = this.kept.get(deltaKey(variantId, model, scenarioId));
    if (!k) return undefined;
    return {
      groups: [...k.groups.values()].map((g) => ({ cell: g.cell, repeats: [...g.repeats].sort((a, b) => a - b) })),
      notShown: k.notShown,
    };
  }
}

/** Every answer of `results` sampled: what a report built from a results array shows. */
export function sampleAnswers(results: Iterable<CellResult>): AnswerSampler {
  const sampler = new AnswerSampler();
  for (const r of results) sampler.add(r);
  return sampler;
}
