import type { CellVerdict } from '../../schema/result.ts';
import { escapeXml } from '../text/escape.ts';
import { isControlVariantId } from '../../shared/control-arm.ts';

/**
 * `reports/junit.xml`: one `<testcase>` per scenario × variant × model with the repeats aggregated.
 * A case with a failed scored repeat is a `<failure>`; otherwise one with a provider error is an
 * `<error>`; one that never ran is `<skipped>`. One `<testsuite>` per variant × model.
 */

interface Case {
  agent: string;
  variantId: string;
  model: string;
  scenarioId: string;
  cells: CellVerdict[];
}

/**
 * A case of a scenario in `uncalibrated` (run without reference examples, meta.json) carries a property
 * `uncalibrated` and says so in its message.
 *
 * @example
 * await writeFile('reports/junit.xml', renderJunit(runId, results, meta.finishedAt, meta.uncalibrated));
 */
export function renderJunit(
  runId: string,
  results: CellVerdict[],
  timestamp?: string,
  uncalibrated: readonly string[] = [],
  /** A run its budget stopped (`budgetStopText`): one more suite with one errored case saying so. */
  stopped?: string,
): string {
  const suites = new Map<string, Case[]>();
  const cases = new Map<string, Case>();
  for (const r of results) {
    // The control arm (the bare model) is a reference, not a test the run must pass: a CI reading
    // junit.xml must not turn red because the model without the agent failed.
    if (isControlVariantId(r.variantId)) continue;
    const key = `${r.variantId}\u0000${r.model}\u0000${r.scenarioId}`;
    let c = cases.get(key);
    if (!c) {
      c = { agent: r.agent, variantId: r.variantId, model: r.model, scenarioId: r.scenarioId, cells: [] };
      cases.set(key, c);
      const suiteKey = `${r.agent}\u0000${r.variantId}\u0000${r.model}`;
      suites.set(suiteKey, [...(suites.get(suiteKey) ?? []), c]);
    }
    c.cells.push(r);
  }
  const rendered = [...suites.values()].map((cs) => renderSuite(cs, timestamp, new Set(uncalibrated)));
  if (stopped) rendered.push(stoppedSuite(stopped));
  const sum = (k: 'tests' | 'failures' | 'errors' | 'skipped') => rendered.reduce((n, s) => n + s.counts[k], 0);
  const time = rendered.reduce((n, s) => n + s.time, 0);
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="${escapeXml(`agent-evals ${runId}`)}" tests="${sum('tests')}" failures="${sum('failures')}" errors="${sum('errors')}" skipped="${sum('skipped')}" time="${seconds(time)}">`,
    ...rendered.map((s) => s.xml),
    '</testsuites>',
    '',
  ].join('\n');
}

function stoppedSuite(text: string) {
  const attrs = 'name="agent-evals run" tests="1" failures="0" errors="1" skipped="0" time="0"';
  const xml = [
    `  <testsuite ${attrs}>`,
    `    <testcase name="budget" classname="agent-evals.run" time="0">\n      <error message="${escapeXml(text)}"/>\n    </testcase>`,
    '  </testsuite>',
  ].join('\n');
  return { counts: { tests: 1, failures: 0, errors: 1, skipped: 0 }, time: 0, xml };
}

function renderSuite(cases: Case[], timestamp: string | undefined, uncalibrated: ReadonlySet<string>) {
  const counts = { tests: 0, failures: 0, errors: 0, skipped: 0 };
  let time = 0;
  const body: string[] = [];
  const { agent, variantId, model } = cases[0]!;
  const variant = variantLabel(agent, variantId);
  for (const c of [...cases].sort((a, b) => a.scenarioId.localeCompare(b.scenarioId))) {
    const ms = c.cells.reduce((n, r) => n + (r.latencyMs ?? 0), 0);
    time += ms;
    counts.tests++;
    const marked = uncalibrated.has(c.scenarioId);
    const child = caseChild(c, marked);
    if (child.kind !== 'pass') counts[child.kind === 'failure' ? 'failures' : child.kind === 'error' ? 'errors' : 'skipped']++;
    const open = `    <testcase name="${escapeXml(c.scenarioId)}" classname="${escapeXml(`${variant}.${model}`)}" time="${seconds(ms)}"`;
    const xml = [...(marked ? [UNCALIBRATED_PROPERTY] : []), ...(child.xml ? [child.xml] : [])].join('\n');
    body.push(xml ? `${open}>\n${xml}\n    </testcase>` : `${open}/>`);
  }
  const attrs = `name="${escapeXml(`${variant} @ ${model}`)}" tests="${counts.tests}" failures="${counts.failures}" errors="${counts.errors}" skipped="${counts.skipped}" time="${seconds(time)}"${timestamp ? ` timestamp="${escapeXml(timestamp)}"` : ''}`;
  return { counts, time, xml: [`  <testsuite ${attrs}>`, ...body, '  </testsuite>'].join('\n') };
}

/**
 * The variant with its agent said once: ids of variants in an agent's folder already start with the
 * agent (`backend-architect/x`), others get it prefixed (`reviewer/terse`); a variant named as its
 * agent is just that name.
 */
function variantLabel(agent: string, variantId: string): string {
  return variantId === agent || variantId.startsWith(`${agent}/`) ? variantId : `${agent}/${variantId}`;
}

const UNCALIBRATED_NOTE = 'uncalibrated: the scenario has no reference examples, nothing checked its assertions';
const UNCALIBRATED_PROPERTY = `      <properties><property name="uncalibrated" value="${escapeXml(UNCALIBRATED_NOTE)}"/></properties>`;

function caseChild(c: Case, uncalibrated: boolean): { kind: 'pass' | 'failure' | 'error' | 'skipped'; xml: string } {
  const scored = c.cells.filter((r) => r.status === 'pass' || r.status === 'fail');
  const passed = scored.filter((r) => r.status === 'pass').length;
  const errors = c.cells.filter((r) => r.status === 'error');
  const rate = scored.length ? `pass rate ${passed}/${scored.length} (${Math.round((passed / scored.length) * 100)}%)` : 'nothing scored';
  const errNote = errors.length ? `, ${errors.length} provider error${errors.length === 1 ? '' : 's'}` : '';
  const summary = `${rate}${errNote} over ${c.cells.length} repeat${c.cells.length === 1 ? '' : 's'}${uncalibrated ? ` (${UNCALIBRATED_NOTE})` : ''}`;
  if (passed < scored.length) {
    const details = scored
      .filter((r) => r.status === 'fail')
      .map(
        (r) =>
          `repeat ${r.repeat}: ${
            r.assertions
              .filter((a) => !a.pass)
              .map((a) => `${a.id}${a.critical ? ' (critical)' : ''}: ${a.reason ?? 'failed'}`)
              .join('; ') || `score ${r.score.toFixed(2)} below the bar`
          }`,
      );
    return { kind: 'failure', xml: element('failure', summary, 'AssertionFailure', details.join('\n')) };
  }
  if (errors.length) {
    const details = errors.map((r) => `repeat ${r.repeat}: ${r.error ?? 'provider error'}`);
    return { kind: 'error', xml: element('error', summary, 'ProviderError', details.join('\n')) };
  }
  if (!scored.length) {
    const why = c.cells
      .map((r) => r.error ?? r.status)
      .filter((x, i, xs) => xs.indexOf(x) === i)
      .join('; ');
    return { kind: 'skipped', xml: `      <skipped message="${escapeXml(`not run: ${why}`)}"/>` };
  }
  return { kind: 'pass', xml: `      <system-out>${escapeXml(summary)}</system-out>` };
}

function element(tag: 'failure' | 'error', message: string, type: string, text: string): string {
  return `      <${tag} message="${escapeXml(message)}" type="${type}">${escapeXml(text)}</${tag}>`;
}

function seconds(ms: number): string {
  return (ms / 1000).toFixed(3);
}
