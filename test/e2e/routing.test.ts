/**
 * Routing suites end to end: the real CLI runs a suite through the real Claude Code and OpenCode (jailed) against
 * loopback doubles whose main agent routes by the stated rule of test/support/routing-script.ts (by the agents'
 * descriptions: "SQL" and "XSS" go to the listed agent whose description says the word most often). The run shows
 * the exact confusion matrix, recall and precision; an edit of one description that makes the main agent misroute
 * is gated as a regression of the sibling that lost the requests, with the requests listed. No subagent ever runs:
 * no request to either double carries an agent's body. Each decision names the program version that made it.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveOpenCodeBinary } from '../../src/execute/runtimes/opencode.ts';
import { type FakeAnthropicServer, startFakeAnthropic } from '../support/fake-anthropic-server.ts';
import { type FakeOpenAIStreamServer, startFakeOpenAIStream } from '../support/fake-openai-stream-server.ts';
import { createProject } from '../support/project-fixture.ts';
import { bodyMarker, claudeRoutingRules, openCodeRoutingRules } from '../support/routing-script.ts';
import { runCliOn } from '../support/run-cli.ts';

const haveOpenCode = (() => {
  try {
    resolveOpenCodeBinary({ env: process.env });
    return true;
  } catch {
    return false;
  }
})();
if (!haveOpenCode && !process.env.CI)
  console.warn('routing.test.ts: OpenCode is not installed (npx agent-evals install-runtime opencode): test skipped');

const agent = (name: string, description: string) =>
  `---\nname: ${name}\ndescription: ${JSON.stringify(description)}\ntools: Read\n---\nYou are ${name.toUpperCase()}-BODY-MARKER. Do your part.\n`;

const SQL = [
  'The SQL query behind /orders is slow',
  'Which SQL index does the events table need',
  'Rewrite this SQL join',
  'Our SQL migration locks the table',
  'Explain this SQL plan',
  'A SQL deadlock at night',
  'Tune the SQL connection pool',
  'Split this SQL table',
  'Partition the SQL events table by month',
];
const CASES = [
  ...SQL.map((request, i) => ({ id: `sql-${i + 1}`, request, expect: 'database-engineer' })),
  { id: 'xss-form', request: 'Is the comment form open to XSS?', expect: 'security-auditor' },
  { id: 'teapot', request: 'What does HTTP status 418 mean?', expect: 'none' },
  // The rule knows no word for docs: the main agent answers itself, a misroute the figures must show.
  { id: 'readme', request: 'Rewrite the README for new contributors.', expect: 'docs-writer' },
];

const SUITE = { agents: ['database-engineer', 'security-auditor', 'docs-writer'], cases: CASES };

interface Row {
  variantId: string;
  model: string;
  scenarioId: string;
  status: string;
  routing?: { expected: string; chosen?: string; detail?: string; runtimeVersion?: string };
  error?: string;
}

function latestRows(root: string): Row[] {
  const runId = readdirSync(path.join(root, 'reports', 'runs'))
    .sort()
    .at(-1)!;
  return readFileSync(path.join(root, 'reports', 'runs', runId, 'results.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Row);
}

let anthropic: FakeAnthropicServer;
let openai: FakeOpenAIStreamServer;
beforeAll(async () => {
  [anthropic, openai] = await Promise.all([
    startFakeAnthropic({ rules: claudeRoutingRules({ byDescription: true }) }),
    startFakeOpenAIStream({ rules: openCodeRoutingRules({ byDescription: true }) }),
  ]);
});
afterAll(async () => {
  await Promise.all([anthropic?.close(), openai?.close()]);
});

describe.skipIf(!haveOpenCode && !process.env.CI)('a routing suite on Claude Code and OpenCode', () => {
  it('gives the exact matrix, recall and precision; a description edit that steals requests is gated as the sibling`s regression', {
    timeout: 900_000,
  }, async () => {
    using project = createProject({
      seedAgents: false,
      files: {
        'agents/database-engineer/database-engineer.md': agent(
          'database-engineer',
          'Use for SQL queries, schemas, indexes and migrations.',
        ),
        'agents/security-auditor/security-auditor.md': agent(
          'security-auditor',
          'Use for security reviews: XSS, injection, authentication.',
        ),
        'agents/docs-writer/docs-writer.md': agent('docs-writer', 'Use for READMEs and user documentation.'),
        'routing/backend.yaml': SUITE,
        'evals/routing.yaml': {
          agents: ['security-auditor'],
          routing: ['routing/backend.yaml'],
          scenarios: ['tag:routing'],
          models: [
            { id: 'claude-test-model', runtime: 'claude-code', config: { apiBaseUrl: anthropic.origin, apiKey: 'sk-ant-test-key' } },
            { id: 'test-model', runtime: 'opencode', config: { apiBaseUrl: openai.url, apiKey: 'test-key' } },
          ],
          concurrency: 2,
          timeoutMs: 120_000,
        },
      },
    });
    const requestsBefore = anthropic.requests.length + openai.calls.length;
    const first = await project.cli(['eval', '-c', 'evals/routing.yaml'], { timeoutMs: 400_000 });
    const rows = latestRows(project.root);
    expect(rows.filter((r) => r.status === 'error').map((r) => `${r.model} ${r.scenarioId}: ${r.error}`)).toEqual([]);
    expect(first.code, first.stdout + first.stderr).toBe(0);
    expect(rows).toHaveLength(CASES.length * 2);
    // At most 2 model requests per case, as the doubles counted them.
    expect(anthropic.requests.length + openai.calls.length - requestsBefore).toBeLessThanOrEqual(2 * rows.length);
    for (const r of rows) {
      const expected = r.scenarioId === 'backend/readme' ? 'none' : r.routing!.expected;
      expect(r.routing!.chosen, `${r.model} ${r.scenarioId}`).toBe(expected);
      expect(r.routing!.runtimeVersion, r.model).toMatch(/^\d+\.\d+\.\d+$/);
    }
    // The main agent decides; no subagent runs (its body would be a request's system prompt).
    for (const name of SUITE.agents) {
      expect(anthropic.agentCalls.filter((c) => c.system.includes(bodyMarker(name)))).toEqual([]);
      expect(openai.agentCalls.filter((c) => c.system.includes(bodyMarker(name)))).toEqual([]);
    }
    const summary = readFileSync(path.join(project.root, 'reports', 'summary.md'), 'utf8');
    for (const model of ['claude-code:claude-test-model', 'opencode:test-model']) {
      expect(summary).toContain(`#### backend · security-auditor/security-auditor @ ${model}: 11/12 correct`);
    }
    // Rows: expected; columns: database-engineer, docs-writer, security-auditor, none.
    expect(summary).toContain('| database-engineer | **9** | 0 | 0 | 0 |');
    expect(summary).toContain('| docs-writer | 0 | 0 | 0 | 1 |');
    expect(summary).toContain('| security-auditor | 0 | 0 | **1** | 0 |');
    expect(summary).toContain('| none | 0 | 0 | 0 | **1** |');
    expect(summary).toContain('| docs-writer | 0% (0/1, 0–79%) | – |');
    expect(summary).toContain('| none | 100% (1/1, 21–100%) | 50% (1/2, 9–91%) |');
    expect(summary).toContain('- misrouted: backend/readme: expected docs-writer, went to none (repeat 1)');
    const index = readFileSync(path.join(project.root, 'reports', 'index.html'), 'utf8');
    expect(index).toContain('<section id="routing"><h2>Routing</h2>');

    const bless = await runCliOn(project.root, ['bless']);
    expect(bless.code, bless.stdout + bless.stderr).toBe(0);
    // The edited description says SQL more often than the database engineer's: the main agent now sends SQL work to it.
    project.write(
      'agents/security-auditor/security-auditor.md',
      agent('security-auditor', 'Use for security reviews of SQL: SQL injection, SQL privileges, XSS and authentication.'),
    );
    const second = await project.cli(['eval', '-c', 'evals/routing.yaml', '--ci'], { timeoutMs: 400_000 });
    expect(second.code, second.stdout + second.stderr).toBe(1);
    const gate = await runCliOn(project.root, ['gate']);
    expect(gate.code, gate.stdout + gate.stderr).toBe(1);
    // The sibling that lost the requests is the one gated, with the requests that moved and where they went.
    expect(gate.stdout).toMatch(/routing regressed: .*database-engineer recall 1\.00 → 0\.00 \(0\/9\)/);
    expect(gate.stdout).toMatch(/backend\/sql-1\S* \(database-engineer → security-auditor\)/);
    const after = readFileSync(path.join(project.root, 'reports', 'summary.md'), 'utf8');
    for (const model of ['claude-code:claude-test-model', 'opencode:test-model']) {
      expect(after).toContain(
        `- **routing regressed** backend · security-auditor/security-auditor @ ${model}: database-engineer recall 1.00 → 0.00 (0/9), adjusted p = `,
      );
    }
    expect(after).toMatch(
      /moved: backend\/sql-1#1 \(database-engineer → security-auditor\), backend\/sql-2#1 \(database-engineer → security-auditor\)/,
    );
    expect(after).toMatch(/misrouted: backend\/sql-1: expected database-engineer, went to security-auditor/);
    const comment = await runCliOn(project.root, ['report', '--format', 'pr-comment']);
    expect(comment.stdout).toContain(
      '**routing regressed** backend · security-auditor/security-auditor @ claude-code:claude-test-model: database-engineer recall',
    );
  });
});
