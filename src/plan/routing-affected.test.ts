import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDirs } from '../../test/support/temp-dirs.ts';
import { loadAgents } from '../load/discover-agents.ts';
import { loadRoutingSuites } from '../load/routing.ts';
import { routingScenarios } from '../load/routing-scenarios.ts';
import type { CellVerdict } from '../schema/result.ts';
import { EvalConfig } from '../schema/eval-config.ts';
import { aggregateRun } from '../score/aggregate-results.ts';
import { selectAffected } from './affected.ts';
import { expandMatrix, scenarioAppliesTo } from './matrix.ts';
import { cellRecordingKey, planCell } from './plan-cell.ts';

const tempDir = tempDirs('agent-evals-routing-plan-');
const agent = (name: string, description: string) => `---\nname: ${name}\ndescription: ${description}\n---\n\nYou are ${name}.\n`;

async function project() {
  const root = tempDir();
  const write = (rel: string, text: string) => {
    mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    writeFileSync(path.join(root, rel), text);
  };
  write('agents/api/a.md', agent('api', 'Use for API design.'));
  write('agents/api/b.md', agent('api', 'Use for API and schema design.'));
  write('agents/db/db.md', agent('db', 'Use for SQL tuning.'));
  write(
    'routing/s.yaml',
    'agents: [api, db]\ncases:\n  - { id: orders, request: Design the orders API, expect: api }\n  - { id: slow, request: This SQL is slow, expect: db }\n',
  );
  const { variants } = await loadAgents(root);
  const { suites } = await loadRoutingSuites(root, { agentNames: ['api', 'db'] });
  const scenarios = routingScenarios(suites, variants);
  const config = EvalConfig.parse({ agents: ['api'], models: [{ id: 'm', runtime: 'opencode' }] });
  const { cells } = expandMatrix({ variants, scenarios, config, applies: (s, v) => scenarioAppliesTo(s, v.name, v.id) });
  return { cells, variants };
}

describe('routing cells in the plan', () => {
  it('one cell per variant of the agent under test × case; the variant replaces its agent among the siblings, as subagents', async () => {
    const { cells } = await project();
    expect(cells.map((c) => `${c.variant.id} ${c.scenario.id}`)).toEqual([
      'api/a s/orders',
      'api/a s/slow',
      'api/b s/orders',
      'api/b s/slow',
    ]);
    const plan = planCell(cells[2]!);
    expect(plan.routing!.expected).toBe('api');
    expect(plan.routing!.agents.map((a) => [a.name, a.description, a.mode])).toEqual([
      ['api', 'Use for API and schema design.', 'subagent'],
      ['db', 'Use for SQL tuning.', 'subagent'],
    ]);
    expect(plan.routing!.agents[0]!.fileText).toMatch(/^mode: subagent$/m);
  });

  it('the installed runtime`s version is part of a routing cell`s recording key: an upgrade never replays an old decision', async () => {
    const { cells } = await project();
    const key = (v?: string) => cellRecordingKey(planCell(cells[0]!, undefined, v === undefined ? undefined : { opencode: v }));
    expect(planCell(cells[0]!, undefined, { opencode: '1.0.0' }).routing!.runtimeVersion).toBe('1.0.0');
    expect(key('1.0.0')).not.toEqual(key('1.1.0'));
    expect(key('1.0.0')).toEqual(key('1.0.0'));
    expect(key()).not.toEqual(key('1.0.0'));
  });

  it('--changed-since: an edited sibling runs every case again; an untouched suite carries the baseline`s decisions', async () => {
    const { cells } = await project();
    // The baseline's aggregates are made from verdicts: no answer, id or finish time needed.
    const results: CellVerdict[] = cells.map((c) => ({
      ...planCellIdentity(c),
      status: 'pass',
      assertions: [],
      score: 1,
      routing: { suite: 's', expected: c.scenario.routing!.expected, chosen: c.scenario.routing!.expected },
    }));
    const baseline = { version: 1 as const, runId: 'r1', time: 't', cells: aggregateRun(results) } as never;
    const unchanged = selectAffected({ cells, changed: new Set(), configFile: 'evals/x.yaml', baseline });
    expect(unchanged.live).toEqual([]);
    expect(unchanged.carried.map((r) => r.routing)).toEqual([
      { suite: 's', expected: 'api', chosen: 'api' },
      { suite: 's', expected: 'db', chosen: 'db' },
      { suite: 's', expected: 'api', chosen: 'api' },
      { suite: 's', expected: 'db', chosen: 'db' },
    ]);
    const sibling = selectAffected({ cells, changed: new Set(['agents/db/db.md']), configFile: 'evals/x.yaml', baseline });
    expect(sibling.live).toHaveLength(4);
  });
});

function planCellIdentity(c: Parameters<typeof planCell>[0]) {
  const p = planCell(c);
  return {
    cellId: p.cellId,
    agent: p.agent,
    variantId: p.variantId,
    variantHash: p.variantHash,
    scenarioId: p.scenarioId,
    scenarioHash: p.scenarioHash,
    assertionsHash: p.assertionsHash,
    model: p.model.label,
    repeat: p.repeat,
  };
}
