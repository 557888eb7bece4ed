/**
 * Routing cases on the real Claude Code (jailed, through the Claude Agent SDK) against the fake Anthropic server:
 * Claude Code's default agent with the suite installed as subagents, a scripted model that routes by a stated
 * rule (test/support/routing-script.ts). Each case's decision is exact, costs at most 2 model requests as the
 * double counts them, and never runs the subagent.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClaudeCodeRuntime } from '../../src/execute/runtimes/claude-code.ts';
import type { RoutingCellInput } from '../../src/shared/agent-runtime.ts';
import { FAKE_ANTHROPIC_KEY, type FakeAnthropicServer, startFakeAnthropic } from '../support/fake-anthropic-server.ts';
import {
  bodyMarker,
  claudeRoutingRules,
  delegationPrompt,
  OWN_ANSWER,
  routingRequests,
  routingSuite,
  withDescription,
} from '../support/routing-script.ts';

let server: FakeAnthropicServer;
const runtime = createClaudeCodeRuntime();
const roots: string[] = [];
const suite = routingSuite('claude-code');

beforeAll(async () => {
  server = await startFakeAnthropic();
});
afterAll(async () => {
  await runtime.close();
  await server.close();
  for (const root of roots) rmSync(root, { recursive: true, force: true });
});

function routingInput(request: string): RoutingCellInput {
  const root = mkdtempSync(join(tmpdir(), 'agent-evals-route-cc-'));
  roots.push(root);
  mkdirSync(join(root, 'workspace'));
  mkdirSync(join(root, 'home'));
  return {
    agents: suite,
    request,
    model: { id: 'claude-test-model', apiBaseUrl: server.origin, apiKey: FAKE_ANTHROPIC_KEY },
    workspace: join(root, 'workspace'),
    sandboxHome: join(root, 'home'),
    limits: { maxRequests: 4, wallTimeMs: 90_000 },
  };
}

const bundledVersion = (
  JSON.parse(readFileSync(resolve(import.meta.dirname, '../../node_modules/@anthropic-ai/claude-agent-sdk/package.json'), 'utf8')) as {
    claudeCodeVersion: string;
  }
).claudeCodeVersion;

describe('routing cases on claude-code (the real program, jailed)', { timeout: 180_000 }, () => {
  it.each(routingRequests('claude-code'))('$request → $expected', async ({ request, expected }) => {
    server.reset();
    server.configure({ rules: claudeRoutingRules() });
    const out = await runtime.route(routingInput(request));

    expect(out.error, out.error).toBeUndefined();
    expect(out.chosen).toBe(expected);
    expect(out.detail).toBe(expected === 'none' ? OWN_ANSWER : delegationPrompt(expected));
    expect(out.runtimeVersion).toBe(bundledVersion);
    // What the double counted: every Messages request of the case, side requests included.
    const messages = server.requests.filter((r) => r.kind === 'messages');
    expect(messages.length).toBeGreaterThanOrEqual(1);
    expect(messages.length).toBeLessThanOrEqual(2);
    expect(out.requests).toBeLessThanOrEqual(messages.length);
    // The main agent ran with Claude Code's own prompt and saw the suite; no subagent ever got a request.
    const main = server.agentCalls.filter((c) => c.tools.includes('Agent') || c.tools.includes('Task'));
    expect(main).toHaveLength(1);
    expect(main[0]?.userText).toContain(request);
    // Claude Code's own (long) preset prompt, not an agent file's body.
    expect(main[0]?.system.length).toBeGreaterThan(2000);
    const mainBody = JSON.stringify(server.requests.find((r) => r.index === main[0]?.index)?.body);
    expect(mainBody).not.toContain('BODY-MARKER');
    for (const agent of suite) {
      expect(mainBody).toContain(agent.description);
      expect(server.agentCalls.filter((c) => c.system.includes(bodyMarker(agent.name)))).toEqual([]);
    }
    expect(server.agentCalls.some((c) => c.reply.text?.startsWith('SECOND-TURN'))).toBe(false);
  });
  it('is an error, never a decision, when the main agent reaches the request bound without deciding', async () => {
    server.reset();
    server.configure({ rules: claudeRoutingRules() });
    const out = await runtime.route({ ...routingInput('LOOP: keep reading.'), limits: { maxRequests: 2, wallTimeMs: 60_000 } });

    expect(out.error).toMatch(/did not decide.*request/);
    expect(out.chosen).toBe('none');
    expect(out.runtimeVersion).not.toBe('');
    expect(server.requests.filter((r) => r.kind === 'messages').length).toBeLessThanOrEqual(3);
  });
  it('routes on the descriptions it is given: a description edit that claims SQL takes the SQL request from its sibling', async () => {
    server.reset();
    server.configure({ rules: claudeRoutingRules({ byDescription: true }) });
    const request = 'The SQL query behind /orders is slow; which index is missing?';
    const before = await runtime.route(routingInput(request));
    expect(before.error, before.error).toBeUndefined();
    expect(before.chosen).toBe('database-engineer');

    const edited = suite.map((a) =>
      a.name === 'security-auditor' ? withDescription(a, 'Use for SQL injection, SQL audits and SQL-borne XSS.') : a,
    );
    const after = await runtime.route({ ...routingInput(request), agents: edited });
    expect(after.error, after.error).toBeUndefined();
    expect(after.chosen).toBe('security-auditor');
  });
});
