/**
 * The `claude-code` runtime against the real Claude Code program (through the Claude Agent SDK) and the
 * loopback fake Anthropic server: every cell runs in a temp copy of the fixture workspace, and nothing
 * reaches a real model.
 */
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RuntimeAgent, RuntimeCellInput, ToolCall } from '../../src/shared/agent-runtime.ts';
import { createClaudeCodeRuntime, INSTALL_COMMAND, importClaudeAgentSdk } from '../../src/execute/runtimes/claude-code.ts';
import { FAKE_ANTHROPIC_KEY, type FakeAnthropicServer, startFakeAnthropic, type TurnContext } from '../support/fake-anthropic-server.ts';

const FIXTURE = resolve(import.meta.dirname, 'fixtures/claude-code/workspace');
const SEEDS = resolve(import.meta.dirname, '../../agents/backend-architect');

/** A seed agent file as the runtime gets it (a minimal frontmatter split; the loader is not under test here). */
function seedAgent(file: string): RuntimeAgent {
  const fileText = readFileSync(join(SEEDS, file), 'utf8');
  const [, front = '', body = ''] = /^---\n([\s\S]*?)\n---\n([\s\S]*)$/.exec(fileText) ?? [];
  const field = (name: string) => new RegExp(`^${name}:\\s*(.*)$`, 'm').exec(front)?.[1]?.trim();
  const tools =
    field('tools')
      ?.split(',')
      .map((t) => t.trim()) ?? [];
  return {
    name: field('name') ?? file,
    description: field('description') ?? '',
    dialect: 'claude-code',
    systemPrompt: body.trim(),
    fileText,
    tools,
    permissions: [],
  };
}

const contractFirst = seedAgent('claude-code-sonnet-contract-first.md'); // tools: Edit, MultiEdit, Write, NotebookEdit, Grep, LS, Read
const opusExamples = seedAgent('claude-code-opus-examples.md'); // no tools: line → Claude Code's default set

interface Cell {
  root: string;
  ws: string;
  home: string;
}

const cells: Cell[] = [];
function newCell(): Cell {
  const root = mkdtempSync(join(tmpdir(), 'cc-cell-'));
  const ws = join(root, 'ws');
  const home = join(root, 'home');
  cpSync(FIXTURE, ws, { recursive: true });
  mkdirSync(home);
  const cell = { root, ws, home };
  cells.push(cell);
  return cell;
}

let server: FakeAnthropicServer;
const runtime = createClaudeCodeRuntime({ bashTimeoutMs: 10_000 });

beforeAll(async () => {
  server = await startFakeAnthropic();
});
afterEach(() => {
  server.reset();
  server.configure({ rules: [], latencyMs: 0 });
  for (const cell of cells.splice(0)) rmSync(cell.root, { recursive: true, force: true });
});
afterAll(async () => {
  await runtime.close();
  await server.close();
});

function input(cell: Cell, agent: RuntimeAgent, over: Partial<RuntimeCellInput> = {}): RuntimeCellInput {
  return {
    agent,
    request: 'Review the users API.',
    model: {
      id: 'claude-test-model',
      apiBaseUrl: server.origin,
      apiKey: FAKE_ANTHROPIC_KEY,
    },
    workspace: cell.ws,
    sandboxHome: cell.home,
    allowBash: false,
    limits: { maxTurns: 6, maxRequests: 12, wallTimeMs: 30_000 },
    ...over,
  };
}

/** Rules for the agent under test only (its body is in the system prompt), by turn. */
function script(
  body: string,
  turns: Array<(ctx: TurnContext) => { text: string } | { toolCalls: Array<{ name: string; input: Record<string, unknown> }> }>,
) {
  const marker = body.slice(0, 60);
  return turns.map((reply, i) => ({ system: marker, turn: i + 1, reply }));
}

const call = (calls: ToolCall[], tool: string, match: (c: ToolCall) => boolean = () => true) =>
  calls.find((c) => c.tool === tool && match(c));

describe('claude-code runtime: a cell end to end', () => {
  it('reads a workspace file, answers, and records the trajectory; the request carries the variant body and its tools', async () => {
    const cell = newCell();
    server.configure({
      rules: script(contractFirst.systemPrompt, [
        () => ({
          toolCalls: [
            {
              name: 'Read',
              input: { file_path: join(cell.ws, 'src/routes/users.ts') },
            },
          ],
        }),
        (ctx) => ({
          text: `Found an N+1 risk. (${ctx.toolResults[0]?.content.includes('SELECT * FROM orders') ? 'saw the query' : 'no query'})`,
        }),
      ]),
    });
    const out = await runtime.runCell(input(cell, contractFirst));

    expect(out.error).toBeUndefined();
    expect(out.answer).toBe('Found an N+1 risk. (saw the query)');
    expect(out.trajectory.toolCalls).toHaveLength(1);
    expect(out.trajectory.toolCalls[0]).toMatchObject({
      index: 0,
      tool: 'Read',
      outcome: 'ran',
      turn: 1,
    });
    expect(out.trajectory.toolCalls[0]?.output).toContain('SELECT * FROM orders');
    expect(out.trajectory.turns).toBe(2);
    expect(out.trajectory.filesRead).toEqual(['src/routes/users.ts']);
    expect(out.trajectory.delegations).toEqual([]);
    expect(out.tokens?.total).toBeGreaterThan(0);
    expect(out.costUsd).toBeTypeOf('number');
    expect(out.latencyMs).toBeGreaterThan(0);

    const calls = server.agentCalls;
    expect(calls).toHaveLength(2);
    expect(calls[0]?.system).toContain(contractFirst.systemPrompt);
    expect(calls[0]?.userText).toContain('Review the users API.');
    expect(calls[0]?.model).toBe('claude-test-model');
    // The tools offered are the variant's (those this Claude Code has), never Bash or the web tools.
    const offered = new Set(calls[0]?.tools);
    for (const tool of ['Read', 'Grep', 'Edit', 'Write', 'NotebookEdit']) expect(offered).toContain(tool);
    for (const tool of ['Bash', 'WebFetch', 'WebSearch', 'Agent', 'Task', 'Glob']) expect(offered).not.toContain(tool);
    expect(calls[1]?.toolResults[0]).toMatchObject({
      tool: 'Read',
      isError: false,
    });
    // Every request went to the fake server's Messages endpoint, streamed.
    expect(server.requests.filter((r) => r.kind === 'messages').every((r) => r.query === '?beta=true' && r.context?.stream)).toBe(true);
  });

  it('refuses tools the variant does not list (denied-by-agent), records them, and leaves the file unchanged', async () => {
    const cell = newCell();
    const readGrep: RuntimeAgent = {
      ...contractFirst,
      name: 'read-grep',
      tools: ['Read', 'Grep'],
    };
    const readme = join(cell.ws, 'README.md');
    const before = readFileSync(readme, 'utf8');
    server.configure({
      rules: script(readGrep.systemPrompt, [
        () => ({
          toolCalls: [
            {
              name: 'Edit',
              input: {
                file_path: readme,
                old_string: 'users-service',
                new_string: 'HACKED',
              },
            },
            { name: 'Bash', input: { command: 'echo hacked > README.md' } },
            { name: 'Grep', input: { pattern: 'orders' } },
          ],
        }),
        () => ({ text: 'done' }),
      ]),
    });
    const out = await runtime.runCell(input(cell, readGrep, { allowBash: true }));

    expect(out.error).toBeUndefined();
    expect(server.agentCalls[0]?.tools).not.toContain('Edit');
    expect(server.agentCalls[0]?.tools).not.toContain('Bash');
    const calls = out.trajectory.toolCalls;
    expect(calls.map((c) => [c.tool, c.outcome])).toEqual([
      ['Edit', 'denied-by-agent'],
      ['Bash', 'denied-by-agent'],
      ['Grep', 'ran'],
    ]);
    expect(call(calls, 'Edit')?.reason).toMatch(/not in the agent's tools: list/);
    expect(call(calls, 'Edit')?.input).toMatchObject({ new_string: 'HACKED' });
    expect(readFileSync(readme, 'utf8')).toBe(before);
    // The model was told each refused call failed.
    const results = server.agentCalls[1]?.toolResults ?? [];
    expect(results.filter((r) => r.isError).map((r) => r.tool)).toEqual(['Edit', 'Bash']);
  });
});

describe('claude-code runtime: the workspace sandbox', () => {
  it('refuses paths and commands that leave the workspace, records them, and nothing appears outside', async () => {
    const cell = newCell();
    const fileAndShell: RuntimeAgent = {
      ...opusExamples,
      tools: ['Read', 'Write', 'Edit', 'Glob', 'Grep', 'Bash'],
    };
    const outsideDir = mkdtempSync(join(tmpdir(), 'cc-outside-'));
    cells.push({ root: outsideDir, ws: outsideDir, home: outsideDir });
    const project = join(cell.root, 'project');
    mkdirSync(project);
    writeFileSync(join(project, 'package.json'), '{"name":"the-project"}\n');
    writeFileSync(join(cell.root, 'secret.txt'), 'TOP-SECRET-VALUE\n');
    symlinkSync(join(cell.root, 'secret.txt'), join(cell.ws, 'link.txt'));
    const targets = {
      parentWrite: join(cell.root, 'outside'),
      tmpWrite: join(outsideDir, 'abs-write.txt'),
      projectWrite: join(project, 'added.ts'),
      bashParent: join(cell.root, 'outside-marker'),
      bashAbs: join(outsideDir, 'bash-abs-marker'),
    };
    server.configure({
      rules: script(fileAndShell.systemPrompt, [
        () => ({
          toolCalls: [
            {
              name: 'Write',
              input: { file_path: `${cell.ws}/../outside`, content: 'escaped' },
            },
            {
              name: 'Write',
              input: { file_path: targets.tmpWrite, content: 'escaped' },
            },
            {
              name: 'Write',
              input: {
                file_path: join(project, 'added.ts'),
                content: 'escaped',
              },
            },
            {
              name: 'Edit',
              input: {
                file_path: join(project, 'package.json'),
                old_string: 'the-project',
                new_string: 'pwned',
              },
            },
            { name: 'Read', input: { file_path: join(cell.ws, 'link.txt') } },
            { name: 'Glob', input: { pattern: '/etc/*' } },
            { name: 'Grep', input: { pattern: 'SECRET', path: cell.root } },
          ],
        }),
        () => ({
          toolCalls: [
            {
              name: 'Bash',
              input: { command: "bash -c 'touch ../outside-marker'" },
            },
            { name: 'Bash', input: { command: `touch ${targets.bashAbs}` } },
            { name: 'Bash', input: { command: 'touch "$HOME/../x"' } },
            // Read-only commands Claude Code would approve on its own, without asking canUseTool.
            { name: 'Bash', input: { command: 'cat ../secret.txt' } },
            { name: 'Bash', input: { command: 'ls /etc' } },
            {
              name: 'Bash',
              input: { command: 'echo ok > inside.txt && cat inside.txt' },
            },
            {
              name: 'Write',
              input: {
                file_path: join(cell.ws, 'notes/review.md'),
                content: 'inside',
              },
            },
          ],
        }),
        () => ({ text: 'done' }),
      ]),
    });
    const out = await runtime.runCell(input(cell, fileAndShell, { allowBash: true }));

    expect(out.error).toBeUndefined();
    const outcomes = out.trajectory.toolCalls.map((c) => [c.tool, c.outcome]);
    expect(outcomes).toEqual([
      ['Write', 'denied-by-sandbox'],
      ['Write', 'denied-by-sandbox'],
      ['Write', 'denied-by-sandbox'],
      // Claude Code refuses to edit a file it has not read before any permission check: it never gets that far.
      ['Edit', 'failed'],
      ['Read', 'denied-by-sandbox'],
      ['Glob', 'denied-by-sandbox'],
      ['Grep', 'denied-by-sandbox'],
      ['Bash', 'denied-by-sandbox'],
      ['Bash', 'denied-by-sandbox'],
      ['Bash', 'denied-by-sandbox'],
      ['Bash', 'denied-by-sandbox'],
      ['Bash', 'denied-by-sandbox'],
      ['Bash', 'ran'],
      ['Write', 'ran'],
    ]);
    for (const c of out.trajectory.toolCalls.filter((c) => c.outcome === 'denied-by-sandbox')) expect(c.reason).toBeTruthy();
    for (const path of Object.values(targets)) expect(existsSync(path), path).toBe(false);
    expect(readFileSync(join(project, 'package.json'), 'utf8')).toContain('the-project');
    // Inside the workspace, Bash and Write did run.
    expect(readFileSync(join(cell.ws, 'inside.txt'), 'utf8')).toBe('ok\n');
    expect(readFileSync(join(cell.ws, 'notes/review.md'), 'utf8')).toBe('inside');
    // Nothing of the secret behind the symlink, or of the searches outside, reached the model.
    const sent = JSON.stringify(server.requests.map((r) => r.body));
    expect(sent).not.toContain('TOP-SECRET-VALUE');
    expect(sent).not.toContain('/etc/hostname');
    expect(sent).not.toContain('hostname\\n'); // `ls /etc` output
  });

  it('refuses Bash when the scenario does not allow it (denied-by-sandbox), even for a harmless command', async () => {
    const cell = newCell();
    server.configure({
      rules: script(opusExamples.systemPrompt, [
        // `ls` is a read-only command Claude Code approves without asking canUseTool: only the hook sees it.
        () => ({
          toolCalls: [
            { name: 'Bash', input: { command: 'echo hi > made-by-bash.txt' } },
            { name: 'Bash', input: { command: 'ls' } },
          ],
        }),
        () => ({ text: 'done' }),
      ]),
    });
    const out = await runtime.runCell(input(cell, opusExamples, { allowBash: false }));
    expect(out.trajectory.toolCalls.map((c) => [c.tool, c.outcome])).toEqual([
      ['Bash', 'denied-by-sandbox'],
      ['Bash', 'denied-by-sandbox'],
    ]);
    expect(out.trajectory.toolCalls[1]?.output).not.toContain('README.md');
    expect(out.trajectory.toolCalls[0]?.reason).toMatch(/does not allow shell commands/);
    expect(existsSync(join(cell.ws, 'made-by-bash.txt'))).toBe(false);
    // The agent's default set is offered (Bash included, so the attempt is visible), minus the web tools.
    expect(server.agentCalls[0]?.tools).toContain('Bash');
    expect(server.agentCalls[0]?.tools).not.toContain('WebFetch');
    expect(server.agentCalls[0]?.tools).not.toContain('WebSearch');
  });
});

describe('claude-code runtime: limits', () => {
  const forever = () => ({
    rules: [
      {
        when: (ctx: TurnContext) => ctx.tools.length > 0,
        reply: (ctx: TurnContext) => ({
          toolCalls: [{ name: 'Grep', input: { pattern: `turn${ctx.turn}` } }],
        }),
      },
    ],
  });

  it('a script that never stops calling tools ends at maxTurns: a limit, not an error', async () => {
    const cell = newCell();
    server.configure(forever());
    const out = await runtime.runCell(
      input(cell, contractFirst, {
        limits: { maxTurns: 3, maxRequests: 50, wallTimeMs: 30_000 },
      }),
    );
    expect(out.error).toBeUndefined();
    expect(out.limit).toMatch(/maxTurns \(3\) reached/);
    expect(server.agentCalls).toHaveLength(3);
    expect(out.trajectory.turns).toBe(3);
  });

  it('ends at maxRequests (no request past the limit reaches the model): a limit', async () => {
    const cell = newCell();
    server.configure(forever());
    const out = await runtime.runCell(
      input(cell, contractFirst, {
        limits: { maxTurns: 20, maxRequests: 2, wallTimeMs: 30_000 },
      }),
    );
    expect(out.error).toBeUndefined();
    expect(out.limit).toMatch(/request limit \(2 model requests\) reached/);
    // runCell returned after closing the model proxy, Claude Code's only way to the model: a late request
    // could only be bytes already sent. One request of our own, answered after them, drains those.
    await (await fetch(`${server.origin}/after-the-limit`)).text();
    expect(server.requests.filter((r) => r.kind === 'messages')).toHaveLength(2);
  });

  it('ends at the wall time: a limit', async () => {
    const cell = newCell();
    // The model never answers (until the server closes): only the wall-time limit can end the cell. 8 s: time
    // for Claude Code to start and ask, even beside a CPU hog (a bound reached before asking is an error, below).
    server.configure({ ...forever(), latencyMs: 60 * 60_000 });
    const out = await runtime.runCell(
      input(cell, contractFirst, {
        limits: { maxTurns: 20, maxRequests: 50, wallTimeMs: 8_000 },
      }),
    );
    expect(out.error).toBeUndefined();
    expect(out.limit).toMatch(/wall time limit \(8000 ms\) reached/);
  });

  it('a wall time reached before Claude Code asked the model anything is an error, not a limit (as on OpenCode)', async () => {
    const cell = newCell();
    server.configure(forever());
    const before = server.requests.filter((r) => r.kind === 'messages').length;
    // 1 ms: the clock runs out while the program is still starting.
    const out = await runtime.runCell(input(cell, contractFirst, { limits: { maxTurns: 20, maxRequests: 50, wallTimeMs: 1 } }));
    expect(out.limit).toBeUndefined();
    expect(out.error).toBe('Claude Code made no model request before it was stopped: wall time limit (1 ms) reached');
    expect(server.requests.filter((r) => r.kind === 'messages').length).toBe(before);
  });
});

describe("claude-code runtime: the user's own environment never reaches the cell", () => {
  const saved = {
    HOME: process.env.HOME,
    MARKER: process.env.AGENT_EVALS_LEAK_MARKER,
  };
  afterEach(() => {
    process.env.HOME = saved.HOME;
    if (saved.MARKER === undefined) delete process.env.AGENT_EVALS_LEAK_MARKER;
    else process.env.AGENT_EVALS_LEAK_MARKER = saved.MARKER;
  });

  it("ignores the parent's HOME (settings, CLAUDE.md, agents) and environment", async () => {
    const cell = newCell();
    const userHome = join(cell.root, 'user-home');
    mkdirSync(join(userHome, '.claude', 'agents'), { recursive: true });
    writeFileSync(join(userHome, '.claude', 'CLAUDE.md'), 'USER-CLAUDE-MD-MARKER: always answer in French.\n');
    writeFileSync(
      join(userHome, '.claude', 'settings.json'),
      JSON.stringify({
        env: { USER_SETTINGS_MARKER: 'USER-SETTINGS-MARKER' },
        permissions: { allow: ['Bash(*)', 'Edit(*)'] },
        model: 'user-settings-model',
      }),
    );
    writeFileSync(
      join(userHome, '.claude', 'agents', 'user-agent.md'),
      '---\nname: user-agent-marker\ndescription: USER-AGENT-MARKER\n---\nx\n',
    );
    writeFileSync(join(userHome, '.claude.json'), JSON.stringify({ userID: 'USER-JSON-MARKER' }));
    process.env.HOME = userHome;
    process.env.AGENT_EVALS_LEAK_MARKER = 'PARENT-ENV-MARKER';

    server.configure({
      rules: script(opusExamples.systemPrompt, [
        () => ({ toolCalls: [{ name: 'Bash', input: { command: 'env' } }] }),
        () => ({ text: 'done' }),
      ]),
    });
    const out = await runtime.runCell(input(cell, opusExamples, { allowBash: true }));

    expect(out.error).toBeUndefined();
    const env = out.trajectory.toolCalls[0]?.output ?? '';
    expect(out.trajectory.toolCalls[0]?.outcome).toBe('ran');
    expect(env).toContain(`HOME=${cell.home}`);
    expect(env).not.toContain('PARENT-ENV-MARKER');
    expect(env).not.toContain('USER-SETTINGS-MARKER');
    const sent = JSON.stringify(server.requests.map((r) => r.body));
    for (const marker of [
      'USER-CLAUDE-MD-MARKER',
      'USER-SETTINGS-MARKER',
      'USER-AGENT-MARKER',
      'user-agent-marker',
      'USER-JSON-MARKER',
      'PARENT-ENV-MARKER',
      'user-settings-model',
    ]) {
      expect(sent, marker).not.toContain(marker);
    }
    // Claude Code's own state went to the cell's sandbox home, not the user's.
    expect(existsSync(join(cell.home, '.claude'))).toBe(true);
    expect(readFileSync(join(userHome, '.claude.json'), 'utf8')).toContain('USER-JSON-MARKER');
  });
});

describe('claude-code runtime: delegation', () => {
  it('delegates through the Task/Agent tool to a peer agent; the delegation and the peer’s own calls are recorded', async () => {
    const cell = newCell();
    const peer: RuntimeAgent = {
      name: 'db-reviewer',
      description: 'Reviews database schemas and queries.',
      dialect: 'claude-code',
      systemPrompt: 'You are the DB-REVIEWER peer. Review schemas for missing indexes.',
      fileText: '',
      tools: ['Read'],
      permissions: [],
    };
    const lead: RuntimeAgent = {
      ...contractFirst,
      name: 'lead',
      systemPrompt: 'You are the LEAD agent. Delegate database work.',
      tools: ['Read', 'Task'],
      peers: [peer],
    };
    const delegationTool = (ctx: TurnContext) => (ctx.tools.includes('Agent') ? 'Agent' : 'Task');
    server.configure({
      rules: [
        {
          system: 'LEAD agent',
          turn: 1,
          reply: (ctx) => ({
            toolCalls: [
              {
                name: delegationTool(ctx),
                input: {
                  subagent_type: 'db-reviewer',
                  description: 'schema review',
                  prompt: 'Check db/schema.sql for missing indexes.',
                },
              },
            ],
          }),
        },
        {
          system: 'LEAD agent',
          turn: 2,
          reply: (ctx) => ({
            text: `Lead summary: ${ctx.toolResults.at(-1)?.content.includes('orders.user_id') ? 'index orders.user_id' : 'nothing'}`,
          }),
        },
        {
          system: 'DB-REVIEWER peer',
          turn: 1,
          reply: {
            toolCalls: [
              {
                name: 'Read',
                input: { file_path: join(cell.ws, 'db/schema.sql') },
              },
            ],
          },
        },
        {
          system: 'DB-REVIEWER peer',
          turn: 2,
          reply: { text: 'Missing index on orders.user_id.' },
        },
      ],
    });
    const out = await runtime.runCell(input(cell, lead));

    expect(out.error).toBeUndefined();
    expect(out.answer).toBe('Lead summary: index orders.user_id');
    expect(out.trajectory.delegations).toEqual([
      {
        agent: 'db-reviewer',
        prompt: 'Check db/schema.sql for missing indexes.',
        callIndex: 0,
      },
    ]);
    expect(out.trajectory.toolCalls.map((c) => [c.tool, c.outcome])).toEqual([
      [expect.stringMatching(/^(Agent|Task)$/), 'ran'],
      ['Read', 'ran'],
    ]);
    expect(out.trajectory.filesRead).toEqual(['db/schema.sql']);
    expect(out.trajectory.turns).toBe(2);
    const peerCalls = server.agentCalls.filter((c) => c.system.includes('DB-REVIEWER peer'));
    expect(peerCalls).toHaveLength(2);
    expect(peerCalls[0]?.tools.filter((t) => t !== 'DeferredToolPlaceholder')).toEqual(['Read']);
  });
});

describe('claude-code runtime: the SDK is optional', () => {
  it('names the command that installs the SDK when it is missing', async () => {
    const missing = Object.assign(new Error("Cannot find package '@anthropic-ai/claude-agent-sdk'"), {
      code: 'ERR_MODULE_NOT_FOUND',
    });
    await expect(importClaudeAgentSdk(() => Promise.reject(missing))).rejects.toThrow(INSTALL_COMMAND);
    expect(INSTALL_COMMAND).toBe('npx agent-evals install-runtime claude-code');
  });
});
