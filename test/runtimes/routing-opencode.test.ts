/**
 * Routing cases on the real OpenCode (jailed) against the streaming fake model server: OpenCode's primary agent
 * (`build`) with the suite installed as `mode: subagent` agents, a scripted model that routes by a stated rule
 * (test/support/routing-script.ts). Each case's decision is exact, costs at most 2 model requests as the double
 * counts them, and never runs the subagent.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOpenCodeRuntime, installedOpenCodeBinary } from '../../src/execute/runtimes/opencode.ts';
import type { AgentRuntime, RoutingCellInput } from '../../src/shared/agent-runtime.ts';
import { type FakeOpenAIStreamServer, startFakeOpenAIStream } from '../support/fake-openai-stream-server.ts';
import { REPO_ROOT } from '../support/project-fixture.ts';
import {
  bodyMarker,
  delegationPrompt,
  OWN_ANSWER,
  openCodeRoutingRules,
  routingRequests,
  routingSuite,
  withDescription,
} from '../support/routing-script.ts';
import { openCodeMissing, type TempCell, tempCell } from './opencode-support.ts';

const missing = openCodeMissing();
const suite = routingSuite('opencode');

/** The installed OpenCode's version, from its package (the runtime reports the running server's). */
function installedVersion(): string {
  const binary = installedOpenCodeBinary(REPO_ROOT);
  const pkg = binary && path.join(path.dirname(path.dirname(binary)), 'package.json');
  return pkg ? (JSON.parse(readFileSync(pkg, 'utf8')) as { version: string }).version : '';
}

describe.skipIf(Boolean(missing))('routing cases on opencode (the real program, jailed)', { timeout: 240_000 }, () => {
  let server: FakeOpenAIStreamServer;
  let runtime: AgentRuntime;
  const cells: TempCell[] = [];
  beforeAll(async () => {
    server = await startFakeOpenAIStream();
    runtime = createOpenCodeRuntime({ env: process.env });
  });
  afterAll(async () => {
    await runtime?.close();
    await server?.close();
    for (const cell of cells) cell[Symbol.dispose]();
  });

  function routingInput(request: string): RoutingCellInput {
    const cell = tempCell({ 'README.md': '# Orders\n' });
    cells.push(cell);
    return {
      agents: suite,
      request,
      model: { id: 'test-model', apiBaseUrl: server.url, apiKey: 'test-key' },
      workspace: cell.workspace,
      sandboxHome: cell.sandboxHome,
      limits: { maxRequests: 4, wallTimeMs: 60_000 },
    };
  }

  it.each(routingRequests('opencode'))('$request → $expected', async ({ request, expected }) => {
    server.reset();
    server.configure({ rules: openCodeRoutingRules() });
    const input = routingInput(request);
    const out = await runtime.route(input);

    expect(out.error, out.error).toBeUndefined();
    expect(out.chosen).toBe(expected);
    expect(out.detail).toBe(expected === 'none' ? OWN_ANSWER : delegationPrompt(expected));
    expect(out.runtimeVersion).toBe(installedVersion());
    // What the double counted: every chat request of the case (title requests included).
    const requests = server.calls.filter((c) => c.kind === 'agent' || c.kind === 'title');
    expect(requests.length).toBeGreaterThanOrEqual(1);
    expect(requests.length).toBeLessThanOrEqual(2);
    expect(out.requests).toBeLessThanOrEqual(requests.length);
    // The main agent was `build` and was offered the suite; no subagent ever got a request.
    const main = server.agentCalls.filter((c) => c.tools.includes('task'));
    expect(main).toHaveLength(1);
    expect(main[0]?.user).toContain(request);
    const mainBody = JSON.stringify(main[0]?.body);
    expect(mainBody).not.toContain('BODY-MARKER');
    for (const agent of suite) {
      expect(mainBody).toContain(agent.description);
      expect(server.agentCalls.filter((c) => c.system.includes(bodyMarker(agent.name)))).toEqual([]);
    }
    expect(server.agentCalls.some((c) => c.rule === 'main agent, later turn')).toBe(false);
    // The installed agent files are gone from the workspace copy, which is back where it was.
    expect(readFileSync(path.join(input.workspace, 'README.md'), 'utf8')).toBe('# Orders\n');
  });
  it('is an error, never a decision, when the main agent reaches the request bound without deciding', async () => {
    server.reset();
    // Every answer past the bound is held until the case ended: OpenCode, however far its events lag on a busy
    // machine, cannot run a request ahead, and only the harness's abort at the bound ends the case.
    let caseEnded: () => void = () => {};
    const ended = new Promise<void>((resolve) => {
      caseEnded = resolve;
    });
    let calls = 0;
    server.configure({ rules: openCodeRoutingRules(), holdAnswer: () => (++calls > 2 ? ended : undefined) });
    const out = await runtime
      .route({ ...routingInput('LOOP: keep reading.'), limits: { maxRequests: 2, wallTimeMs: 60_000 } })
      .finally(caseEnded);
    server.configure({ holdAnswer: undefined });

    expect(out.error).toMatch(/did not decide.*request/);
    expect(out.chosen).toBe('none');
    expect(out.runtimeVersion).not.toBe('');
    expect(server.agentCalls.length).toBeLessThanOrEqual(3);
  });
  it('routes on the descriptions it is given: a description edit that claims SQL takes the SQL request from its sibling', async () => {
    server.reset();
    server.configure({ rules: openCodeRoutingRules({ byDescription: true }) });
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
