import type { TrajectoryRecord } from '../../schema/trajectory.ts';
import { html, type Html } from './html-tag.ts';

/** Characters of a tool's input or output, and of the workspace diff, embedded in the page. */
const MAX_INPUT = 300;
const MAX_OUTPUT = 600;
const MAX_DIFF = 8_000;

const cut = (text: string, max: number) =>
  text.length > max ? `${text.slice(0, max)}… (${text.length - max} more characters in results.jsonl)` : text;

/**
 * What an agent did in one cell, beside its answer: each tool call with its input, refusals and
 * failures marked, delegations, and the workspace diff. Everything here came from the agent and is
 * escaped by the `html` tag. The list numbers the calls, once: each item's number is the call's own
 * (`call #3` in an assertion's reason is item 3).
 */
export function renderTrajectory(t: TrajectoryRecord): Html {
  const calls = t.toolCalls.map(
    (c) =>
      html`<li value="${c.index + 1}" class="tc tc-${c.outcome}">${c.agent ? html`<span class="muted">${c.agent}:</span> ` : ''}<span class="tc-tool">${c.tool}</span> <code>${cut(JSON.stringify(c.input), MAX_INPUT)}</code> <span class="${c.outcome === 'ran' ? 'muted' : 'bad'}">${c.outcome}</span>${c.reason ? html` <span class="muted">— ${c.reason}</span>` : ''}${c.output ? html`<details class="more"><summary>output</summary><pre class="out">${cut(c.output, MAX_OUTPUT)}</pre></details>` : ''}</li>`,
  );
  const summary = `${t.runtime} · ${t.turns} turn${t.turns === 1 ? '' : 's'} · ${t.toolCalls.length} tool call${t.toolCalls.length === 1 ? '' : 's'}${t.filesChanged.length ? ` · changed ${t.filesChanged.join(', ')}` : ' · no file changed'}`;
  const approximated = t.approximated?.length
    ? html`<p class="bad">approximated: not enforced on ${t.runtime}: ${t.approximated.join('; ')}</p>`
    : '';
  return html`<details class="trajectory"><summary>what the agent did: ${summary}${t.approximated?.length ? ' · approximated' : ''}</summary>${approximated}${calls.length ? html`<ol class="tcs">${calls}</ol>` : html`<p class="muted">no tool call</p>`}${t.delegations.length ? html`<p>delegated to ${t.delegations.map((d) => d.agent).join(', ')}</p>` : ''}${t.workspaceDiff ? html`<pre class="diff">${cut(t.workspaceDiff, MAX_DIFF)}</pre>` : ''}</details>`;
}
