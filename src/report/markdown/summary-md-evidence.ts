import { diffLines } from 'diff';
import { type CellVerdict, LIMIT_ASSERTION } from '../../schema/result.ts';
import type { RunMeta } from '../../schema/run-meta.ts';
import { TRAJECTORY_KINDS } from '../../schema/scenario.ts';
import type { GateReport } from '../../score/types.ts';
import { deltaKey, formatKN, hasBaselineCounts, movedScenarios, type BaselineView, type ScenarioDelta } from '../model/baseline-view.ts';
import { escapeMarkdownCell as cell } from '../text/escape.ts';
import { gateSentence } from '../text/gate-text.ts';
import type { GateComparison } from '../../score/types.ts';
import { type TrustNote, trustSentence } from '../model/rubric-trust-notes.ts';

/**
 * GitHub caps a PR comment at 65,536 characters and a job summary at 1 MiB; the file is used for
 * both, so it stays under the smaller with room to spare.
 */
export const SUMMARY_MAX_CHARS = 60_000;

/**
 * The evidence behind a failed gate, for `summary.md` (the PR's job summary and comment): per
 * regressed variant, each model's sentence, its scenarios with baseline k/n → now k/n and the first
 * failing assertion's reason, and the prompt diff against the baseline; then the trajectory
 * assertions that failed, whose reasons name the tool call that broke them.
 */

const MAX_SCENARIOS = 10;
const MAX_DIFF_LINES = 40;
const MAX_TRAJECTORY = 10;

export function regressionEvidence(
  gate: GateReport,
  meta: RunMeta,
  results: CellVerdict[],
  deltas: Map<string, ScenarioDelta>,
  baseline?: BaselineView,
  trust: readonly TrustNote[] = [],
): string[] {
  const failing = gate.comparisons.filter((c) => c.verdict === 'regressed' || c.verdict === 'below-threshold');
  if (!failing.length) return [];
  const reasons = firstFailureReasons(results);
  const lines = ['### Why', ''];
  for (const variantId of [...new Set(failing.map((c) => c.variantId))]) {
    lines.push(`#### ${cell(variantId)}`, '');
    for (const c of failing.filter((x) => x.variantId === variantId)) lines.push(...rowEvidence(c, deltas, reasons, trust));
    lines.push('', ...promptDiff(variantId, meta, baseline), '');
  }
  return lines;
}

/**
 * One failing gate row as Markdown: its sentence, then each scenario that got worse (baseline k/n →
 * now k/n, the failing assertions, the first failure's reason), at most `MAX_SCENARIOS`; a flagged or
 * never-calibrated rubric said beside the scenario that rests on it. summary.md and the PR comment share it.
 */
export function rowEvidence(
  c: GateComparison,
  deltas: Map<string, ScenarioDelta>,
  reasons: Map<string, string>,
  trust: readonly TrustNote[] = [],
): string[] {
  const worse = movedScenarios(deltas, c.variantId, c.model, -1);
  // Below a threshold without a drop: the scenarios failing now are the evidence.
  const moved = worse.length
    ? worse
    : [...deltas.values()].filter((d) => d.variantId === c.variantId && d.model === c.model && d.failing.length);
  const lines = [
    `- **${cell(c.model)}**: ${cell(gateSentence(c, hasBaselineCounts(deltas, c.variantId, c.model) ? worse.length : undefined))}`,
  ];
  for (const d of moved.slice(0, MAX_SCENARIOS)) {
    const why = reasons.get(deltaKey(d.variantId, d.model, d.scenarioId));
    const notes = trust.filter((n) => n.scenarioId === d.scenarioId);
    lines.push(
      `  - \`${d.scenarioId.replace(/`/g, '')}\` ${formatKN(d)}${d.failing.length ? ` · failing: ${cell(d.failing.join(', '))}` : ''}${why ? ` — ${cell(why)}` : ''}${notes.length ? ` · ⚠️ ${cell(notes.map((n) => n.text).join('; '))}` : ''}`,
    );
  }
  if (moved.length > MAX_SCENARIOS) lines.push(`  - … and ${moved.length - MAX_SCENARIOS} more in the HTML report`);
  return lines;
}

/** The flagged and never-calibrated rubrics the run's verdicts rest on, as one quoted Markdown line. */
export function trustMarkdown(trust: readonly TrustNote[]): string[] {
  return trust.length ? [`> ⚠️ ${cell(trustSentence(trust))}.`, ''] : [];
}

/** Per (variant, model, scenario): `assertion-id: reason` of the first failing assertion of its first failing cell. */
export function firstFailureReasons(results: CellVerdict[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const r of [...results].sort((a, b) => a.repeat - b.repeat)) {
    const key = deltaKey(r.variantId, r.model, r.scenarioId);
    if (out.has(key)) continue;
    const a = r.assertions.find((x) => !x.pass);
    if (a) out.set(key, `${a.id}: ${(a.reason ?? 'failed').slice(0, 200)}`);
  }
  return out;
}

function promptDiff(variantId: string, meta: RunMeta, baseline?: BaselineView): string[] {
  const now = meta.fingerprints.variants[variantId]?.systemPrompt;
  const before = baseline?.prompts?.[variantId];
  if (now === undefined || before === undefined)
    return [`Prompt diff against the baseline: not available (${baseline ? "the baseline run's folder is not here" : 'no baseline'}).`];
  if (now === before) return ['Prompt unchanged since the baseline (model or provider drift?).'];
  const body = diffLines(before, now).flatMap((p) =>
    p.value
      .replace(/\n$/, '')
      .split('\n')
      .map((l) => `${p.added ? '+' : p.removed ? '-' : ' '}${l}`),
  );
  const shown =
    body.length > MAX_DIFF_LINES
      ? [...body.slice(0, MAX_DIFF_LINES), `… ${body.length - MAX_DIFF_LINES} more lines in the HTML report`]
      : body;
  const fence = '`'.repeat(Math.max(3, ...[...shown.join('\n').matchAll(/`+/g)].map((m) => m[0].length + 1)));
  return [
    `<details><summary>Prompt diff against the baseline (run ${cell(baseline!.runId)})</summary>`,
    '',
    `${fence}diff`,
    ...shown,
    fence,
    '',
    '</details>',
  ];
}

/**
 * Failing trajectory assertions, one line per (variant, model, scenario, assertion), the tool call named by
 * the reason; a limit the agent reached (maxTurns, requests, wall time) among them.
 */
export function trajectoryFailures(results: CellVerdict[]): string[] {
  const kinds = new Set<string>([...TRAJECTORY_KINDS, LIMIT_ASSERTION]);
  const seen = new Map<string, { line: string; count: number }>();
  for (const r of results) {
    for (const a of r.assertions) {
      if (a.pass || !kinds.has(a.kind)) continue;
      const key = `${deltaKey(r.variantId, r.model, r.scenarioId)}\u0000${a.id}`;
      const hit = seen.get(key);
      if (hit) hit.count++;
      else
        seen.set(key, {
          line: `${cell(r.variantId)} @ ${cell(r.model)} / ${cell(r.scenarioId)}: **${cell(a.id)}** — ${cell((a.reason ?? 'failed').slice(0, 300))}`,
          count: 1,
        });
    }
  }
  if (!seen.size) return [];
  const all = [...seen.values()];
  return [
    '### Failing trajectory assertions',
    '',
    ...all.slice(0, MAX_TRAJECTORY).map((x) => `- ${x.line}${x.count > 1 ? ` (${x.count} repeats)` : ''}`),
    ...(all.length > MAX_TRAJECTORY ? [`- … and ${all.length - MAX_TRAJECTORY} more in the HTML report`] : []),
    '',
  ];
}

/**
 * What of each agent file its runtime could not enforce (no equivalent there: `approximated` on the cell), once
 * per variant and model: a verdict on such a cell rests on a translated file, and the reviewer should know.
 */
export function approximations(results: CellVerdict[]): string[] {
  const seen = new Map<string, string>();
  for (const r of results) {
    const items = r.approximated;
    if (!items?.length) continue;
    const key = `${r.variantId}\u0000${r.model}`;
    if (!seen.has(key)) seen.set(key, `- ${cell(r.variantId)} @ ${cell(r.model)}: ${items.map((i) => cell(i)).join('; ')}`);
  }
  if (!seen.size) return [];
  return ['### Not enforced on this runtime (approximated)', '', ...[...seen.values()].slice(0, MAX_TRAJECTORY), ''];
}
