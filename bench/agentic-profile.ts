/**
 * Where an OpenCode cell's extra CPU goes (a profiling aid for bench/agentic.ts, not part of `npm run bench`):
 * the same 12 cells on one harness-started `opencode serve` in its sandbox, first as the plain script runs
 * them (copy, agent file, config, session, prompt), then adding the harness's steps one at a time. Prints the
 * CPU per cell of the server's whole process tree (bwrap, the sandbox's bridge, the server and what it
 * starts; with `none`, the server and its children) for each step.
 *
 * Usage: npx tsx bench/agentic-profile.ts [bubblewrap|none]   (default bubblewrap, as the harness runs)
 */
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os, { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAgentFile } from '../src/load/agents.ts';
import { sandboxRules } from '../src/execute/runtimes/opencode-permissions.ts';
import { resolveOpenCodeBinary } from '../src/execute/runtimes/opencode.ts';
import { startOpenCodeServer, type OpenCodeServer } from '../src/execute/runtimes/opencode-server.ts';
import { prepareWorkspace } from '../src/execute/runtimes/opencode-workspace.ts';
import { createSandbox, type SandboxKind } from '../src/execute/sandbox/jail.ts';
import { PLACEHOLDER_KEY, startModelProxy } from '../src/execute/sandbox/model-proxy.ts';
import { runtimeAgent } from '../src/plan/translate-agent.ts';
import { startFakeOpenAIStream, type StreamContext } from '../test/support/fake-openai-stream-server.ts';
import { treeCpu } from './process-cpu.ts';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CELLS = 12;
const STEPS = ['plain', '+git init', '+GET /agent', '+session rules', '+messages read', '+delete and dispose'] as const;
/** The loopback port inside the sandbox where OpenCode finds its model (as the runtime's MODEL_PORT). */
const MODEL_PORT = 41001;
const kind: SandboxKind = process.argv[2] === 'none' ? 'none' : 'bubblewrap';

const reply = (ctx: StreamContext) =>
  ctx.turn === 1 && ctx.tools.includes('read')
    ? { toolCalls: [{ name: 'read', arguments: { filePath: 'src/routes/orders.ts' } }] }
    : { text: 'done' };

/** One cell; its workspace copy lies in `workRoot`, the folder the server's sandbox may write. */
async function cell(srv: OpenCodeServer, workRoot: string, modelUrl: string, i: number, step: number): Promise<void> {
  const variant = parseAgentFile(readFileSync(path.join(REPO, 'agents/backend-architect/opencode-reliability.md')), {
    file: 'a.md',
    id: 'backend-architect/opencode-reliability',
  }).variant!;
  const agent = runtimeAgent(variant, 'opencode');
  const ws = path.join(workRoot, 'cells', String(i), 'workspace');
  cpSync(path.join(REPO, 'scenarios/backend-architect/workspaces/orders-api'), ws, { recursive: true });
  if (step < 1) mkdirSync(path.join(ws, '.git')); // an empty .git stops prepareWorkspace's git init
  const prepared = prepareWorkspace({ workspace: ws, agent, model: { id: 'm', apiBaseUrl: modelUrl }, apiKey: PLACEHOLDER_KEY });
  const directory = ws;
  const rules =
    step >= 2
      ? ((await srv.request<Array<{ name: string; permission: [] }>>('GET', '/agent', { directory })).find((a) => a.name === agent.name)
          ?.permission ?? [])
      : [];
  const toolOutputDir = path.join(path.dirname(workRoot), 'home', '.local', 'share', 'opencode', 'tool-output');
  const body = step >= 3 ? { permission: sandboxRules(rules, { allowBash: false, toolOutputDir }) } : {};
  const session = await srv.request<{ id: string }>('POST', '/session', { directory, body });
  await srv.request('POST', `/session/${session.id}/message`, {
    directory,
    body: { agent: agent.name, model: { providerID: 'agent-evals', modelID: 'm' }, parts: [{ type: 'text', text: 'Review the HTTP API' }] },
  });
  if (step >= 4) await srv.request('GET', `/session/${session.id}/message`, { directory });
  if (step >= 5) {
    await srv.request('DELETE', `/session/${session.id}`, { directory });
    await srv.request('POST', '/instance/dispose', { directory });
  }
  prepared.cleanup();
  rmSync(path.dirname(ws), { recursive: true, force: true });
}

const fake = await startFakeOpenAIStream({ rules: [{ reply }] });
const work = mkdtempSync(path.join(tmpdir(), 'agent-evals-profile-'));
const sandbox = createSandbox({ kind, hidden: [os.homedir(), REPO] });
console.log(`sandbox: ${kind}`);
try {
  for (const [step, name] of STEPS.entries()) {
    const dir = path.join(work, `server-${step}`);
    const workRoot = path.join(dir, 'work');
    mkdirSync(workRoot, { recursive: true });
    // The sockets' folder short (a socket path has ≈ 100 bytes), as the runtime makes it.
    const ctl = mkdtempSync(path.join(tmpdir(), 'agent-evals-prof-'));
    mkdirSync(path.join(ctl, 'model'));
    const modelSocket = path.join(ctl, 'model', 'model.sock');
    const proxy = await startModelProxy(kind === 'none' ? {} : { socket: modelSocket });
    proxy.route({ baseUrl: fake.url, apiKey: 'k' });
    const modelUrl = `${kind === 'none' ? proxy.address : `http://127.0.0.1:${MODEL_PORT}`}${new URL(fake.url).pathname}`;
    const srv = await startOpenCodeServer({
      binary: resolveOpenCodeBinary({ env: process.env }),
      home: path.join(dir, 'home'),
      workRoot,
      ctl,
      modelSocket,
      modelPort: MODEL_PORT,
      pathEnv: '/usr/bin:/bin',
      sandbox,
    });
    // The tree the harness spawned: bwrap and everything in its sandbox (a superset of srv.jailed.processes()).
    const root = srv.jailed.child.pid!;
    await cell(srv, workRoot, modelUrl, 999, step); // warm: the first instance pays one-time costs
    const before = treeCpu(root).total;
    const t0 = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        while (next < CELLS) await cell(srv, workRoot, modelUrl, next++, step);
      }),
    );
    const cpu = treeCpu(root).total - before;
    console.log(
      `${name.padEnd(22)} server CPU ${(cpu / CELLS).toFixed(2)} s/cell, wall ${((performance.now() - t0) / 1000).toFixed(1)} s for ${CELLS}`,
    );
    await srv.close();
    await proxy.close();
    rmSync(ctl, { recursive: true, force: true });
  }
} finally {
  await fake.close();
  rmSync(work, { recursive: true, force: true });
}
