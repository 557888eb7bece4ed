/**
 * One behaviour, one verdict: every case of the permission conformance matrix (conformance-cases.ts) loaded by
 * the real loader, translated for each runtime by the harness, and run on the real Claude Code and the real
 * OpenCode (jailed) against scripted test doubles. Each attempt must end in the same outcome class on both.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClaudeCodeRuntime } from '../../src/execute/runtimes/claude-code.ts';
import { createOpenCodeRuntime } from '../../src/execute/runtimes/opencode.ts';
import { parseAgentFile } from '../../src/load/agents.ts';
import { VOCABULARY } from '../../src/lint/vocabulary.ts';
import { peerAgent } from '../../src/plan/plan-cell.ts';
import { OPENCODE_DEFAULT_TOOLS } from '../../src/shared/tool-translation.ts';
import { runtimeAgent } from '../../src/plan/translate-agent.ts';
import type { AgentRuntime, RuntimeAgent, RuntimeCellInput, ToolCall } from '../../src/shared/agent-runtime.ts';
import { type FakeAnthropicServer, startFakeAnthropic, type TurnContext } from '../support/fake-anthropic-server.ts';
import { type FakeOpenAIStreamServer, startFakeOpenAIStream } from '../support/fake-openai-stream-server.ts';
import { type Attempt, CASES, type ConformanceCase, DOCS_FILE, docsWithTable } from './conformance-cases.ts';
import { openCodeMissing } from './opencode-support.ts';

type Runtime = 'claude-code' | 'opencode';

function loadAgent(file: string, id: string) {
  const loaded = parseAgentFile(Buffer.from(file), { file: `agents/${id}.md`, id });
  if (!loaded.variant) throw new Error(`case ${id} does not load: ${JSON.stringify(loaded.problems)}`);
  return loaded.variant;
}

/** The agent (and its peer) exactly as the harness's plan hands it to `runtime`. */
function agentFor(c: ConformanceCase, runtime: Runtime): RuntimeAgent {
  const agent = runtimeAgent(loadAgent(c.file, c.id), runtime);
  return c.peer ? { ...agent, peers: [peerAgent(loadAgent(c.peer.file, 'auditor'), runtime)] } : agent;
}

const URL_ON_LOOPBACK = 'http://127.0.0.1:9/';

function claudeCall(attempt: Attempt, ws: string, tools: string[]) {
  const at = (file: string) => path.join(ws, file);
  switch (attempt) {
    case 'read':
      return { name: 'Read', input: { file_path: at('README.md') } };
    case 'write':
      return { name: 'Write', input: { file_path: at('new.txt'), content: 'new\n' } };
    case 'edit':
      return { name: 'Edit', input: { file_path: at('README.md'), old_string: 'hello', new_string: 'bye' } };
    case 'bash':
      return { name: 'Bash', input: { command: 'ls', description: 'list' } };
    case 'git-push':
      return { name: 'Bash', input: { command: 'git push origin main', description: 'push' } };
    case 'webfetch':
      return { name: 'WebFetch', input: { url: URL_ON_LOOPBACK, prompt: 'summarize' } };
    case 'delegate':
      return {
        name: tools.includes('Agent') ? 'Agent' : 'Task',
        input: { subagent_type: 'auditor', description: 'audit', prompt: 'Audit it.' },
      };
  }
}

function openCodeCall(attempt: Attempt) {
  switch (attempt) {
    case 'read':
      return { name: 'read', arguments: { filePath: 'README.md' } };
    case 'write':
      return { name: 'write', arguments: { filePath: 'new.txt', content: 'new\n' } };
    case 'edit':
      return { name: 'edit', arguments: { filePath: 'README.md', oldString: 'hello', newString: 'bye' } };
    case 'bash':
      return { name: 'bash', arguments: { command: 'ls', description: 'list' } };
    case 'git-push':
      return { name: 'bash', arguments: { command: 'git push origin main', description: 'push' } };
    case 'webfetch':
      return { name: 'webfetch', arguments: { url: URL_ON_LOOPBACK, format: 'text' } };
    case 'delegate':
      return { name: 'task', arguments: { subagent_type: 'auditor', description: 'audit', prompt: 'Audit it.' } };
  }
}

/** The workspace the runtime states in its request. */
const workspaceIn = (body: unknown) => /(\/[^"\s\\]*\/workspace)\b/.exec(JSON.stringify(body))?.[1] ?? '';

let anthropic: FakeAnthropicServer;
let openai: FakeOpenAIStreamServer;
const roots: string[] = [];
beforeAll(async () => {
  [anthropic, openai] = await Promise.all([startFakeAnthropic(), startFakeOpenAIStream()]);
});
afterAll(async () => {
  await Promise.all([anthropic?.close(), openai?.close()]);
  for (const root of roots) rmSync(root, { recursive: true, force: true });
});

function script(runtime: Runtime, c: ConformanceCase): void {
  const main = c.attempts.map((a) => a.attempt);
  const peer = c.peer?.attempts.map((a) => a.attempt) ?? [];
  const marker = `CONFORMANCE-${c.id.toUpperCase()}`;
  if (runtime === 'claude-code') {
    anthropic.reset();
    const reply = (attempts: Attempt[]) => (ctx: TurnContext) =>
      ctx.turn === 1 ? { toolCalls: attempts.map((a) => claudeCall(a, workspaceIn(ctx.body), ctx.tools)) } : { text: 'done' };
    anthropic.configure({
      rules: [
        { system: 'AUDITOR-PEER', reply: reply(peer) },
        { system: marker, reply: reply(main) },
      ],
    });
  } else {
    openai.reset();
    const reply = (attempts: Attempt[]) => (ctx: { turn: number }) =>
      ctx.turn === 1 ? { toolCalls: attempts.map(openCodeCall) } : { text: 'done' };
    openai.configure({
      rules: [
        { system: 'AUDITOR-PEER', reply: reply(peer) },
        { system: marker, reply: reply(main) },
      ],
    });
  }
}

function cellFor(runtime: Runtime, c: ConformanceCase): RuntimeCellInput {
  const root = mkdtempSync(path.join(tmpdir(), 'agent-evals-conf-'));
  roots.push(root);
  const workspace = path.join(root, 'run', 'workspace');
  const sandboxHome = path.join(root, 'home');
  mkdirSync(workspace, { recursive: true });
  mkdirSync(sandboxHome);
  writeFileSync(path.join(workspace, 'README.md'), 'hello\n');
  const model =
    runtime === 'claude-code'
      ? { id: 'claude-test-model', apiBaseUrl: anthropic.origin, apiKey: 'sk-ant-test-key' }
      : { id: 'test-model', apiBaseUrl: openai.url, apiKey: 'test-key' };
  return {
    agent: agentFor(c, runtime),
    request: 'Follow your script.',
    model,
    workspace,
    sandboxHome,
    allowBash: c.allowBash,
    limits: { maxTurns: 8, maxRequests: 24, wallTimeMs: 90_000 },
  };
}

const outcomes = (calls: ToolCall[]) => calls.map((call) => `${call.tool.toLowerCase()} → ${call.outcome}`);
/** What each attempt's call looks like in a runtime's trajectory: its tool's name there, its outcome. */
function expected(runtime: Runtime, attempts: ConformanceCase['attempts']): string[] {
  const name: Record<Attempt, Record<Runtime, string>> = {
    read: { 'claude-code': 'read', opencode: 'read' },
    write: { 'claude-code': 'write', opencode: 'write' },
    edit: { 'claude-code': 'edit', opencode: 'edit' },
    bash: { 'claude-code': 'bash', opencode: 'bash' },
    'git-push': { 'claude-code': 'bash', opencode: 'bash' },
    webfetch: { 'claude-code': 'webfetch', opencode: 'webfetch' },
    delegate: { 'claude-code': 'agent', opencode: 'task' },
  };
  return attempts.map((a) => `${name[a.attempt][runtime]} → ${a.expect}`);
}

describe('the conformance table in docs/agent-runtimes.md', () => {
  it('is the one made from the cases (npx tsx test/runtimes/conformance-cases.ts --write)', () => {
    const docs = readFileSync(DOCS_FILE, 'utf8');
    expect(docs).toBe(docsWithTable(docs));
  });
});

const missing = openCodeMissing();
if (missing) console.warn(`[conformance on opencode] ${missing}`);

describe.each<{ runtime: Runtime; skip: string }>([
  { runtime: 'claude-code', skip: '' },
  { runtime: 'opencode', skip: missing },
])('the conformance matrix on $runtime (jailed, the real program)', ({ runtime, skip }) => {
  describe.skipIf(Boolean(skip))('', { timeout: 180_000 }, () => {
    let agentRuntime: AgentRuntime;
    beforeAll(() => {
      agentRuntime =
        runtime === 'claude-code' ? createClaudeCodeRuntime({ bashTimeoutMs: 20_000 }) : createOpenCodeRuntime({ env: process.env });
    });
    afterAll(async () => {
      await agentRuntime?.close();
    });

    it.each(CASES.map((c) => [c.id, c] as const))('%s', async (_id, c) => {
      script(runtime, c);
      const out = await agentRuntime.runCell(cellFor(runtime, c));
      expect(out.error, out.error).toBeUndefined();
      const calls = out.trajectory.toolCalls;
      const own = calls.filter((call) => call.agent === undefined);
      expect(outcomes(own), JSON.stringify(own, null, 1)).toEqual(expected(runtime, c.attempts));
      if (c.peer) {
        const peerCalls = calls.filter((call) => call.agent === 'auditor');
        expect(outcomes(peerCalls), JSON.stringify(calls, null, 1)).toEqual(expected(runtime, c.peer.attempts));
        expect(out.trajectory.delegations.map((d) => d.agent)).toEqual(['auditor']);
      }
    });

    it('offers, for a file that switches nothing off, exactly the default tools the translation table and lint know for the runtime', async () => {
      const c = CASES.find((x) => x.id === (runtime === 'opencode' ? 'oc-allow-all' : 'cc-allow-all'))!;
      script(runtime, c);
      await agentRuntime.runCell(cellFor(runtime, c));
      const offered = runtime === 'opencode' ? openai.agentCalls[0]!.tools : anthropic.agentCalls[0]!.tools;
      const known = VOCABULARY[runtime === 'opencode' ? 'opencode' : 'claude-code'].tools;
      // Claude Code's placeholder for tools it loads on demand is no tool an agent file can name.
      expect(offered.filter((t) => !known.has(t) && t !== 'DeferredToolPlaceholder')).toEqual([]);
      // Web tools stay offered on OpenCode (its sandbox rules ask, and the harness answers no).
      if (runtime === 'opencode') expect([...offered].sort()).toEqual([...OPENCODE_DEFAULT_TOOLS].sort());
    });
  });
});
