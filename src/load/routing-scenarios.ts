import { createHash } from 'node:crypto';
import type { NormalizedAssertion } from '../assertions/registry.ts';
import type { AgentVariant } from '../schema/agent.ts';
import type { LoadedScenario } from '../schema/loaded-scenario.ts';
import { type LoadedRoutingSuite, NONE } from '../schema/routing.ts';
import { stableJson } from '../shared/stable-json.ts';

/** Tag every routing case carries (`scenarios: [tag:routing]` selects them all), and the per-suite one. */
const ROUTING_TAG = 'routing';
/** The id of a routing cell's one assertion: the decision equals the expectation. */
const ROUTING_ASSERTION = 'routing';

/**
 * Each routing case as a scenario of the ordinary pipeline (plan, recordings, resume, history, gate, reports):
 * it applies to every variant of every suite agent, runs only on an agent runtime, and its one critical
 * assertion passes when the answer's first line, the decision, is the expected agent (or `none`). Its reference
 * answers are the expected decision (pass) and the case's `not:` decisions (fail; without `not:`, every other decision
 * of the suite), so `calibrate` finds a case
 * whose expectation contradicts its own references.
 *
 * @example routingScenarios(suites, variants)[0].id // 'backend/jwt-login-design'
 */
export function routingScenarios(suites: readonly LoadedRoutingSuite[], variants: readonly AgentVariant[]): LoadedScenario[] {
  return suites.flatMap((suite) => {
    const siblings: AgentVariant[] = [];
    const missing: string[] = [];
    for (const name of suite.agents) {
      const first = variants.filter((v) => v.name === name).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))[0];
      if (first) siblings.push(first);
      else missing.push(name);
    }
    // Not the siblings' files: an edit to a sibling must stay comparable with the baseline (it is what the gate
    // measures); the recording key covers every sibling's file, so no stale decision is replayed.
    const suiteHash = sha256(stableJson({ workspace: suite.workspace?.files ?? {} }));
    return suite.cases.map((c): LoadedScenario => {
      const assert: NormalizedAssertion[] = [
        { type: 'regex', value: `^${escapeRegex(c.expect)}(\\n|$)`, id: ROUTING_ASSERTION, weight: 1, critical: true },
      ];
      return {
        id: `${suite.name}/${c.id}`,
        title: c.note ?? (c.request.length > 80 ? `${c.request.slice(0, 79)}…` : c.request),
        agents: suite.agents,
        tags: [...new Set([ROUTING_TAG, `${ROUTING_TAG}:${suite.name}`, ...c.tags])],
        messages: [{ role: 'user', content: c.request }],
        vars: {},
        weight: 1,
        threshold: undefined,
        assert,
        examples: {
          pass: [{ label: `expect ${c.expect}`, text: c.expect }],
          // Without `not:`, every other decision the suite allows is a wrong one.
          fail: (c.not ?? [...suite.agents, NONE].filter((n) => n !== c.expect)).map((n) => ({ label: `not ${n}`, text: n })),
        },
        ...(suite.workspace ? { workspace: suite.workspace } : {}),
        allowBash: false,
        agentic: true,
        file: suite.file,
        line: c.line,
        ...(c.row !== undefined ? { row: c.row } : {}),
        hash: sha256(stableJson({ request: c.request, suite: suiteHash })),
        assertionsHash: sha256(stableJson({ routing: c.expect })),
        routing: { suite: suite.name, case: c.id, expected: c.expect, siblings, missing },
      };
    });
  });
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const escapeRegex = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
