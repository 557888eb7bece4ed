/**
 * The opencode runtime against the REAL OpenCode program and the streaming fake model server.
 * One runtime (one `opencode serve`) is shared by the whole file, as a run shares it across cells.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { AgentRuntime } from '../../src/shared/agent-runtime.ts';
import { createOpenCodeRuntime } from '../../src/execute/runtimes/opencode.ts';
import { type FakeOpenAIStreamServer, startFakeOpenAIStream } from '../support/fake-openai-stream-server.ts';
import { agentFromFile, cellInput, FIXTURES, openCodeMissing, SEEDS, tempCell } from './opencode-support.ts';

const missing = openCodeMissing();
if (missing) console.warn(`[opencode runtime tests] ${missing}`);

describe.skipIf(Boolean(missing))('opencode runtime (real OpenCode)', { timeout: 240_000 }, () => {
  let server: FakeOpenAIStreamServer;
  let runtime: AgentRuntime;
  beforeAll(async () => {
    server = await startFakeOpenAIStream();
    runtime = createOpenCodeRuntime({ env: process.env });
  });
  afterAll(async () => {
    await runtime?.close();
    await server?.close();
  });
  beforeEach(() => {
    server.reset();
    server.configure({ rules: [], latencyMs: 0, holdAnswer: undefined });
  });

  it('reads a workspace file, answers, and runs the variant itself with its tools map', async () => {
    using cell = tempCell({ 'README.md': '# Orders service\nREADME-SECRET-LINE-42\n' });
    const agent = agentFromFile(path.join(FIXTURES, 'reader.md'), 'reader');
    server.configure({
      rules: [
        { turn: 1, reply: { toolCalls: [{ name: 'read', arguments: { filePath: 'README.md' } }] } },
        {
          turn: 2,
          reply: (ctx) => ({ text: `The README says: ${/README-SECRET-LINE-\d+/.exec(ctx.toolResults[0]?.content ?? '')?.[0]}` }),
        },
      ],
    });
    const out = await runtime.runCell(cellInput(agent, cell, server.url));
    expect(out.error).toBeUndefined();
    expect(out.answer).toBe('The README says: README-SECRET-LINE-42');
    expect(out.trajectory).toMatchObject({
      runtime: 'opencode',
      turns: 2,
      filesRead: ['README.md'],
      delegations: [],
      workspaceDiff: '',
      filesChanged: [],
    });
    expect(out.trajectory.toolCalls).toEqual([
      expect.objectContaining({ index: 0, tool: 'read', outcome: 'ran', turn: 1, input: { filePath: 'README.md' } }),
    ]);
    expect(out.trajectory.toolCalls[0]!.output).toContain('README-SECRET-LINE-42');
    expect(out.tokens!.total).toBeGreaterThan(0);
    const first = server.agentCalls[0]!;
    expect(first.system).toContain('You are READER-VARIANT-7f3a');
    expect(first.tools).toEqual(expect.arrayContaining(['read', 'grep', 'glob']));
    for (const off of ['bash', 'edit', 'write', 'webfetch']) expect(first.tools).not.toContain(off);
    // the preparation is gone: only the scenario's file is left for the harness's diff
    expect(readdirSync(cell.workspace)).toEqual(['README.md']);
  });

  it('runs a `mode: subagent` seed as the answering agent (no silent fallback to build)', async () => {
    using cell = tempCell({ 'README.md': 'hello\n' });
    const agent = agentFromFile(path.join(SEEDS, 'opencode-reliability.md'));
    expect(agent.mode).toBe('subagent');
    server.configure({ rules: [{ reply: { text: 'reliability answer' } }] });
    const out = await runtime.runCell(cellInput(agent, cell, server.url));
    expect(out.error).toBeUndefined();
    expect(out.answer).toBe('reliability answer');
    expect(server.agentCalls[0]!.system).toContain(
      'You are a backend architect specializing in reliable, secure, and scalable server-side systems.',
    );
    expect(server.agentCalls[0]!.system).not.toMatch(/^You are opencode, an interactive CLI/);
  });

  it("records commands the variant's own `permission:` refuses as denied-by-agent (ask and deny), and runs what it allows", async () => {
    using cell = tempCell({ 'README.md': 'hello\n' });
    const seed = agentFromFile(path.join(SEEDS, 'opencode-sonnet-permissions.md'));
    server.configure({
      rules: [
        {
          turn: 1,
          reply: {
            toolCalls: [
              { name: 'bash', arguments: { command: 'git push origin main', description: 'push' } },
              { name: 'bash', arguments: { command: 'git status', description: 'status' } },
            ],
          },
        },
        { reply: { text: 'done' } },
      ],
    });
    const out = await runtime.runCell(cellInput(seed, cell, server.url, { allowBash: true }));
    expect(out.error).toBeUndefined();
    const [push, status] = out.trajectory.toolCalls;
    expect(push).toMatchObject({ tool: 'bash', input: { command: 'git push origin main' }, outcome: 'denied-by-agent' });
    expect(push!.reason).toMatch(/agent rule bash "\*": ask/);
    expect(status).toMatchObject({ tool: 'bash', input: { command: 'git status' }, outcome: 'ran' });

    const deny = agentFromFile(path.join(FIXTURES, 'deny-push.md'));
    server.reset();
    const out2 = await runtime.runCell(cellInput(deny, cell, server.url, { allowBash: true }));
    expect(out2.trajectory.toolCalls[0]).toMatchObject({ tool: 'bash', outcome: 'denied-by-agent' });
    expect(out2.trajectory.toolCalls[0]!.reason).toMatch(/git push\*.*deny/);
    expect(server.agentCalls[0]!.tools).toContain('bash');
  });

  it('refuses writes outside the workspace (../, absolute /tmp, bash touch ../) and records them as denied-by-sandbox', async () => {
    using cell = tempCell({ 'README.md': 'hello\n' }, { parentGit: true }); // the workspace sits inside a git repository, as in a run folder
    const outsideDir = mkdtempSync(path.join(tmpdir(), 'agent-evals-oc-outside-'));
    try {
      const agent = agentFromFile(path.join(FIXTURES, 'writer.md'), 'writer');
      server.configure({
        rules: [
          {
            turn: 1,
            reply: {
              toolCalls: [
                { name: 'write', arguments: { filePath: '../outside.txt', content: 'escaped' } },
                { name: 'write', arguments: { filePath: path.join(outsideDir, 'abs.txt'), content: 'escaped' } },
                { name: 'write', arguments: { filePath: path.join(cell.root, 'project-file.txt'), content: 'escaped' } },
                { name: 'bash', arguments: { command: 'touch ../outside-marker', description: 'touch' } },
                { name: 'write', arguments: { filePath: 'inside.txt', content: 'fine' } },
              ],
            },
          },
          { reply: { text: 'tried' } },
        ],
      });
      const out = await runtime.runCell(cellInput(agent, cell, server.url, { allowBash: true }));
      expect(out.error).toBeUndefined();
      const outcomes = out.trajectory.toolCalls.map((c) => [c.tool, c.outcome]);
      expect(outcomes).toEqual([
        ['write', 'denied-by-sandbox'],
        ['write', 'denied-by-sandbox'],
        ['write', 'denied-by-sandbox'],
        ['bash', 'denied-by-sandbox'],
        ['write', 'ran'],
      ]);
      expect(existsSync(path.join(cell.root, 'run', 'outside.txt'))).toBe(false);
      expect(existsSync(path.join(outsideDir, 'abs.txt'))).toBe(false);
      expect(existsSync(path.join(cell.root, 'project-file.txt'))).toBe(false);
      expect(existsSync(path.join(cell.root, 'run', 'outside-marker'))).toBe(false);
      expect(existsSync(path.join(cell.workspace, 'inside.txt'))).toBe(true);

      // bash not allowed by the scenario: offered (the agent enables it) but every call is refused by the sandbox
      server.reset();
      server.configure({
        rules: [
          { turn: 1, reply: { toolCalls: [{ name: 'bash', arguments: { command: 'ls', description: 'list' } }] } },
          { reply: { text: 'ok' } },
        ],
      });
      const noBash = await runtime.runCell(cellInput(agent, cell, server.url, { allowBash: false }));
      expect(noBash.trajectory.toolCalls[0]).toMatchObject({ tool: 'bash', outcome: 'denied-by-sandbox' });
      expect(noBash.trajectory.toolCalls[0]!.reason).toMatch(/not allowed in this scenario/);
    } finally {
      rmSync(outsideDir, { recursive: true, force: true });
    }
  });

  it('bounds a never-ending script by maxTurns, maxRequests and wall time: a limit the agent reached, not an error', async () => {
    using cell = tempCell({ 'README.md': 'hello\n' });
    const agent = agentFromFile(path.join(FIXTURES, 'reader.md'), 'reader');
    // The harness counts turns from OpenCode's event stream and aborts at the first one past a limit. The
    // double holds every answer past the limit until the cell ended: OpenCode, however far its events lag on a
    // busy machine, cannot run a turn ahead, and only the harness's abort (a limit, not the wall time) ends it.
    let cellEnded: () => void = () => {};
    const holdPast = (limit: number) => {
      const ended = new Promise<void>((resolve) => {
        cellEnded = resolve;
      });
      let calls = 0;
      return () => (++calls > limit ? ended : undefined);
    };
    server.configure({
      latencyMs: 0,
      holdAnswer: holdPast(3),
      rules: [{ reply: (ctx) => ({ toolCalls: [{ name: 'read', arguments: { filePath: `missing-${ctx.turn}.txt` } }] }) }],
    });
    const byTurns = await runtime.runCell(
      cellInput(agent, cell, server.url, { limits: { maxTurns: 3, maxRequests: 50, wallTimeMs: 30_000 } }),
    );
    cellEnded();
    expect(byTurns.error).toBeUndefined();
    expect(byTurns.limit).toMatch(/maxTurns/);
    expect(byTurns.trajectory.toolCalls.length).toBeGreaterThan(0);
    expect(server.agentCalls.length).toBeLessThanOrEqual(4);

    server.reset();
    server.configure({ holdAnswer: holdPast(2) });
    const byRequests = await runtime.runCell(
      cellInput(agent, cell, server.url, { limits: { maxTurns: 50, maxRequests: 2, wallTimeMs: 30_000 } }),
    );
    cellEnded();
    expect(byRequests.error).toBeUndefined();
    expect(byRequests.limit).toMatch(/maxRequests/);
    expect(server.agentCalls.length).toBeLessThanOrEqual(3);

    // Only the clock can end this one: every answer after the first is held until the cell ended. The clock is
    // long enough for OpenCode's first request on a busy machine (at 1.5 s, beside a CPU hog, it had made none:
    // rightly an error, "OpenCode made no model request", not a limit).
    server.reset();
    server.configure({ latencyMs: 0, holdAnswer: holdPast(1) });
    const byWall = await runtime.runCell(
      cellInput(agent, cell, server.url, { limits: { maxTurns: 50, maxRequests: 50, wallTimeMs: 8_000 } }),
    );
    cellEnded();
    expect(byWall.error).toBeUndefined();
    expect(byWall.limit).toMatch(/wall time/);
    expect(server.agentCalls.length).toBeLessThanOrEqual(2);
    server.configure({ holdAnswer: undefined });
  });

  it('runs several cells at once, each in a sandboxed server of its own (the pool grows to the cells at once), with its own variant', async () => {
    const cells = [0, 1, 2].map((i) => tempCell({ 'README.md': `content-of-workspace-${i}\n` }));
    try {
      server.configure({
        rules: [
          { turn: 1, reply: { toolCalls: [{ name: 'read', arguments: { filePath: 'README.md' } }] } },
          {
            reply: (ctx) => ({
              text: `${/VARIANT-(\d)/.exec(ctx.system)?.[0]} saw ${/content-of-workspace-\d/.exec(ctx.toolResults[0]?.content ?? '')?.[0]}`,
            }),
          },
        ],
      });
      const agents = [0, 1, 2].map((i) => ({
        ...agentFromFile(path.join(FIXTURES, 'reader.md'), 'reader'),
        fileText: agentFromFile(path.join(FIXTURES, 'reader.md')).fileText.replace('READER-VARIANT-7f3a', `VARIANT-${i}`),
      }));
      const outs = await Promise.all(cells.map((cell, i) => runtime.runCell(cellInput(agents[i]!, cell, server.url))));
      expect(outs.map((o) => o.answer)).toEqual([
        'VARIANT-0 saw content-of-workspace-0',
        'VARIANT-1 saw content-of-workspace-1',
        'VARIANT-2 saw content-of-workspace-2',
      ]);
      // One sandbox per cell running at once (one was left by the tests before, two more started), none per cell after.
      const sandboxes = () =>
        execFileSync('ps', ['-o', 'pid=,args=', '--ppid', String(process.pid)], { encoding: 'utf8' })
          .split('\n')
          .filter((l) => /^\s*\d+ bwrap .* serve --hostname 127\.0\.0\.1/.test(l));
      expect(sandboxes()).toHaveLength(3);
      await runtime.runCell(cellInput(agents[0]!, cells[0]!, server.url));
      expect(sandboxes()).toHaveLength(3);
    } finally {
      for (const c of cells) c[Symbol.dispose]();
    }
  });
});

describe.skipIf(Boolean(missing))("opencode runtime: the user's own config never loads", { timeout: 240_000 }, () => {
  it('ignores a HOME config, a global AGENTS.md and config files in parent folders', async () => {
    await using server = await startFakeOpenAIStream({ rules: [{ reply: { text: 'ok' } }] });
    const fakeHome = mkdtempSync(path.join(tmpdir(), 'agent-evals-oc-fakehome-'));
    using cell = tempCell({ 'README.md': 'hello\n' });
    try {
      const marker = 'USER-HOME-MARKER-5d1e';
      mkdirSync(path.join(fakeHome, '.config', 'opencode', 'agent'), { recursive: true });
      writeFileSync(path.join(fakeHome, '.config', 'opencode', 'AGENTS.md'), `${marker} global rules\n`);
      writeFileSync(
        path.join(fakeHome, '.config', 'opencode', 'opencode.json'),
        JSON.stringify({ instructions: ['~/x.md'], agent: { reader: { prompt: marker } } }),
      );
      writeFileSync(path.join(fakeHome, '.config', 'opencode', 'agent', 'reader.md'), `---\ndescription: x\n---\n${marker}\n`);
      writeFileSync(path.join(cell.root, 'AGENTS.md'), 'PARENT-FOLDER-MARKER-aa01\n');
      writeFileSync(path.join(cell.root, 'opencode.json'), JSON.stringify({ agent: { reader: { prompt: 'PARENT-FOLDER-MARKER-aa01' } } }));
      const runtime = createOpenCodeRuntime({ env: { ...process.env, HOME: fakeHome, XDG_CONFIG_HOME: path.join(fakeHome, '.config') } });
      try {
        const out = await runtime.runCell(cellInput(agentFromFile(path.join(FIXTURES, 'reader.md'), 'reader'), cell, server.url));
        expect(out.error).toBeUndefined();
      } finally {
        await runtime.close();
      }
      const system = server.agentCalls.map((c) => c.system).join('\n');
      expect(system).toContain('READER-VARIANT-7f3a');
      expect(system).not.toContain(marker);
      expect(system).not.toContain('PARENT-FOLDER-MARKER');
    } finally {
      rmSync(fakeHome, { recursive: true, force: true });
    }
  });
});
