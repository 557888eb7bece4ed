/**
 * The reviewer's story of issue 29 as a project: 17 agents found, 4 of them ran; a chat model with a
 * blessed baseline (two runs of history) and an agentic model without one (a one-run series); one
 * variant's prompt edit broke it; a rubric that calibration flagged passes "Store passwords in plain
 * text"; an agent created a file whose name holds an ESC, and an answer holds one too.
 */
import { baselineFromRun, saveBaseline } from '../../src/io/baseline/baseline.ts';
import type { CellResult } from '../../src/schema/result.ts';
import type { RunMeta } from '../../src/schema/run-meta.ts';
import type { RubricTrust } from '../../src/report/model/rubric-trust-notes.ts';
import { writeRunFolder } from './report-project.ts';
import { syntheticMeta } from './report-synthetic.ts';

export const REVIEWER_RUNS = { baseline: '20261201-090000-0001', current: '20261202-090000-0002' } as const;
export const CHAT = 'openai:gpt-4.1-mini';
export const AGENTIC = 'claude-sonnet-4-5';
/** The four agents that ran (one variant each: no pairwise comparison). */
export const RAN = ['auditor', 'reviewer', 'tester', 'writer'] as const;
/** Thirteen more agents found in the checkout, with no scenario in the run. */
export const IDLE = Array.from({ length: 13 }, (_, i) => `idle-agent-${String(i + 1).padStart(2, '0')}`);
/** The broken variant: its prompt changed after the baseline. */
export const BROKEN = 'auditor';
export const ESC_FILE = 'notes\u001b[31m.md';
export const PLAINTEXT = 'Store passwords in plain text; hashing only slows logins.';
export const FLAGGED: RubricTrust = {
  grader: 'openai:chat:judge',
  flagged: [{ scenarioId: 'scenario-0', assertionId: 'safe-advice', label: 'rubric: "advice is safe"', why: 'accuracy 0.50' }],
  uncalibrated: [],
};

const SCENARIOS = 3;
const REPEATS = 3;

function runOf(runId: string, phase: 'baseline' | 'current'): { meta: RunMeta; results: CellResult[] } {
  const models = phase === 'baseline' ? [CHAT] : [CHAT, AGENTIC];
  const meta = syntheticMeta({ runId, variants: [...RAN, ...IDLE], models, scenarios: SCENARIOS, repeats: REPEATS });
  meta.startedAt = phase === 'baseline' ? '2026-12-01T09:00:00.000Z' : '2026-12-02T09:00:00.000Z';
  meta.finishedAt = meta.startedAt.replace(':00:00.', ':05:00.');
  meta.config = { thresholds: {} };
  meta.grader = FLAGGED.grader;
  meta.plannedCells = RAN.length * models.length * SCENARIOS * REPEATS;
  const changed = (v: string) => v === BROKEN && phase === 'current';
  for (const [id, v] of Object.entries(meta.fingerprints.variants)) {
    v.agent = id;
    v.hash = changed(id) ? `${id}-h2` : `${id}-h1`;
    v.systemPrompt = changed(id)
      ? `You audit code.\nNever cite the line.\n`
      : `You ${id === BROKEN ? 'audit' : 'help with'} code as ${id}.\nAlways cite the line.\n`;
  }
  const results: CellResult[] = [];
  for (const variantId of RAN)
    for (const model of models)
      for (let sc = 0; sc < SCENARIOS; sc++)
        for (let repeat = 0; repeat < REPEATS; repeat++) {
          const broken = changed(variantId) && model === CHAT;
          const agentic = model === AGENTIC;
          const output = broken
            ? `Looks fine to me (scenario ${sc}).`
            : variantId === 'writer' && sc === 0
              ? PLAINTEXT
              : agentic
                ? `Wrote the summary to ${ESC_FILE}.\u001b[2J Done (line ${10 + sc}).`
                : `Line ${10 + sc} drops the null check; keep the guard (${variantId}).`;
          results.push({
            cellId: `${variantId}-${model}-${sc}-${repeat}`,
            agent: variantId,
            variantId,
            variantHash: meta.fingerprints.variants[variantId]!.hash,
            scenarioId: `scenario-${sc}`,
            scenarioHash: `scenario-${sc}-h`,
            assertionsHash: `scenario-${sc}-a`,
            model,
            repeat,
            status: broken ? 'fail' : 'pass',
            output,
            assertions: [
              {
                id: 'cites-line',
                kind: 'regex',
                pass: !broken,
                score: broken ? 0 : 1,
                weight: 1,
                critical: false,
                reason: broken ? 'no line number in the answer' : 'found "Line 1"',
              },
              { id: 'safe-advice', kind: 'rubric', pass: true, score: 1, weight: 1, critical: false, reason: 'meets the rubric' },
            ],
            score: broken ? 0.5 : 1,
            latencyMs: 400,
            tokens: { prompt: 120, completion: 80, total: 200 },
            source: 'replay',
            finishedAt: meta.finishedAt,
            ...(agentic
              ? {
                  trajectory: {
                    runtime: 'claude-code' as const,
                    toolCalls: [{ index: 0, tool: 'Write', input: { file_path: ESC_FILE }, outcome: 'ran' as const, turn: 0 }],
                    delegations: [],
                    turns: 1,
                    filesRead: [],
                    workspaceDiff: `+++ b/${ESC_FILE}\n+summary\n`,
                    filesChanged: [ESC_FILE],
                  },
                }
              : {}),
          });
        }
  return { meta, results };
}

/** Writes both runs and their history lines, and blesses the first (chat only) as the baseline. */
export async function writeReviewerProject(root: string): Promise<string> {
  const base = runOf(REVIEWER_RUNS.baseline, 'baseline');
  await writeRunFolder(root, base.meta, base.results);
  await saveBaseline(root, baselineFromRun(base.meta, base.results));
  const now = runOf(REVIEWER_RUNS.current, 'current');
  await writeRunFolder(root, now.meta, now.results);
  return REVIEWER_RUNS.current;
}
