/**
 * The plain baseline for the agentic bench (opencode): one `opencode serve` (or, with `servers`, that many: one
 * per concurrent cell, as the harness's isolation between cells requires) and `@opencode-ai/sdk` sessions, with no harness — each cell in a fresh copy of its workspace holding the variant's agent file and an
 * `opencode.json` for the model server, `concurrency` cells at a time. What OpenCode needs to run offline is
 * done here too (the plugin-install stub, snapshots off, as the harness does), nothing else. Plain
 * JavaScript, run with plain `node`, so no loader's start-up is counted against it.
 *
 * Usage: node bench/agentic-plain-opencode.mjs <job.json>
 * job: { work, concurrency, servers?, binary, sdk, model: { id, baseUrl, apiKey }, cells: [{ agent: { name, fileText }, request, workspace }] }
 */
import { spawn } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const job = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const { createOpencodeClient } = await import(pathToFileURL(job.sdk).href);
const PROVIDER = 'bench';

/** OpenCode runs `npm install @opencode-ai/plugin` in each config folder unless this is present (offline). */
function stubPluginInstall(dir) {
  mkdirSync(path.join(dir, 'node_modules'), { recursive: true });
  writeFileSync(path.join(dir, 'package-lock.json'), JSON.stringify({ packages: { '': { dependencies: { '@opencode-ai/plugin': '*' } } } }));
}

function startServer(k) {
  const home = path.join(job.work, `home-${k}`);
  stubPluginInstall(path.join(home, '.config', 'opencode'));
  const child = spawn(job.binary, ['serve', '--hostname=127.0.0.1', '--port=0'], {
    cwd: home,
    // OpenCode's switches for running offline, as the harness sets them (without them it reaches for the network).
    env: {
      PATH: '/usr/local/bin:/usr/bin:/bin',
      HOME: home,
      OPENCODE_DISABLE_AUTOUPDATE: '1',
      OPENCODE_DISABLE_SHARE: '1',
      OPENCODE_DISABLE_MODELS_FETCH: '1',
      OPENCODE_DISABLE_LSP_DOWNLOAD: '1',
      OPENCODE_DISABLE_DEFAULT_PLUGINS: '1',
      OPENCODE_DISABLE_EXTERNAL_SKILLS: '1',
      OPENCODE_DISABLE_EMBEDDED_WEB_UI: '1',
      OPENCODE_PURE: '1',
      OPENCODE_EXPERIMENTAL_DISABLE_FILEWATCHER: '1',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    const onData = (d) => {
      out += d;
      const m = /opencode server listening on (http:\/\/\S+)/.exec(out);
      if (m) resolve({ url: m[1], child });
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => reject(new Error(`opencode serve exited ${code}: ${out.slice(-500)}`)));
  });
}

function config() {
  const ref = `${PROVIDER}/${job.model.id}`;
  return {
    share: 'disabled',
    autoupdate: false,
    snapshot: false,
    model: ref,
    small_model: ref,
    provider: {
      [PROVIDER]: {
        npm: '@ai-sdk/openai-compatible',
        options: { baseURL: job.model.baseUrl, apiKey: job.model.apiKey },
        models: { [job.model.id]: { name: job.model.id } },
      },
    },
  };
}

async function runCell(client, cell, i) {
  const workspace = path.join(job.work, 'cells', String(i), 'workspace');
  cpSync(cell.workspace, workspace, { recursive: true });
  stubPluginInstall(path.join(workspace, '.opencode'));
  mkdirSync(path.join(workspace, '.opencode', 'agent'), { recursive: true });
  writeFileSync(path.join(workspace, '.opencode', 'agent', `${cell.agent.name}.md`), cell.agent.fileText);
  writeFileSync(path.join(workspace, 'opencode.json'), JSON.stringify(config()));
  const session = await client.session.create({ query: { directory: workspace } });
  const answer = await client.session.prompt({
    path: { id: session.data.id },
    query: { directory: workspace },
    body: { agent: cell.agent.name, model: { providerID: PROVIDER, modelID: job.model.id }, parts: [{ type: 'text', text: cell.request }] },
  });
  rmSync(path.dirname(workspace), { recursive: true, force: true });
  return answer.data?.info?.error ? `error: ${JSON.stringify(answer.data.info.error).slice(0, 200)}` : answer.error ? 'error' : 'ok';
}

const servers = await Promise.all(Array.from({ length: job.servers ?? 1 }, (_, k) => startServer(k)));
const clients = servers.map((s) => createOpencodeClient({ baseUrl: s.url }));
const outcomes = [];
let next = 0;
try {
  await Promise.all(
    Array.from({ length: job.concurrency }, async (_, slot) => {
      while (next < job.cells.length) {
        const i = next++;
        outcomes[i] = await runCell(clients[slot % clients.length], job.cells[i], i);
      }
    }),
  );
} finally {
  await Promise.all(
    servers.map((s) => {
      const exited = new Promise((r) => s.child.once('exit', r));
      s.child.kill('SIGTERM');
      return exited;
    }),
  );
}
const failed = outcomes.filter((o) => o !== 'ok');
console.log(JSON.stringify({ cells: outcomes.length, failed: failed.length, first: failed[0] }));
