/**
 * `AgentRuntimes.routeCell`: the harness's side of a routing case. Each case runs in a fresh copy of the suite's
 * workspace under `<run>/cells/<cell id>/` (never the project's tree), with the model's key resolved as for agent
 * cells, and the copy is removed after the case. Real Claude Code, jailed, against the fake Anthropic server.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AgentRuntimes, openAgentRuntimes, runtimeModel } from '../../src/execute/agent-cells.ts';
import type { ResolvedModel } from '../../src/schema/models.ts';
import { memoryContext } from '../support/context.ts';
import { FAKE_ANTHROPIC_KEY, type FakeAnthropicServer, startFakeAnthropic } from '../support/fake-anthropic-server.ts';
import { claudeRoutingRules, delegationPrompt, routingSuite } from '../support/routing-script.ts';

let server: FakeAnthropicServer;
let runtimes: AgentRuntimes;
let root: string;
let runDir: string;
let ctx: ReturnType<typeof memoryContext>;

beforeAll(async () => {
  server = await startFakeAnthropic({ rules: claudeRoutingRules() });
  root = mkdtempSync(path.join(tmpdir(), 'agent-evals-route-cells-'));
  mkdirSync(path.join(root, 'routing', 'ws'), { recursive: true });
  writeFileSync(path.join(root, 'routing', 'ws', 'NOTES.md'), 'the suite workspace\n');
  runDir = path.join(root, 'reports', 'runs', 'r1');
  mkdirSync(runDir, { recursive: true });
  ctx = memoryContext(root, { ANTHROPIC_API_KEY: FAKE_ANTHROPIC_KEY, ...(process.env.PATH ? { PATH: process.env.PATH } : {}) });
  runtimes = await openAgentRuntimes(ctx, { runDir, timeoutMs: 90_000, sandbox: 'bubblewrap', routing: ['claude-code'] });
});
afterAll(async () => {
  await runtimes?.close();
  await server?.close();
  rmSync(root, { recursive: true, force: true });
});

const model: () => ResolvedModel = () => ({
  label: 'cc',
  id: 'claude-test-model',
  config: { apiBaseUrl: server.origin },
  runtime: 'claude-code',
  maxTurns: 12,
});

describe('routeCell (claude-code, jailed)', { timeout: 180_000 }, () => {
  it("runs the case in a fresh copy of the suite's workspace under the run, and removes the copy", async () => {
    server.reset();
    const out = await runtimes.routeCell({
      cellId: 'case-1',
      runtime: 'claude-code',
      workspaceSource: 'routing/ws',
      agents: routingSuite('claude-code'),
      request: 'Which SQL index is missing?',
      model: runtimeModel(ctx, model()),
      limits: { maxRequests: 4, wallTimeMs: 60_000 },
    });

    expect(out.error, out.error).toBeUndefined();
    expect(out.chosen).toBe('database-engineer');
    expect(out.detail).toBe(delegationPrompt('database-engineer'));
    // Claude Code worked in the copy under the run, not in the project's own folder.
    const main = server.requests.find((r) => r.kind === 'messages');
    const body = JSON.stringify(main?.body);
    expect(body).toContain(path.join('cells', 'case-1', 'workspace'));
    expect(body).not.toContain(path.join(root, 'routing', 'ws'));
    expect(existsSync(path.join(runDir, 'cells', 'case-1'))).toBe(false);
    expect(readFileSync(path.join(root, 'routing', 'ws', 'NOTES.md'), 'utf8')).toBe('the suite workspace\n');
  });

  it('is an error naming the runtime when the run did not start it', async () => {
    const out = await runtimes.routeCell({
      cellId: 'case-2',
      runtime: 'opencode',
      agents: routingSuite('opencode'),
      request: 'Which SQL index is missing?',
      model: { id: 'test-model' },
      limits: { maxRequests: 4, wallTimeMs: 60_000 },
    });
    expect(out.error).toBe('no agent runtime opencode was started for routing');
  });
});
