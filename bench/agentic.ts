/**
 * The agentic line of `npm run bench -- --agentic` (issue 12): 40 cells per runtime (5 seed variants × 2
 * agentic scenarios × 4 repeats, concurrency 4) against loopback doubles answering after 200 ms, run
 *  - by the harness as users run it (the eval config says nothing of `sandbox:`, so every agent program runs in
 *    its bubblewrap sandbox: Claude Code one per cell, OpenCode a pool of sandboxed servers),
 *  - by the harness with `sandbox: none` in the same config (the same code, no jail): what the sandbox costs,
 *  - by a plain script that drives the same program directly (agentic-plain-*.mjs): what the harness costs.
 * Runs are interleaved (jailed, none, plain, then none, plain, jailed, …) because the machine is shared;
 * medians of `runs` each. CPU is the whole process tree's (bwrap, the sandbox's bridge, the agent programs).
 * Also: what starting `opencode serve` costs, in its sandbox and without, paid once per pooled server.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os, { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { parseAgentFile } from '../src/load/agents.ts';
import { resolveOpenCodeBinary } from '../src/execute/runtimes/opencode.ts';
import { startOpenCodeServer } from '../src/execute/runtimes/opencode-server.ts';
import { createSandbox, type SandboxKind } from '../src/execute/sandbox/jail.ts';
import { startModelProxy } from '../src/execute/sandbox/model-proxy.ts';
import { runtimeAgent } from '../src/plan/translate-agent.ts';
import type { AgentVariant } from '../src/schema/agent.ts';
import { startFakeAnthropic, type TurnContext } from '../test/support/fake-anthropic-server.ts';
import { startFakeOpenAIStream, type StreamContext } from '../test/support/fake-openai-stream-server.ts';
import { measure, treeCpuSeconds, type Measured } from './process-cpu.ts';
import type { Measure } from './measure.ts';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CLI = path.join(REPO, 'bin', 'agent-evals.js');
const SCENARIOS = ['agentic-api-review', 'agentic-n-plus-one'];
const CONCURRENCY = 4;
const LATENCY_MS = 200;
const MAX_TURNS = 12;
type Runtime = 'claude-code' | 'opencode';
/**
 * One measured way of running the cells: the harness jailed (as users run it), the harness unjailed, the plain
 * script, and (OpenCode) the plain script with one server per concurrent cell, as the harness's pool runs them.
 */
type Arm = 'jailed' | 'none' | 'plain' | 'pooled';

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

/** The eval config of a runtime and arm: `evals/claude-code.yaml` (no `sandbox:`, so bubblewrap) or `evals/claude-code-none.yaml`. */
const configOf = (runtime: Runtime, arm: Exclude<Arm, 'plain'>) => `evals/${runtime}${arm === 'none' ? '-none' : ''}.yaml`;

/**
 * A harness project holding the seeds, the two scenarios, their examples and workspace, and per runtime two
 * evals that differ only in `sandbox: none`.
 */
function writeProject(root: string, urls: Record<Runtime, string>, repeats: number): void {
  const src = path.join(REPO, 'scenarios', 'backend-architect');
  const dst = path.join(root, 'scenarios', 'backend-architect');
  cpSync(path.join(REPO, 'agents', 'backend-architect'), path.join(root, 'agents', 'backend-architect'), { recursive: true });
  for (const s of SCENARIOS) cpSync(path.join(src, `${s}.yaml`), path.join(dst, `${s}.yaml`));
  cpSync(path.join(src, 'examples'), path.join(dst, 'examples'), { recursive: true });
  cpSync(path.join(src, 'workspaces', 'orders-api'), path.join(dst, 'workspaces', 'orders-api'), { recursive: true });
  mkdirSync(path.join(root, 'evals'), { recursive: true });
  for (const runtime of ['claude-code', 'opencode'] as const) {
    const model = { id: 'bench-model', runtime, maxTurns: MAX_TURNS, config: { apiBaseUrl: urls[runtime], apiKey: 'bench-key' } };
    const config = { scenarios: SCENARIOS, models: [model], repeats, concurrency: CONCURRENCY, timeoutMs: 120_000 };
    writeFileSync(path.join(root, configOf(runtime, 'jailed')), stringify(config));
    writeFileSync(path.join(root, configOf(runtime, 'none')), stringify({ ...config, sandbox: 'none' }));
  }
}

/** The plain script's job: the same cells, each variant as its runtime gets it. */
function writeJob(file: string, runtime: Runtime, url: string, work: string, repeats: number, servers: number): void {
  const requests = SCENARIOS.map(
    (s) => /^request: (.*)$/m.exec(readFileSync(path.join(REPO, 'scenarios', 'backend-architect', `${s}.yaml`), 'utf8'))![1]!,
  );
  const workspace = path.join(REPO, 'scenarios', 'backend-architect', 'workspaces', 'orders-api');
  const cells = seedVariants().flatMap((v) => {
    const agent = runtimeAgent(v, runtime);
    return requests.flatMap((request) => Array.from({ length: repeats }, () => ({ agent, request, workspace })));
  });
  const opencodeSdk = path.join(REPO, '.agent-evals', 'runtimes', 'opencode', 'node_modules', '@opencode-ai', 'sdk', 'dist', 'index.js');
  const model = { id: 'bench-model', baseUrl: url, apiKey: 'bench-key' };
  const job = {
    work,
    concurrency: CONCURRENCY,
    servers,
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

/** A measured run, with the median of its cells' own latencies where the run reports them (the harness's). */
type Run = Measured & { cellWallS?: number };

/** One harness run in a fresh copy of the project (no recording or cache of an earlier run can answer). */
async function harnessRun(
  template: string,
  work: string,
  runtime: Runtime,
  arm: Exclude<Arm, 'plain'>,
  n: number,
  cells: number,
): Promise<Run> {
  const root = path.join(work, `harness-${runtime}-${arm}-${n}`);
  cpSync(template, root, { recursive: true });
  // bin/agent-evals.js rebuilds dist/ when src/ changed (others edit it meanwhile): build first, outside the measure.
  execFileSync(process.execPath, [CLI, '--version'], { cwd: REPO, stdio: 'ignore' });
  const run = await measure(process.execPath, [CLI, '--root', root, 'eval', '-c', configOf(runtime, arm)], { cwd: REPO, env: env(root) });
  const runs = path.join(root, 'reports', 'runs');
  if (!existsSync(runs)) throw new Error(`harness ${runtime} ${arm}: no run (exit ${run.code}): ${run.stderr.slice(-800)}`);
  const runDir = path.join(runs, readdirSync(runs).sort().at(-1)!);
  const rows = readFileSync(path.join(runDir, 'results.jsonl'), 'utf8').split('\n').filter(Boolean);
  const errors = rows.filter((l) => l.includes('"status":"error"'));
  if (rows.length !== cells || errors.length)
    throw new Error(
      `harness ${runtime} ${arm}: ${rows.length} cells, ${errors.length} errors (exit ${run.code}): ${errors[0]?.slice(0, 400) ?? run.stderr.slice(-800)}`,
    );
  // The run must have run as configured: meta.json names the sandbox the agents ran in.
  const meta = JSON.parse(readFileSync(path.join(runDir, 'meta.json'), 'utf8')) as { sandbox?: SandboxKind };
  const expected: SandboxKind = arm === 'none' ? 'none' : 'bubblewrap';
  if (meta.sandbox !== expected) throw new Error(`harness ${runtime} ${arm}: meta.json says sandbox ${meta.sandbox}, expected ${expected}`);
  const latencies = rows.map((l) => (JSON.parse(l) as { latencyMs?: number }).latencyMs).filter((x): x is number => typeof x === 'number');
  rmSync(root, { recursive: true, force: true });
  return { ...run, ...(latencies.length === cells ? { cellWallS: median(latencies) / 1000 } : {}) };
}

async function plainRun(work: string, runtime: Runtime, url: string, n: number, repeats: number, cells: number, servers = 1): Promise<Run> {
  const dir = path.join(work, `plain-${runtime}-${servers}-${n}`);
  mkdirSync(dir, { recursive: true });
  writeJob(path.join(dir, 'job.json'), runtime, url, dir, repeats, servers);
  const script = path.join(REPO, 'bench', `agentic-plain-${runtime}.mjs`);
  const run = await measure(process.execPath, [script, path.join(dir, 'job.json')], { cwd: REPO, env: env(dir) });
  const summary = JSON.parse(run.stdout.trim().split('\n').at(-1) || '{}') as { cells?: number; failed?: number; first?: string };
  if (run.code !== 0 || summary.cells !== cells || summary.failed)
    throw new Error(`plain ${runtime}: ${JSON.stringify(summary)} (exit ${run.code}): ${run.stderr.slice(-800)}`);
  rmSync(dir, { recursive: true, force: true });
  return run;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/**
 * `opencode serve` from spawn to its event stream connected, and the CPU its process tree spent getting there
 * (median of 3), started as the harness starts each server of its pool: in a sandbox of `kind`, its model
 * proxy listening.
 */
async function openCodeStartup(work: string, kind: SandboxKind): Promise<{ wallS: number; cpuS: number }> {
  const sandbox = createSandbox({ kind, hidden: [os.homedir(), REPO] });
  const samples: Array<{ wallS: number; cpuS: number }> = [];
  for (let i = 0; i < 3; i++) {
    const dir = mkdtempSync(path.join(work, `oc-start-${kind}-`));
    const workRoot = path.join(dir, 'work');
    mkdirSync(workRoot);
    const ctl = mkdtempSync(path.join(tmpdir(), 'agent-evals-bench-'));
    mkdirSync(path.join(ctl, 'model'));
    const modelSocket = path.join(ctl, 'model', 'model.sock');
    const proxy = await startModelProxy(kind === 'none' ? {} : { socket: modelSocket });
    const t0 = performance.now();
    const server = await startOpenCodeServer({
      binary: resolveOpenCodeBinary({ env: process.env }),
      home: path.join(dir, 'home'),
      workRoot,
      ctl,
      modelSocket,
      modelPort: 41001,
      pathEnv: '/usr/bin:/bin',
      sandbox,
    });
    // The tree the harness spawned: bwrap and everything in its sandbox (bridge, server), or the server alone.
    samples.push({ wallS: (performance.now() - t0) / 1000, cpuS: treeCpuSeconds(server.jailed.child.pid!) });
    await server.close();
    await proxy.close();
    rmSync(ctl, { recursive: true, force: true });
  }
  return { wallS: median(samples.map((s) => s.wallS)), cpuS: median(samples.map((s) => s.cpuS)) };
}

/**
 * Runs the agentic bench and returns its measures. `repeats` per variant × scenario (default 4: 40 cells per
 * runtime); `skip` leaves out `plain` (harness ÷ plain), `none` (the sandbox's cost) or `startup`.
 * @example for (const m of await agenticBench({ runs: 3 })) console.log(m.name, m.value)
 */
export async function agenticBench(opts: {
  runs: number;
  repeats?: number;
  runtimes?: readonly Runtime[];
  skip?: ReadonlySet<string>;
  log?: (line: string) => void;
}): Promise<Measure[]> {
  const log = opts.log ?? (() => {});
  const repeats = opts.repeats ?? 4;
  const cells = seedVariants().length * SCENARIOS.length * repeats;
  const allArms = ['jailed', 'none', 'plain', 'pooled'] as const;
  const work = mkdtempSync(path.join(tmpdir(), 'agent-evals-bench-agentic-'));
  const [anthropic, openai] = await Promise.all([
    startFakeAnthropic({ rules: [{ reply: claudeReply }], latencyMs: LATENCY_MS }),
    startFakeOpenAIStream({ rules: [{ reply: openCodeReply }], latencyMs: LATENCY_MS }),
  ]);
  const urls: Record<Runtime, string> = { 'claude-code': anthropic.origin, opencode: openai.url };
  try {
    const template = path.join(work, 'template');
    writeProject(template, urls, repeats);
    const out: Measure[] = [];
    for (const runtime of opts.runtimes ?? (['claude-code', 'opencode'] as const)) {
      // `pooled` only where the harness pools servers (OpenCode); Claude Code starts one process per cell either way.
      const arms = allArms.filter((a) => a === 'jailed' || (!opts.skip?.has(a) && (a !== 'pooled' || runtime === 'opencode')));
      const runs: Record<Arm, Run[]> = { jailed: [], none: [], plain: [], pooled: [] };
      for (let n = 0; n < opts.runs; n++) {
        // Rotate which goes first, so none always meets the same neighbours' load.
        const order = [...arms.slice(n % arms.length), ...arms.slice(0, n % arms.length)];
        for (const arm of order) {
          const m =
            arm === 'plain' || arm === 'pooled'
              ? await plainRun(work, runtime, urls[runtime], n, repeats, cells, arm === 'pooled' ? CONCURRENCY : 1)
              : await harnessRun(template, work, runtime, arm, n, cells);
          runs[arm].push(m);
          const split = Object.entries(m.cpuByName)
            .filter(([, s]) => s >= 0.5)
            .map(([name, s]) => `${name} ${s.toFixed(1)}`)
            .join(', ');
          const cellWall = m.cellWallS === undefined ? '' : `, cell median ${m.cellWallS.toFixed(2)} s`;
          const left = m.leftovers ? `, ${m.leftovers} process(es) still running 10 s after the exit, killed` : '';
          log(
            `  ${runtime} ${arm.padEnd(6)} #${n + 1}: ${m.wallS.toFixed(1)} s wall, ${m.cpuS.toFixed(1)} s CPU (${m.cpuSource}; reaped ${m.rusageS.toFixed(1)} s)${cellWall}${left} (own CPU by name: ${split}) load ${loadavg()}`,
          );
        }
      }
      if (runs.plain.length) out.push(...harnessVsPlain(runtime, cells, runs.jailed, runs.plain));
      if (runs.pooled.length) out.push(...harnessVsPooled(runtime, runs.jailed, runs.pooled));
      if (runs.none.length) out.push(...sandboxCost(runtime, cells, runs.jailed, runs.none));
    }
    if (!opts.skip?.has('startup') && (opts.runtimes ?? ['opencode']).includes('opencode')) {
      const jailed = await openCodeStartup(work, 'bubblewrap');
      const none = await openCodeStartup(work, 'none');
      out.push({
        name: '6. opencode serve start-up, jailed',
        value: jailed.wallS,
        unit: 's',
        note: `${jailed.cpuS.toFixed(2)} s CPU; sandbox: none ${none.wallS.toFixed(2)} s, ${none.cpuS.toFixed(2)} s CPU; paid once per pooled server (${CONCURRENCY} per run here), not once per cell (${cells} × ${jailed.cpuS.toFixed(1)} = ${(cells * jailed.cpuS).toFixed(0)} s CPU)`,
      });
    }
    return out;
  } finally {
    await Promise.all([anthropic.close(), openai.close()]);
    rmSync(work, { recursive: true, force: true });
  }
}

/** The load average and the machine's task count now (`/proc/loadavg`: a fork bomb elsewhere shows in the count). */
const loadavg = () => {
  try {
    const [l1, l5, l15, tasks] = readFileSync('/proc/loadavg', 'utf8').split(' ');
    return `${l1} ${l5} ${l15}, tasks ${tasks?.split('/')[1]}`;
  } catch {
    return os.loadavg().join(' ');
  }
};

function harnessVsPlain(runtime: Runtime, cells: number, harness: Run[], plain: Run[]): Measure[] {
  const hw = median(harness.map((m) => m.wallS));
  const pw = median(plain.map((m) => m.wallS));
  const hc = median(harness.map((m) => m.cpuS));
  const pc = median(plain.map((m) => m.cpuS));
  return [
    {
      name: `6. ${runtime}: ${cells} cells, harness wall`,
      value: hw,
      unit: 's',
      note: `plain script ${pw.toFixed(1)} s; CPU ${hc.toFixed(1)} s vs ${pc.toFixed(1)} s`,
    },
    { name: `6. ${runtime}: harness ÷ plain (wall)`, value: hw / pw, unit: '×', target: '≤ 1.15×', pass: hw / pw <= 1.15 },
    { name: `6. ${runtime}: harness ÷ plain (CPU)`, value: hc / pc, unit: '×', target: '≤ 1.15×', pass: hc / pc <= 1.15 },
  ];
}

/**
 * The harness against the plain script running one server per concurrent cell, as the harness must to keep
 * cells apart (one server would let a cell's tools reach another cell's copy): what the harness itself adds,
 * beyond the cost of that isolation. Reported, not a target of the issue.
 */
function harnessVsPooled(runtime: Runtime, harness: Run[], pooled: Run[]): Measure[] {
  const hc = median(harness.map((m) => m.cpuS));
  const pc = median(pooled.map((m) => m.cpuS));
  const hw = median(harness.map((m) => m.wallS));
  const pw = median(pooled.map((m) => m.wallS));
  return [
    {
      name: `6. ${runtime}: harness ÷ plain with one server per concurrent cell (CPU)`,
      value: hc / pc,
      unit: '×',
      note: `CPU ${hc.toFixed(1)} s vs ${pc.toFixed(1)} s; wall ${hw.toFixed(1)} s vs ${pw.toFixed(1)} s (${(hw / pw).toFixed(2)}×)`,
    },
  ];
}

/**
 * The sandbox's own cost: the same harness runs jailed and with `sandbox: none`. Ratios of the medians, the
 * paired ratios of the interleaved runs (run n jailed ÷ run n none) as their spread, and the difference per cell.
 */
function sandboxCost(runtime: Runtime, cells: number, jailed: Run[], none: Run[]): Measure[] {
  const jw = median(jailed.map((m) => m.wallS));
  const nw = median(none.map((m) => m.wallS));
  const jc = median(jailed.map((m) => m.cpuS));
  const nc = median(none.map((m) => m.cpuS));
  const paired = (f: (m: Run) => number) => {
    const r = jailed.map((m, i) => f(m) / f(none[i]!)).sort((a, b) => a - b);
    return r.length > 1 ? `; paired runs ${r.map((x) => x.toFixed(2)).join(', ')}×` : '';
  };
  const cellWall = jailed.every((m) => m.cellWallS !== undefined) && none.every((m) => m.cellWallS !== undefined);
  const jcw = cellWall ? median(jailed.map((m) => m.cellWallS!)) : Number.NaN;
  const ncw = cellWall ? median(none.map((m) => m.cellWallS!)) : Number.NaN;
  const out: Measure[] = [
    {
      name: `6. ${runtime}: ${cells} cells, sandbox: none wall`,
      value: nw,
      unit: 's',
      note: `jailed ${jw.toFixed(1)} s; CPU ${nc.toFixed(1)} s none vs ${jc.toFixed(1)} s jailed`,
    },
    {
      name: `6. ${runtime}: jailed ÷ none (CPU)`,
      value: jc / nc,
      unit: '×',
      target: '≤ 1.05×',
      pass: jc / nc <= 1.05,
      note: `${fmtSigned((jc - nc) / cells)} s CPU per cell${paired((m) => m.cpuS)}`,
    },
    {
      name: `6. ${runtime}: jailed ÷ none (wall)`,
      value: jw / nw,
      unit: '×',
      target: '≤ 1.05×',
      pass: jw / nw <= 1.05,
      note: `${fmtSigned((jw - nw) / cells)} s per cell of the run's wall${paired((m) => m.wallS)}`,
    },
  ];
  if (cellWall)
    out.push({
      name: `6. ${runtime}: jailed ÷ none (cell latency)`,
      value: jcw / ncw,
      unit: '×',
      target: '≤ 1.05×',
      pass: jcw / ncw <= 1.05,
      note: `median cell ${jcw.toFixed(2)} s vs ${ncw.toFixed(2)} s (${fmtSigned(jcw - ncw)} s)${paired((m) => m.cellWallS!)}`,
    });
  return out;
}

const fmtSigned = (x: number) => `${x >= 0 ? '+' : '−'}${Math.abs(x).toFixed(2)}`;
