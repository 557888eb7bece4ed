/**
 * A routing suite end to end, through the real CLI, on the real Claude Code and the real OpenCode (jailed),
 * against the loopback doubles: the main agent is scripted to route by a stated rule
 * (test/support/routing-script.ts), so every case's decision is known. The run's results carry each decision.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAST_ENV, readResults } from '../support/eval-project.ts';
import { FAKE_ANTHROPIC_KEY, type FakeAnthropicServer, startFakeAnthropic } from '../support/fake-anthropic-server.ts';
import { type FakeOpenAIStreamServer, startFakeOpenAIStream } from '../support/fake-openai-stream-server.ts';
import { createProject } from '../support/project-fixture.ts';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { bodyMarker, claudeRoutingRules, openCodeRoutingRules, routingSuite, withDescription } from '../support/routing-script.ts';

const SUITE = `suite: rules
agents: [database-engineer, security-auditor, docs-writer]
cases:
  - id: sql
    request: The SQL query behind /orders is slow; which index is missing?
    expect: database-engineer
    not: [security-auditor, none]
  - id: xss
    request: Is the comment form open to XSS?
    expect: security-auditor
    not: [database-engineer, none]
  - id: teapot
    request: What does HTTP status 418 mean?
    expect: none
    not: [docs-writer]
`;

let anthropic: FakeAnthropicServer;
let openai: FakeOpenAIStreamServer;
beforeAll(async () => {
  [anthropic, openai] = await Promise.all([
    startFakeAnthropic({ rules: claudeRoutingRules() }),
    startFakeOpenAIStream({ rules: openCodeRoutingRules() }),
  ]);
});
afterAll(async () => {
  await Promise.all([anthropic?.close(), openai?.close()]);
});

describe('a routing suite through the CLI on both runtimes', { timeout: 600_000 }, () => {
  it('records, for every case and runtime, the decision the stated rule makes; no subagent ever runs', async () => {
    const agents = Object.fromEntries(routingSuite('claude-code').map((a) => [`agents/${a.name}.md`, a.fileText]));
    using project = createProject({
      seedAgents: false,
      files: { ...agents, 'routing/rules.yaml': SUITE },
      evalConfig: {
        agents: ['database-engineer'],
        routing: ['routing/rules.yaml'],
        models: [
          { id: 'claude-test-model', runtime: 'claude-code', config: { apiBaseUrl: anthropic.origin, apiKey: FAKE_ANTHROPIC_KEY } },
          { id: 'test-model', runtime: 'opencode', config: { apiBaseUrl: openai.url, apiKey: 'test-key' } },
        ],
        repeats: 1,
        concurrency: 2,
        timeoutMs: 120_000,
      },
    });
    const run = await project.cli(['eval'], {
      env: { ...FAST_ENV, AGENT_EVALS_OPENCODE_BIN: process.env.AGENT_EVALS_OPENCODE_BIN },
      timeoutMs: 560_000,
    });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    const rows = readResults(project.root) as unknown as Array<{
      scenarioId: string;
      model: string;
      status: string;
      routing?: { chosen: string; expected: string; runtimeVersion?: string };
    }>;
    const decisions = rows.map((r) => `${r.model} ${r.scenarioId} → ${r.routing?.chosen} (${r.status})`).sort();
    expect(decisions).toEqual([
      'claude-code:claude-test-model rules/sql → database-engineer (pass)',
      'claude-code:claude-test-model rules/teapot → none (pass)',
      'claude-code:claude-test-model rules/xss → security-auditor (pass)',
      'opencode:test-model rules/sql → database-engineer (pass)',
      'opencode:test-model rules/teapot → none (pass)',
      'opencode:test-model rules/xss → security-auditor (pass)',
    ]);
    // Each decision names the program version that made it.
    for (const row of rows) expect(row.routing?.runtimeVersion).toMatch(/^\d+\.\d+\.\d+$/);
    for (const agent of routingSuite('claude-code')) {
      expect(anthropic.agentCalls.filter((c) => c.system.includes(bodyMarker(agent.name)))).toEqual([]);
      expect(openai.agentCalls.filter((c) => c.system.includes(bodyMarker(agent.name)))).toEqual([]);
    }
  });
  it("gates a description edit that steals a sibling's requests as that sibling's regression, naming the requests that moved", async () => {
    anthropic.reset();
    anthropic.configure({ rules: claudeRoutingRules({ byDescription: true }) });
    const suite = routingSuite('claude-code');
    using project = createProject({
      seedAgents: false,
      files: { ...Object.fromEntries(suite.map((a) => [`agents/${a.name}.md`, a.fileText])), 'routing/rules.yaml': SUITE },
      evalConfig: {
        routing: ['routing/rules.yaml'],
        models: [{ id: 'claude-test-model', runtime: 'claude-code', config: { apiBaseUrl: anthropic.origin, apiKey: FAKE_ANTHROPIC_KEY } }],
        repeats: 1,
        concurrency: 2,
        timeoutMs: 120_000,
        thresholds: { routing: { recall: 0.9 } },
      },
    });
    const base = await project.cli(['eval'], { env: FAST_ENV, timeoutMs: 560_000 });
    expect(base.code, base.stdout + base.stderr).toBe(0);
    const bless = await project.cli(['bless']);
    expect(bless.code, bless.stdout + bless.stderr).toBe(0);

    const auditor = suite.find((a) => a.name === 'security-auditor')!;
    const edited = withDescription(auditor, 'Use for SQL injection, SQL audits and SQL-borne XSS.');
    writeFileSync(path.join(project.root, 'agents', 'security-auditor.md'), edited.fileText);
    const current = await project.cli(['eval'], { env: FAST_ENV, timeoutMs: 560_000 });
    const gate = await project.cli(['gate']);
    const summary = readFileSync(path.join(project.root, 'reports', 'summary.md'), 'utf8');
    expect(current.code, current.stdout + current.stderr).toBe(0);
    // The sibling that lost the request is the one gated, with the request that moved and where it went.
    expect(gate.code, gate.stdout + gate.stderr).toBe(1);
    expect(gate.stdout).toMatch(/regression.*database-engineer recall 0\.00 \(0\/1\)/);
    expect(gate.stdout).toMatch(/rules\/sql\S* \(database-engineer → security-auditor\)/);
    expect(summary).toMatch(/misrouted: rules\/sql: expected database-engineer, went to security-auditor/);
  });
});
