/**
 * `npm run bench` (issue 7): measures, in one run on this machine, the figures the README's
 * Performance section quotes, prints them with their targets, and writes reports/bench.json.
 *
 *  1. harness overhead: 5 variants × 2 models × 10 scenarios × 3 repeats = 300 calls to the fake
 *     OpenAI server (its own process) answering in 200 ms, concurrency 16: wall ÷ ideal
 *     ceil(300/16) × 0.2 s, and wall ÷ plain `promptfoo eval` on an equivalent config, both with
 *     start-up and "after start-up" (wall minus the time to the first model call);
 *  2. start-up: process spawn → first chat request seen by the server;
 *  3. report: index.html from 1,000 history runs + a 300-cell run, rendered directly; 3b. the same
 *     build from 1,000 runs × 1,000 aggregates (bench/report-scale.ts);
 *  4. memory: peak RSS (VmHWM) of a 10,000-cell and a 100,000-cell run, zero latency, short answers,
 *     and their ratio (memory must not grow with the number of cells);
 *  5. replay: a 300-cell `eval --replay` run;
 *  7. start-up from the package: the tarball installed in a scratch repository ÷ this repository, `--help`
 *     and `eval --dry-run`, wall and CPU (bench/pack-startup.ts; ≈ 6 min; BENCH_PACK_RUNS, default 5).
 *
 * Options (environment): BENCH_SKIP=memory,memory100k,peer,report-scale… to leave parts out (memory100k: only the
 * large run, ≈ 9 min on 2 CPUs); BENCH_MEMORY_CELLS (default 10000) and BENCH_MEMORY_LARGE_CELLS
 * (default 10 × that) for smaller runs while developing.
 * `npm run bench -- --pack` measures only 7.; BENCH_SKIP=pack leaves it out.
 * `npm run bench -- --agentic` measures only the agent runtimes (6., bench/agentic.ts: ≈ 13 min on 2 busy CPUs by default);
 * BENCH_AGENTIC_RUNS (default 3) interleaved runs of each arm (harness jailed, harness `sandbox: none`, plain script)
 * per runtime; BENCH_AGENTIC_REPEATS (default 4: 40 cells per runtime) repeats per variant × scenario;
 * BENCH_AGENTIC_RUNTIMES=opencode for one; BENCH_SKIP=plain (harness ÷ plain), none (jailed ÷ none), startup.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { historySizeBench } from './history-size.ts';
import { packStartupBench } from './pack-startup.ts';
import { reportScaleBench } from './report-scale.ts';
import { childEnv, type Measure } from './measure.ts';
import { CONCURRENCY, PROMPTS, writeHarnessProject } from './bench-project.ts';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const NODE = process.execPath;
const CLI = path.join(REPO, 'bin', 'agent-evals.js');
const PROMPTFOO = path.join(REPO, 'node_modules', '.bin', 'promptfoo');
const FAKE_CLI = path.join(REPO, 'test', 'support', 'fake-openai-cli.ts');
const SKIP = new Set((process.env.BENCH_SKIP ?? '').split(',').filter(Boolean));
const LATENCY_MS = 200;
const ANSWER = 'Refunds take 5 days. Contact support with the order number.';

const measures: Measure[] = [];
const record = (m: Measure) => {
  measures.push(m);
  const verdict = m.pass === undefined ? '' : m.pass ? 'PASS' : 'MISS';
  console.log(
    `${m.name.padEnd(44)} ${`${round(m.value)} ${m.unit}`.padEnd(14)} ${(m.target ?? '').padEnd(12)} ${verdict}${m.note ? `  (${m.note})` : ''}`,
  );
};
const round = (n: number) => (Math.abs(n) >= 100 ? n.toFixed(0) : n.toFixed(2));

// ---------------------------------------------------------------------------------------------
// Processes
// ---------------------------------------------------------------------------------------------

interface Timed {
  code: number | null;
  wallMs: number;
  spawnedAt: number;
  peakRssMb: number;
  stdout: string;
  stderr: string;
}

/** Peak RSS of a process (VmHWM), read from /proc; 0 where /proc is not available. */
function vmHwmMb(pid: number): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

/** Runs a command to completion, timing it from spawn and polling its peak RSS. */
function timed(cmd: string, args: string[], opts: { cwd: string; env: NodeJS.ProcessEnv }): Promise<Timed> {
  return new Promise((resolve, reject) => {
    const spawnedAt = Date.now();
    const t0 = performance.now();
    const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let peak = 0;
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const poll = setInterval(() => (peak = Math.max(peak, vmHwmMb(child.pid!))), 50);
    child.on('error', reject);
    // 'exit' fires before the zombie is reaped: read VmHWM one last time there.
    child.on('exit', () => (peak = Math.max(peak, vmHwmMb(child.pid!))));
    child.on('close', (code) => {
      clearInterval(poll);
      resolve({ code, wallMs: performance.now() - t0, spawnedAt, peakRssMb: peak, stdout, stderr });
    });
  });
}

/** The harness CLI as users run it (bin/agent-evals.js, one process), so the pid polled is the one working. */
function harness(root: string, args: string[], env: NodeJS.ProcessEnv): Promise<Timed> {
  return timed(NODE, [CLI, '--root', root, ...args], { cwd: REPO, env });
}

interface FakeServer {
  url: string;
  origin: string;
  child: ChildProcess;
  calls(): Promise<Array<{ kind: string; startedAt: number }>>;
  reset(): Promise<void>;
  stop(): Promise<void>;
}

async function startFake(args: string[]): Promise<FakeServer> {
  const child = spawn(NODE, ['--import', 'tsx', FAKE_CLI, ...args], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
  const url = await new Promise<string>((resolve, reject) => {
    let buf = '';
    child.stdout!.on('data', (d) => {
      buf += d;
      const line = buf.split('\n')[0];
      if (buf.includes('\n') && line) resolve(line.trim());
    });
    child.on('exit', (code) => reject(new Error(`fake server exited (${code})`)));
  });
  const origin = url.replace(/\/v1$/, '');
  return {
    url,
    origin,
    child,
    calls: async () => (await (await fetch(`${origin}/__fake/calls`)).json()) as Array<{ kind: string; startedAt: number }>,
    reset: async () => void (await fetch(`${origin}/__fake/reset`, { method: 'POST' })),
    stop: () =>
      new Promise((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/** ms from spawn to the first agent (chat) request at the server. */
async function startupMs(server: FakeServer, spawnedAt: number): Promise<number> {
  const first = (await server.calls()).filter((c) => c.kind === 'chat').reduce((min, c) => Math.min(min, c.startedAt), Infinity);
  return first - spawnedAt;
}

// ---------------------------------------------------------------------------------------------
// Projects
// ---------------------------------------------------------------------------------------------

/** The same matrix as plain promptfoo: 5 prompts × 2 providers × 10 tests, `--repeat 3` on the CLI. */
function writePromptfooConfig(dir: string, url: string): string {
  const file = path.join(dir, 'promptfooconfig.yaml');
  const config = {
    description: 'bench: plain promptfoo on the same matrix',
    prompts: PROMPTS.map((p, i) => ({
      label: `v${i + 1}`,
      raw: JSON.stringify([
        { role: 'system', content: p },
        { role: 'user', content: '{{request}}' },
      ]),
    })),
    providers: ['m1', 'm2'].map((m) => ({ id: `openai:chat:${m}`, config: { apiBaseUrl: url, apiKey: 'bench-key' } })),
    tests: Array.from({ length: 10 }, (_, i) => ({
      vars: { request: `How long does a refund take for order ${i + 1}?` },
      assert: [{ type: 'icontains', value: 'refund' }],
    })),
  };
  writeFileSync(file, stringify(config));
  return file;
}

// ---------------------------------------------------------------------------------------------
// The benchmarks
// ---------------------------------------------------------------------------------------------

const work = mkdtempSync(path.join(tmpdir(), 'agent-evals-bench-'));

async function overheadStartupReplay(): Promise<void> {
  const server = await startFake(['--latency', String(LATENCY_MS), '--default-reply', ANSWER]);
  try {
    const idealMs = Math.ceil(300 / CONCURRENCY) * LATENCY_MS;
    const root = path.join(work, 'harness');
    writeHarnessProject(root, { url: server.url, scenarios: 10, repeats: 3 });
    const env = childEnv(root);

    const run = await harness(root, ['eval'], env);
    if (run.code !== 0) throw new Error(`harness eval exited ${run.code}:\n${run.stderr.slice(-2000)}`);
    const chat = (await server.calls()).filter((c) => c.kind === 'chat').length;
    if (chat !== 300) throw new Error(`expected 300 chat calls, the server saw ${chat}`);
    const startup = await startupMs(server, run.spawnedAt);
    const after = run.wallMs - startup;
    record({
      name: '1. harness wall (300 calls, 200 ms, -j 16)',
      value: run.wallMs / 1000,
      unit: 's',
      note: `ideal ${idealMs / 1000} s, peak RSS ${run.peakRssMb.toFixed(0)} MiB`,
    });
    record({
      name: '1. harness ÷ ideal (whole process)',
      value: run.wallMs / idealMs,
      unit: '×',
      target: '≤ 1.25×',
      pass: run.wallMs / idealMs <= 1.25,
    });
    record({
      name: '1. harness ÷ ideal (after start-up)',
      value: after / idealMs,
      unit: '×',
      target: '≤ 1.10×',
      pass: after / idealMs <= 1.1,
    });
    record({ name: '2. start-up: spawn → first model call', value: startup / 1000, unit: 's', target: '≤ 1.5 s', pass: startup <= 1500 });

    if (!SKIP.has('peer')) {
      await server.reset();
      const peerDir = path.join(work, 'peer');
      mkdirSync(peerDir, { recursive: true });
      const cfg = writePromptfooConfig(peerDir, server.url);
      const peer = await timed(
        PROMPTFOO,
        ['eval', '-c', cfg, '--no-cache', '-j', String(CONCURRENCY), '--repeat', '3', '--no-progress-bar', '--no-table', '--no-write'],
        {
          cwd: peerDir,
          env: childEnv(peerDir),
        },
      );
      const peerChat = (await server.calls()).filter((c) => c.kind === 'chat').length;
      if (peerChat !== 300)
        throw new Error(`plain promptfoo: expected 300 chat calls, saw ${peerChat} (exit ${peer.code}):\n${peer.stderr.slice(-1500)}`);
      const peerStartup = await startupMs(server, peer.spawnedAt);
      record({
        name: '1. plain promptfoo eval wall',
        value: peer.wallMs / 1000,
        unit: 's',
        note: `start-up ${(peerStartup / 1000).toFixed(2)} s, peak RSS ${peer.peakRssMb.toFixed(0)} MiB`,
      });
      record({
        name: '1. harness ÷ plain promptfoo (whole process)',
        value: run.wallMs / peer.wallMs,
        unit: '×',
        target: '≤ 0.75×',
        pass: run.wallMs <= 0.75 * peer.wallMs,
      });
      record({ name: '1. harness ÷ plain promptfoo (after start-up)', value: after / (peer.wallMs - peerStartup), unit: '×' });
    }

    // 5. Replay: the recordings the live run just wrote, no network (the server is not consulted).
    await server.reset();
    const replay = await harness(root, ['eval', '--replay'], env);
    if (replay.code !== 0) throw new Error(`replay exited ${replay.code}:\n${replay.stderr.slice(-2000)}`);
    const replayed = readFileSync(path.join(root, 'reports', 'runs', latestRun(root), 'results.jsonl'), 'utf8')
      .split('\n')
      .filter((l) => l.includes('"source":"replay"')).length;
    record({
      name: '5. replay: 300-cell eval --replay',
      value: replay.wallMs / 1000,
      unit: 's',
      target: '≤ 3 s',
      pass: replay.wallMs <= 3000,
      note: `${replayed} cells replayed`,
    });
  } finally {
    await server.stop();
  }
}

function latestRun(root: string): string {
  return readdirSync(path.join(root, 'reports', 'runs'))
    .sort()
    .at(-1)!;
}

async function reportBench(): Promise<void> {
  const { syntheticEntry, syntheticMeta, syntheticResults } = await import('../test/support/report-synthetic.ts');
  const { summarizeRun } = await import('../src/score/summarize.ts');
  const { aggregateRun } = await import('../src/score/aggregate-results.ts');
  const { historyEntryFromRun } = await import('../src/io/history/history.ts');
  const { writeReports } = await import('../src/io/reports/write-reports.ts');
  const { renderReports } = await import('../src/report/render-reports.ts');
  const variants = ['v1', 'v2', 'v3', 'v4', 'v5'];
  const models = ['m1', 'm2'];
  const shape = { variants, models, scenarios: 10, repeats: 3, runId: '20260301-120000-abcd' };
  const meta = syntheticMeta(shape);
  const results = syntheticResults(shape);
  // 1,000 earlier runs of the same matrix: 100 aggregates each (variant × model × scenario).
  const history = Array.from({ length: 1000 }, (_, i) =>
    syntheticEntry(`2025${String(1000 + i).padStart(6, '0')}-000000-${(i % 65536).toString(16).padStart(4, '0')}`, {
      cells: 100,
      seed: i,
      variants,
      models,
    }),
  );
  const root = path.join(work, 'report');
  const t0 = performance.now();
  const summary = summarizeRun(meta.runId, results);
  const all = [...history, historyEntryFromRun(meta, aggregateRun(results))];
  const files = await writeReports(root, renderReports({ meta, results, summary, history: all }));
  const ms = performance.now() - t0;
  const mb = readFileSync(files.html).length / 1024 / 1024;
  record({
    name: '3. report: index.html, 1,000 runs + 300 cells',
    value: ms / 1000,
    unit: 's',
    target: '≤ 1 s',
    pass: ms <= 1000,
    note: 'summarize + render + write, warm process',
  });
  record({ name: '3. report: index.html size', value: mb, unit: 'MB', target: '≤ 2 MB', pass: mb <= 2 });
}

/** Peak RSS and wall of one zero-latency eval of `cells` cells (5 variants × 2 models × 100 scenarios × repeats). */
async function memoryRun(cells: number): Promise<{ cells: number; peakRssMb: number; wallMs: number }> {
  const repeats = Math.max(1, Math.round(cells / 1000));
  const server = await startFake(['--latency', '0', '--default-reply', 'Refund: 5 days.']);
  try {
    const root = path.join(work, `memory-${cells}`);
    writeHarnessProject(root, { url: server.url, scenarios: 100, repeats });
    const run = await harness(root, ['eval', '--concurrency', String(CONCURRENCY)], childEnv(root));
    if (run.code !== 0) throw new Error(`memory run exited ${run.code}:\n${run.stderr.slice(-2000)}`);
    const n = readFileSync(path.join(root, 'reports', 'runs', latestRun(root), 'results.jsonl'), 'utf8')
      .split('\n')
      .filter(Boolean).length;
    rmSync(root, { recursive: true, force: true });
    return { cells: n, peakRssMb: run.peakRssMb, wallMs: run.wallMs };
  } finally {
    await server.stop();
  }
}

function recordMemory(run: { cells: number; peakRssMb: number; wallMs: number }): void {
  record({
    name: `4. memory: peak RSS, ${run.cells.toLocaleString('en-US')}-cell run`,
    value: run.peakRssMb,
    unit: 'MiB',
    target: '≤ 500 MB',
    pass: run.peakRssMb * 1.048576 <= 500,
    note: `wall ${(run.wallMs / 1000).toFixed(1)} s, ${(run.wallMs / run.cells).toFixed(1)} ms/cell`,
  });
}

/** The 10,000-cell run and (unless skipped) the 100,000-cell one, and their ratio: memory flat in the number of cells. */
async function memoryBench(): Promise<void> {
  const cells = Number(process.env.BENCH_MEMORY_CELLS ?? 10_000);
  const small = await memoryRun(cells);
  recordMemory(small);
  if (SKIP.has('memory100k')) return;
  const large = await memoryRun(Number(process.env.BENCH_MEMORY_LARGE_CELLS ?? cells * 10));
  recordMemory(large);
  const ratio = large.peakRssMb / small.peakRssMb;
  record({
    name: `4. memory: ${large.cells.toLocaleString('en-US')} ÷ ${small.cells.toLocaleString('en-US')} cells`,
    value: ratio,
    unit: '×',
    target: '≤ 1.25×',
    pass: ratio <= 1.25,
    note: `peak RSS ${large.peakRssMb.toFixed(0)} ÷ ${small.peakRssMb.toFixed(0)} MiB`,
  });
}

async function main(): Promise<void> {
  console.log(
    `agent-evals bench — node ${process.version}, ${cpus().length} CPU(s) (${cpus()[0]?.model ?? '?'}), ${new Date().toISOString()}`,
  );
  console.log(`${'measure'.padEnd(44)} ${'value'.padEnd(14)} ${'target'.padEnd(12)} verdict`);
  try {
    if (process.argv.includes('--agentic')) {
      const { agenticBench } = await import('./agentic.ts');
      const runtimes = process.env.BENCH_AGENTIC_RUNTIMES?.split(',') as Array<'claude-code' | 'opencode'> | undefined;
      const runs = Number(process.env.BENCH_AGENTIC_RUNS ?? 3);
      const repeats = Number(process.env.BENCH_AGENTIC_REPEATS ?? 4);
      for (const m of await agenticBench({ runs, repeats, runtimes, skip: SKIP, log: console.log })) record(m);
    } else if (process.argv.includes('--pack')) {
      for (const m of await packStartupBench({ runs: Number(process.env.BENCH_PACK_RUNS ?? 5), log: console.log })) record(m);
    } else {
      if (!SKIP.has('overhead')) await overheadStartupReplay();
      if (!SKIP.has('report')) await reportBench();
      if (!SKIP.has('report-scale')) for (const m of await reportScaleBench()) record(m);
      if (!SKIP.has('memory')) await memoryBench();
      if (!SKIP.has('history')) for (const m of historySizeBench()) record(m);
      if (!SKIP.has('pack'))
        for (const m of await packStartupBench({ runs: Number(process.env.BENCH_PACK_RUNS ?? 5), log: console.log })) record(m);
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  const out = path.join(REPO, 'reports', 'bench.json');
  mkdirSync(path.dirname(out), { recursive: true });
  const load = readFileSafe('/proc/loadavg').split(' ').slice(0, 3).join(' ');
  writeFileSync(
    out,
    `${JSON.stringify({ time: new Date().toISOString(), node: process.version, cpus: cpus().length, loadavg: load, measures }, null, 2)}\n`,
  );
  console.log(`\nwrote ${path.relative(process.cwd(), out)}${load ? ` (load average at the end: ${load})` : ''}`);
  const misses = measures.filter((m) => m.pass === false).length;
  console.log(misses ? `${misses} target(s) missed` : 'all targets met');
}

function readFileSafe(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

await main();
