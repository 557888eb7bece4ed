/**
 * The agentic line of `npm run bench -- --agentic` (issue 12): 40 cells per runtime (5 seed variants × 2
 * agentic scenarios × 4 repeats, concurrency 4) against loopback doubles answering after 200 ms, run by the
 * harness and by a plain script that drives the same program directly (agentic-plain-*.mjs). Runs are
 * interleaved (harness, plain, plain, harness, …) because the machine is shared; medians of `runs` each.
 * Also: what starting `opencode serve` costs, paid once per run here instead of once per cell.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { parseAgentFile } from '../src/load/agents.ts';
import { resolveOpenCodeBinary } from '../src/execute/runtimes/opencode.ts';
import { startOpenCodeServer } from '../src/execute/runtimes/opencode-server.ts';
import { runtimeAgent } from '../src/plan/translate-agent.ts';
import type { AgentVariant } from '../src/schema/agent.ts';
import { startFakeAnthropic, type TurnContext } from '../test/support/fake-anthropic-server.ts';
import { startFakeOpenAIStream, type StreamContext } from '../test/support/fake-openai-stream-server.ts';
import { measure, treeCpuSeconds, type Measured } from './process-cpu.ts';
import type { Measure } from './measure.ts';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CLI = path.join(REPO, 'bin', 'agent-evals.js');
const SCENARIOS = ['agentic-api-review', 'agentic-n-plus-one'];
const REPEATS = 4;
const CONCURRENCY = 4;
const LATENCY_MS = 200;
const MAX_TURNS = 12;
type Runtime = 'claude-code' | 'opencode';

/** The scripted agent: read the route, then answer (the same two turns for every cell and both runs). */
const ANSWER =
  'An N+1 query in src/routes/orders.ts; SQL injection in src/db/queries.ts; a missing order answers 200, not 404; no pagination.';
const workspaceOf = (body: unknown) => /(\/[^"\s\\]*\/cells\/[0-9a-f]+\/workspace)/.exec(JSON.stringify(body))?.[1] ?? '';
const claudeReply = (ctx: TurnContext) =>
  ctx.turn === 1 && ctx.tools.includes('Read')
    ? { toolCalls: [{ name: 'Read', input: { file_path: path.join(workspaceOf(ctx.body), 'src/routes/orders.ts') } }] }
    : { text: ANSWER };
const openCodeReply = (ctx: StreamContext) =>
  ctx.turn === 1 && ctx.tools.includes('read')
    ? { toolCalls: [{ name: 'read', arguments: { filePath: 'src/routes/orders.ts' } }] }
    : { text: ANSWER };

function seedVariants(): AgentVariant[] {
  const dir = path.join(REPO, 'agents', 'backend-architect');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.md'))
    .sort()
    .map(
      (f) =>
        parseAgentFile(readFileSync(path.join(dir, f)), {
          file: `agents/backend-architect/${f}`,
          id: `backend-architect/${f.slice(0, -3)}`,
        }).variant!,
    );
}

/** A harness project holding the seeds, the two scenarios, their examples and workspace, and one eval per runtime. */
function writeProject(root: string, urls: Record<Runtime, string>): void {
  const src = path.join(REPO, 'scenarios', 'backend-architect');
  const dst = path.join(root, 'scenarios', 'backend-architect');
  cpSync(path.join(REPO, 'agents', 'backend-architect'), path.join(root, 'agents', 'backend-architect'), { recursive: true });
  for (const s of SCENARIOS) cpSync(path.join(src, `${s}.yaml`), path.join(dst, `${s}.yaml`));
  cpSync(path.join(src, 'examples'), path.join(dst, 'examples'), { recursive: true });
  cpSync(path.join(src, 'workspaces', 'orders-api'), path.join(dst, 'workspaces', 'orders-api'), { recursive: true });
  mkdirSync(path.join(root, 'evals'), { recursive: true });
  for (const runtime of ['claude-code', 'opencode'] as const) {
    const model = { id: 'bench-model', runtime, maxTurns: MAX_TURNS, config: { apiBaseUrl: urls[runtime], apiKey: 'bench-key' } };
    const config = { scenarios: SCENARIOS, models: [model], repeats: REPEATS, concurrency: CONCURRENCY, timeoutMs: 120_000 };
    writeFileSync(path.join(root, 'evals', `${runtime}.yaml`), stringify(config));
  }
}

/** The plain script's job: the same 40 cells, each variant as its runtime gets it. */
function writeJob(file: string, runtime: Runtime, url: string, work: string): void {
  const requests = SCENARIOS.map(
    (s) => /^request: (.*)$/m.exec(readFileSync(path.join(REPO, 'scenarios', 'backend-architect', `${s}.yaml`), 'utf8'))![1]!,
  );
  const workspace = path.join(REPO, 'scenarios', 'backend-architect', 'workspaces', 'orders-api');
  const cells = seedVariants().flatMap((v) => {
    const agent = runtimeAgent(v, runtime);
    return requests.flatMap((request) => Array.from({ length: REPEATS }, () => ({ agent, request, workspace })));
  });
  const opencodeSdk = path.join(REPO, '.agent-evals', 'runtimes', 'opencode', 'node_modules', '@opencode-ai', 'sdk', 'dist', 'index.js');
  const model = { id: 'bench-model', baseUrl: url, apiKey: 'bench-key' };
  const job = {
    work,
    concurrency: CONCURRENCY,
    maxTurns: MAX_TURNS,
    model,
    cells,
    path: process.env.PATH,
    binary: resolveOpenCodeBinary({ env: process.env }),
    sdk: opencodeSdk,
  };
  writeFileSync(file, JSON.stringify(job));
}

function env(stateDir: string): NodeJS.ProcessEnv {
  const e: NodeJS.ProcessEnv = { ...process.env };
  for (const k of Object.keys(e)) if (/_API_KEY$/.test(k)) delete e[k];
  return {
    ...e,
    PROMPTFOO_CONFIG_DIR: path.join(stateDir, '.promptfoo'),
    PROMPTFOO_CACHE_PATH: path.join(stateDir, '.promptfoo-cache'),
    NO_COLOR: '1',
  };
}

/** One harness run in a fresh copy of the project (no recording or cache of an earlier run can answer). */
async function harnessRun(template: string, work: string, runtime: Runtime, n: number): Promise<Measured> {
  const root = path.join(work, `harness-${runtime}-${n}`);
  cpSync(template, root, { recursive: true });
  // bin/agent-evals.js rebuilds dist/ when src/ changed (others edit it meanwhile): build first, outside the measure.
  execFileSync(process.execPath, [CLI, '--version'], { cwd: REPO, stdio: 'ignore' });
  const run = await measure(process.execPath, [CLI, '--root', root, 'eval', '-c', `evals/${runtime}.yaml`], { cwd: REPO, env: env(root) });
  const runs = path.join(root, 'reports', 'runs');
  if (!existsSync(runs)) throw new Error(`harness ${runtime}: no run (exit ${run.code}): ${run.stderr.slice(-800)}`);
  const rows = readFileSync(path.join(runs, readdirSync(runs).sort().at(-1)!, 'results.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean);
  const errors = rows.filter((l) => l.includes('"status":"error"'));
  if (rows.length !== 40 || errors.length)
    throw new Error(
      `harness ${runtime}: ${rows.length} cells, ${errors.length} errors (exit ${run.code}): ${errors[0]?.slice(0, 400) ?? run.stderr.slice(-800)}`,
    );
  rmSync(root, { recursive: true, force: true });
  return run;
}

async function plainRun(work: string, runtime: Runtime, url: string, n: number): Promise<Measured> {
  const dir = path.join(work, `plain-${runtime}-${n}`);
  mkdirSync(dir, { recursive: true });
  writeJob(path.join(dir, 'job.json'), runtime, url, dir);
  const script = path.join(REPO, 'bench', `agentic-plain-${runtime}.mjs`);
  const run = await measure(process.execPath, [script, path.join(dir, 'job.json')], { cwd: REPO, env: env(dir) });
  const summary = JSON.parse(run.stdout.trim().split('\n').at(-1) || '{}') as { cells?: number; failed?: number; first?: string };
  if (run.code !== 0 || summary.cells !== 40 || summary.failed)
    throw new Error(`plain ${runtime}: ${JSON.stringify(summary)} (exit ${run.code}): ${run.stderr.slice(-800)}`);
  rmSync(dir, { recursive: true, force: true });
  return run;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** `opencode serve` from spawn to its event stream connected, and the CPU it spent getting there (median of 3). */
async function openCodeStartup(work: string): Promise<{ wallS: number; cpuS: number }> {
  const samples: Array<{ wallS: number; cpuS: number }> = [];
  for (let i = 0; i < 3; i++) {
    const home = mkdtempSync(path.join(work, 'oc-start-'));
    const t0 = performance.now();
    const server = await startOpenCodeServer({
      binary: resolveOpenCodeBinary({ env: process.env }),
      home,
      allowedHosts: [],
      pathEnv: '/usr/bin:/bin',
    });
    samples.push({ wallS: (performance.now() - t0) / 1000, cpuS: treeCpuSeconds(server.pid) });
    await server.close();
  }
  return { wallS: median(samples.map((s) => s.wallS)), cpuS: median(samples.map((s) => s.cpuS)) };
}

/**
 * Runs the agentic bench and returns its measures.
 * @example for (const m of await agenticBench({ runs: 3 })) console.log(m.name, m.value)
 */
export async function agenticBench(opts: {
  runs: number;
  runtimes?: readonly Runtime[];
  log?: (line: string) => void;
}): Promise<Measure[]> {
  const log = opts.log ?? (() => {});
  const work = mkdtempSync(path.join(tmpdir(), 'agent-evals-bench-agentic-'));
  const [anthropic, openai] = await Promise.all([
    startFakeAnthropic({ rules: [{ reply: claudeReply }], latencyMs: LATENCY_MS }),
    startFakeOpenAIStream({ rules: [{ reply: openCodeReply }], latencyMs: LATENCY_MS }),
  ]);
  const urls: Record<Runtime, string> = { 'claude-code': anthropic.origin, opencode: openai.url };
  try {
    const template = path.join(work, 'template');
    writeProject(template, urls);
    const out: Measure[] = [];
    for (const runtime of opts.runtimes ?? (['claude-code', 'opencode'] as const)) {
      const harness: Measured[] = [];
      const plain: Measured[] = [];
      for (let n = 0; n < opts.runs; n++) {
        // Alternate which goes first, so neither always meets the same neighbours' load.
        const order = n % 2 === 0 ? ['harness', 'plain'] : ['plain', 'harness'];
        for (const which of order) {
          const m = which === 'harness' ? await harnessRun(template, work, runtime, n) : await plainRun(work, runtime, urls[runtime], n);
          (which === 'harness' ? harness : plain).push(m);
          const split = Object.entries(m.cpuByName)
            .filter(([, s]) => s >= 0.5)
            .map(([name, s]) => `${name} ${s.toFixed(1)}`)
            .join(', ');
          log(`  ${runtime} ${which} #${n + 1}: ${m.wallS.toFixed(1)} s wall, ${m.cpuS.toFixed(1)} s CPU (${split})`);
        }
      }
      out.push(...ratios(runtime, harness, plain));
    }
    const start = await openCodeStartup(work);
    out.push({
      name: '6. opencode serve start-up (once per run)',
      value: start.wallS,
      unit: 's',
      note: `${start.cpuS.toFixed(2)} s CPU; once per cell it would be 40 × that: ${(40 * start.wallS).toFixed(0)} s wall / ${(40 * start.cpuS).toFixed(0)} s CPU for these 40 cells`,
    });
    return out;
  } finally {
    await Promise.all([anthropic.close(), openai.close()]);
    rmSync(work, { recursive: true, force: true });
  }
}

function ratios(runtime: Runtime, harness: Measured[], plain: Measured[]): Measure[] {
  const hw = median(harness.map((m) => m.wallS));
  const pw = median(plain.map((m) => m.wallS));
  const hc = median(harness.map((m) => m.cpuS));
  const pc = median(plain.map((m) => m.cpuS));
  return [
    {
      name: `6. ${runtime}: 40 cells, harness wall`,
      value: hw,
      unit: 's',
      note: `plain script ${pw.toFixed(1)} s; CPU ${hc.toFixed(1)} s vs ${pc.toFixed(1)} s`,
    },
    { name: `6. ${runtime}: harness ÷ plain (wall)`, value: hw / pw, unit: '×', target: '≤ 1.15×', pass: hw / pw <= 1.15 },
    { name: `6. ${runtime}: harness ÷ plain (CPU)`, value: hc / pc, unit: '×', target: '≤ 1.15×', pass: hc / pc <= 1.15 },
  ];
}
