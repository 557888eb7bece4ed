import { diffLines, diffWordsWithSpace } from 'diff';
import type { RunMeta } from '../../schema/run-meta.ts';
import { promptDiffAnchor } from './anchors.ts';
import { html, type Html } from './html-tag.ts';

/**
 * Prompt diffs: each variant against the baseline's prompt (what the gate judged; the gate rows link
 * here), against the previous run's prompt, and between variants of the same agent (every pair up to
 * `maxPairs`, else each against the first). Lines wrap; changed words are highlighted.
 */

export interface PreviousPrompt {
  runId: string;
  systemPrompt: string;
}

interface PromptDiffInput {
  previous?: Record<string, PreviousPrompt>;
  /** The baseline run's prompts by variant id, when its run folder is on disk. */
  baselinePrompts?: Record<string, string>;
  baselineRunId?: string;
  /** Why the baseline's prompts are unknown (no baseline, run folder gone). */
  baselineMissing?: string;
  /**
   * The variants that have cells in this run; the others of meta.json (agents found but with no
   * scenario in the run) are left out. Default: every variant of meta.json.
   */
  ran?: ReadonlySet<string>;
}

const CONTEXT = 3;

/**
 * Only the variants of this run, each diff once; the variants whose prompt did not change are folded
 * into one line per comparison ("13 variants unchanged since the baseline"), their anchors kept inside
 * it so a gate row's link still lands (the page's script opens the fold).
 */
export function renderPromptDiffs(meta: RunMeta, input: PromptDiffInput = {}, maxPairs = 10): Html {
  const ids = Object.keys(meta.fingerprints.variants)
    .filter((id) => !input.ran || input.ran.has(id))
    .sort();
  if (!ids.length) return html`<p class="muted">No variant ran.</p>`;
  const prompt = (id: string) => meta.fingerprints.variants[id]!.systemPrompt;
  const unchanged: string[] = [];
  const unknown: string[] = [];
  const changed: Html[] = [];
  for (const id of ids) {
    const before = input.baselinePrompts?.[id];
    if (before === undefined) unknown.push(id);
    else if (before === prompt(id)) unchanged.push(id);
    else
      changed.push(
        diffBlock(
          html`<b>${id}</b>: baseline run ${input.baselineRunId ?? '?'} → this run`,
          before,
          prompt(id),
          promptDiffAnchor(id),
          true,
        ),
      );
  }
  const why = input.baselineRunId ? (input.baselineMissing ?? `not in baseline run ${input.baselineRunId}`) : 'no baseline blessed yet';
  const vsBaseline = [
    ...changed,
    folded(unchanged, `unchanged since the baseline (run ${input.baselineRunId ?? '?'})`, true),
    folded(unknown, `with nothing to compare with: ${why}`, true),
  ];
  const sinceSame: string[] = [];
  const sinceNone: string[] = [];
  const since: Array<Html | ''> = [];
  for (const id of ids) {
    const prev = input.previous?.[id];
    if (!prev) sinceNone.push(id);
    else if (prev.systemPrompt === prompt(id)) sinceSame.push(id);
    else since.push(diffBlock(html`<b>${id}</b>: run ${prev.runId} → this run`, prev.systemPrompt, prompt(id)));
  }
  since.push(folded(sinceSame, 'unchanged since their previous run'), folded(sinceNone, 'with no earlier run to compare with'));
  const files = ids.map((id) => html`<li>${id}: <code>${meta.fingerprints.variants[id]!.file}</code></li>`);
  return html`<h3>Against the baseline</h3>${vsBaseline}<h3>Since the previous run</h3>${since}<h3>Between variants</h3>${betweenVariants(meta, ids, maxPairs)}<h3>Where each variant lives</h3><ul class="files">${files}</ul>`;
}

/**
 * Variants with nothing to show, as one line: `b: no earlier run…` for one, else a fold listing them.
 * With `anchors`, each name carries its prompt-diff anchor (a gate row links to it).
 */
function folded(ids: string[], what: string, anchors = false): Html | '' {
  if (!ids.length) return '';
  const name = (id: string) => (anchors ? html`<span id="${promptDiffAnchor(id)}">${id}</span>` : html`${id}`);
  if (ids.length === 1) return html`<p class="muted folded">1 variant ${what}: ${name(ids[0]!)}.</p>`;
  return html`<details class="folded muted"><summary>${ids.length} variants ${what}</summary><ul>${ids.map((id) => html`<li>${name(id)}</li>`)}</ul></details>`;
}

function betweenVariants(meta: RunMeta, ran: string[], maxPairs: number): Html {
  const byAgent = new Map<string, string[]>();
  for (const id of ran) {
    const agent = meta.fingerprints.variants[id]!.agent;
    byAgent.set(agent, [...(byAgent.get(agent) ?? []), id]);
  }
  const prompt = (id: string) => meta.fingerprints.variants[id]!.systemPrompt;
  const between: Html[] = [];
  for (const [agent, ids] of [...byAgent].sort(([a], [b]) => a.localeCompare(b))) {
    const sorted = [...ids].sort();
    const all = sorted.flatMap((a, i) => sorted.slice(i + 1).map((b) => [a, b] as const));
    const pairs = all.length <= maxPairs ? all : sorted.slice(1).map((b) => [sorted[0]!, b] as const);
    for (const [a, b] of pairs) between.push(diffBlock(html`<b>${agent}</b>: ${a} → ${b}`, prompt(a), prompt(b)));
  }
  return between.length ? html`${between}` : html`<p class="muted">Each agent in this run has a single variant.</p>`;
}

function diffBlock(label: Html, before: string, after: string, id?: string, open = false): Html {
  const parts = diffLines(before, after);
  const added = parts.filter((p) => p.added).reduce((n, p) => n + (p.count ?? 0), 0);
  const removed = parts.filter((p) => p.removed).reduce((n, p) => n + (p.count ?? 0), 0);
  if (!added && !removed) return html`<p class="muted"${id ? html` id="${id}"` : ''}>${label}: identical prompts.</p>`;
  const body: Html[] = [];
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i]!;
    const next = parts[i + 1];
    if (p.removed && next?.added) {
      body.push(wordDiff(p.value, next.value));
      i++;
    } else if (p.added) body.push(html`<ins>${prefix(p.value, '+')}</ins>`);
    else if (p.removed) body.push(html`<del>${prefix(p.value, '-')}</del>`);
    else body.push(html`<span>${elide(p.value, i === 0, i === parts.length - 1)}</span>`);
  }
  return html`<details class="diff"${id ? html` id="${id}"` : ''}${open ? html` open` : ''}><summary>${label} <span class="good">+${added}</span> <span class="bad">−${removed}</span> lines</summary><div class="difftext">${body}</div></details>`;
}

/** A changed block: the old lines with removed words marked, then the new lines with added words marked. */
function wordDiff(before: string, after: string): Html {
  const words = diffWordsWithSpace(before.replace(/\n$/, ''), after.replace(/\n$/, ''));
  const old = words.filter((w) => !w.added).map((w) => (w.removed ? html`<mark>${w.value}</mark>` : w.value));
  const now = words.filter((w) => !w.removed).map((w) => (w.added ? html`<mark>${w.value}</mark>` : w.value));
  return html`<del>- ${old}</del><ins>+ ${now}</ins>`;
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

/** Characters of each answer compared word by word; beyond it the diff would cost more than it tells. */
const MAX_WORD_DIFF = 4_000;

/**
 * Two answers word by word, inline: removed words struck, added words marked.
 * @example renderWordDiff('the cat sat', 'the dog sat') // …<del>cat</del><ins>dog</ins>…
 */
export function renderWordDiff(before: string, after: string): Html {
  const cut = (t: string) => (t.length > MAX_WORD_DIFF ? t.slice(0, MAX_WORD_DIFF) : t);
  const words = diffWordsWithSpace(cut(before), cut(after));
  const note =
    before.length > MAX_WORD_DIFF || after.length > MAX_WORD_DIFF
      ? html`<p class="muted">First ${MAX_WORD_DIFF} characters of each answer compared.</p>`
      : '';
  return html`<div class="difftext wd">${words.map((w) => (w.added ? html`<ins>${w.value}</ins>` : w.removed ? html`<del>${w.value}</del>` : w.value))}</div>${note}`;
}
