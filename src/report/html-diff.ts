import { diffLines } from 'diff';
import type { RunMeta } from '../schema/run-meta.ts';
import { html, type Html } from './html-tag.ts';

/**
 * Prompt diffs: between variants of the same agent (every pair up to `maxPairs`, else each against
 * the first), and between this run's prompt and the previous run's prompt of the same variant.
 */

export interface PreviousPrompt {
  runId: string;
  systemPrompt: string;
}

const CONTEXT = 3;

export function renderPromptDiffs(meta: RunMeta, previous: Record<string, PreviousPrompt> = {}, maxPairs = 10): Html {
  const byAgent = new Map<string, string[]>();
  for (const [id, v] of Object.entries(meta.fingerprints.variants)) byAgent.set(v.agent, [...(byAgent.get(v.agent) ?? []), id]);
  const prompt = (id: string) => meta.fingerprints.variants[id]!.systemPrompt;
  const between: Html[] = [];
  for (const [agent, ids] of [...byAgent].sort(([a], [b]) => a.localeCompare(b))) {
    const sorted = [...ids].sort();
    const all = sorted.flatMap((a, i) => sorted.slice(i + 1).map((b) => [a, b] as const));
    const pairs = all.length <= maxPairs ? all : sorted.slice(1).map((b) => [sorted[0]!, b] as const);
    for (const [a, b] of pairs) between.push(diffBlock(html`<b>${agent}</b>: ${a} → ${b}`, prompt(a), prompt(b)));
  }
  const since: Html[] = [];
  for (const id of Object.keys(meta.fingerprints.variants).sort()) {
    const prev = previous[id];
    if (!prev) since.push(html`<p class="muted">${id}: no earlier run of this variant to compare with.</p>`);
    else if (prev.systemPrompt === prompt(id)) since.push(html`<p class="muted">${id}: prompt unchanged since run ${prev.runId}.</p>`);
    else since.push(diffBlock(html`<b>${id}</b>: run ${prev.runId} → this run`, prev.systemPrompt, prompt(id)));
  }
  return html`<h3>Between variants</h3>${between.length ? between : html`<p class="muted">Each agent has a single variant.</p>`}<h3>Since the previous run</h3>${since}`;
}

function diffBlock(label: Html, before: string, after: string): Html {
  const parts = diffLines(before, after);
  const added = parts.filter((p) => p.added).reduce((n, p) => n + (p.count ?? 0), 0);
  const removed = parts.filter((p) => p.removed).reduce((n, p) => n + (p.count ?? 0), 0);
  if (!added && !removed) return html`<p class="muted">${label}: identical prompts.</p>`;
  const body = parts.map((p, i) => {
    if (p.added) return html`<ins>${prefix(p.value, '+')}</ins>`;
    if (p.removed) return html`<del>${prefix(p.value, '-')}</del>`;
    return html`<span>${elide(p.value, i === 0, i === parts.length - 1)}</span>`;
  });
  return html`<details class="diff"><summary>${label} <span class="good">+${added}</span> <span class="bad">−${removed}</span> lines</summary><pre>${body}</pre></details>`;
}

function prefix(text: string, mark: string): string {
  return splitLines(text)
    .map((l) => `${mark} ${l}\n`)
    .join('');
}

/** Unchanged runs keep `CONTEXT` lines next to each change and fold the middle. */
function elide(text: string, isFirst: boolean, isLast: boolean): string {
  const lines = splitLines(text);
  const keepHead = isFirst ? 0 : CONTEXT;
  const keepTail = isLast ? 0 : CONTEXT;
  if (lines.length <= keepHead + keepTail + 1) return lines.map((l) => `  ${l}\n`).join('');
  const hidden = lines.length - keepHead - keepTail;
  return [
    ...lines.slice(0, keepHead).map((l) => `  ${l}\n`),
    `  ⋯ ${hidden} unchanged line${hidden === 1 ? '' : 's'}\n`,
    ...lines.slice(lines.length - keepTail).map((l) => `  ${l}\n`),
  ].join('');
}

function splitLines(text: string): string[] {
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  return lines;
}
