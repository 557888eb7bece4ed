/**
 * Where an OpenCode cell's extra CPU goes (a profiling aid for bench/agentic.ts, not part of `npm run bench`):
 * the same 12 cells on one harness-started `opencode serve`, first as the plain script runs them (copy,
 * agent file, config, session, prompt), then adding the harness's steps one at a time. Prints the server's
 * CPU per cell for each step.
 *
 * Usage: npx tsx bench/agentic-profile.ts
 */
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAgentFile } from '../src/load/agents.ts';
import { sandboxRules } from '../src/execute/runtimes/opencode-permissions.ts';
import { resolveOpenCodeBinary } from '../src/execute/runtimes/opencode.ts';
import { startOpenCodeServer, type OpenCodeServer } from '../src/execute/runtimes/opencode-server.ts';
import { prepareWorkspace } from '../src/execute/runtimes/opencode-workspace.ts';
import { runtimeAgent } from '../src/plan/translate-agent.ts';
import { startFakeOpenAIStream, type StreamContext } from '../test/support/fake-openai-stream-server.ts';
import { treeCpu } from './process-cpu.ts';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CELLS = 12;
const STEPS = ['plain', '+git init', '+GET /agent', '+session rules', '+messages read', '+delete and dispose'] as const;

const reply = (ctx: StreamContext) =>
  ctx.turn === 1 && ctx.tools.includes('read')
    ? { toolCalls: [{ name: 'read', arguments: { filePath: 'src/routes/orders.ts' } }] }
    : { text: 'done' };

async function cell(srv: OpenCodeServer, work: string, url: string, i: number, step: number): Promise<void> {
  const variant = parseAgentFile(readFileSync(path.join(REPO, 'agents/backend-architect/opencode-reliability.md')), {
    file: 'a.md',
    id: 'backend-architect/opencode-reliability',
  }).variant!;
  const agent = runtimeAgent(variant, 'opencode');
  const ws = path.join(work, 'cells', String(i), 'workspace');
  cpSync(path.join(REPO, 'scenarios/backend-architect/workspaces/orders-api'), ws, { recursive: true });
  const keyFile = path.join(work, `key-${i}`);
  writeFileSync(keyFile, 'k');
  if (step < 1) mkdirSync(path.join(ws, '.git')); // an empty .git stops prepareWorkspace's git init
  const prepared = prepareWorkspace({ workspace: ws, agent, model: { id: 'm', apiBaseUrl: url }, apiKeyFile: keyFile });
  const directory = ws;
  const rules =
    step >= 2
      ? ((await srv.request<Array<{ name: string; permission: [] }>>('GET', '/agent', { directory })).find((a) => a.name === agent.name)
          ?.permission ?? [])
      : [];
  const body = step >= 3 ? { permission: sandboxRules(rules, { allowBash: false, toolOutputDir: path.join(work, 'tool-output') }) } : {};
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
try {
  for (const [step, name] of STEPS.entries()) {
    const srv = await startOpenCodeServer({
      binary: resolveOpenCodeBinary({ env: process.env }),
      home: path.join(work, `home-${step}`),
      allowedHosts: [],
      pathEnv: '/usr/bin:/bin',
    });
    await cell(srv, work, fake.url, 999, step); // warm: the first instance pays one-time costs
    const before = treeCpu(srv.pid).total;
    const t0 = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        while (next < CELLS) await cell(srv, work, fake.url, next++, step);
      }),
    );
    const cpu = treeCpu(srv.pid).total - before;
    console.log(
      `${name.padEnd(22)} server CPU ${(cpu / CELLS).toFixed(2)} s/cell, wall ${((performance.now() - t0) / 1000).toFixed(1)} s for ${CELLS}`,
    );
    await srv.close();
  }
} finally {
  await fake.close();
  rmSync(work, { recursive: true, force: true });
}
