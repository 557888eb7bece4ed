import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseAgentFile } from '../src/load/agents.ts';
import { resolveOpenCodeBinary } from '../src/execute/runtimes/opencode.ts';
import { runtimeAgent } from '../src/plan/translate-agent.ts';
import { startFakeOpenAIStream, type StreamContext } from '../test/support/fake-openai-stream-server.ts';
const REPO = process.cwd();
const reply = (ctx: StreamContext) => ctx.turn === 1 && ctx.tools.includes('read') ? { toolCalls: [{ name: 'read', arguments: { filePath: 'src/routes/orders.ts' } }] } : { text: 'done' };
const fake = await startFakeOpenAIStream({ rules: [{ reply }], latencyMs: 200 });
const variant = parseAgentFile(readFileSync(path.join(REPO, 'agents/backend-architect/opencode-reliability.md')), { file: 'a.md', id: 'backend-architect/opencode-reliability' }).variant!;
const agent = runtimeAgent(variant, 'opencode');
const workspace = path.join(REPO, 'scenarios/backend-architect/workspaces/orders-api');
const sdk = path.join(REPO, '.agent-evals/runtimes/opencode/node_modules/@opencode-ai/sdk/dist/index.js');
const variants = JSON.parse(process.env.VARIANTS!) as Record<string, Record<string, string>>;
for (let round = 0; round < 2; round++) for (const [name, extra] of Object.entries(variants)) {
  const work = mkdtempSync(path.join(tmpdir(), 'exp-'));
  const job = { work, concurrency: 4, servers: 4, binary: resolveOpenCodeBinary({ env: process.env }), sdk, model: { id: 'm', baseUrl: fake.url, apiKey: 'k' }, cells: Array.from({ length: 20 }, () => ({ agent, request: 'Review the HTTP API', workspace })) };
  writeFileSync(path.join(work, 'job.json'), JSON.stringify(job));
  const t0 = performance.now();
  const r = spawnSync('bash', ['-c', `TIMEFORMAT='%U %S'; time node /tmp/exp/plain.mjs ${work}/job.json`], { env: { ...process.env, EXTRA_ENV: JSON.stringify(extra) }, encoding: 'utf8' });
  const [u, s] = r.stderr.trim().split('\n').at(-1)!.split(' ').map(Number);
  console.log(name, 'CPU', (u! + s!).toFixed(1), 'wall', ((performance.now() - t0) / 1000).toFixed(1), r.stdout.trim().split('\n').at(-1));
}
await fake.close();
