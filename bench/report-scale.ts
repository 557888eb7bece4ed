/**
 * `npm run bench`, the report at scale (issue 14): `buildReports` (what `agent-evals report` runs) on a
 * history of 1,000 runs × 1,000 aggregates (10 variants × 2 models × 50 scenarios, 3 repeats, real
 * sha256 fingerprints, prompt edits and a test change along the way) plus the run being reported (the
 * same matrix, 3,000 cells, its history line appended as `eval` does). History read, trends, summary,
 * every report file written; timed in a child process once its modules are loaded, as `3. report` is
 * timed in a warm process, so that its peak RSS is the report's own. Run it alone with
 * `npx tsx bench/report-scale.ts`.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createWriteStream, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { historyFile, historyLine } from '../src/io/history/history.ts';
import type { CellResult } from '../src/schema/result.ts';
import type { RunMeta } from '../src/schema/run-meta.ts';
import { syntheticMeta, syntheticResults } from '../test/support/report-synthetic.ts';
import { writeRunFolder } from '../test/support/report-project.ts';
import { REPORT_SCALE_SHAPE, scaledEntry } from './history-size.ts';
import type { Measure } from './measure.ts';

const SELF = fileURLToPath(import.meta.url);
const REPO = path.resolve(path.dirname(SELF), '..');
export const RUN_ID = '20262000-120000-abcd';

interface ChildFigures {
  ms: number;
  /** CPU time of the build (user + system): on a loaded machine wall time says less. */
  cpuMs: number;
  peakRssMb: number;
  html: string;
}

/**
 * The measures: build time (target ≤ 2 s) and index.html size (≤ 3 MB), with the peak RSS of the
 * process that built it in the note.
 *
 * @example
 * for (const m of await reportScaleBench()) record(m);
 */
export async function reportScaleBench(opts: { runs?: number } = {}): Promise<Measure[]> {
  const runs = opts.runs ?? 1000;
  const root = mkdtempSync(path.join(tmpdir(), 'agent-evals-report-scale-'));
  try {
    await writeScaledProject(root, runs);
    const historyMb = statSync(historyFile(root)).size / 1024 / 1024;
    const child = await buildInChild(root);
    const htmlMb = statSync(child.html).size / 1024 / 1024;
    // The same build with the run's own history line only: what the 1,000 earlier runs add.
    const text = readFileSync(historyFile(root), 'utf8');
    writeFileSync(historyFile(root), `${text.trimEnd().split('\n').at(-1)}\n`);
    const alone = await buildInChild(root);
    const shape = `${runs.toLocaleString('en-US')} runs × 1,000 aggregates + a 3,000-cell run`;
    const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
    return [
      {
        name: '3b. report: 1,000 runs × 1,000 aggregates',
        value: child.ms / 1000,
        unit: 's',
        target: '≤ 2 s',
        pass: child.ms <= 2000,
        note: `${shape}, history ${historyMb.toFixed(0)} MB; buildReports, modules loaded; CPU ${s(child.cpuMs)}; peak RSS ${child.peakRssMb.toFixed(0)} MiB; the same run with no earlier history ${s(alone.ms)} (CPU ${s(alone.cpuMs)}, ${alone.peakRssMb.toFixed(0)} MiB)`,
      },
      { name: '3b. report: index.html size at that scale', value: htmlMb, unit: 'MB', target: '≤ 3 MB', pass: htmlMb <= 3 },
    ];
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

/** reports/history.jsonl with `runs` scaled runs, then the run to report (`RUN_ID`): its folder and its history line. For profiling too. */
export async function writeScaledProject(root: string, runs: number): Promise<void> {
  await mkdir(path.dirname(historyFile(root)), { recursive: true });
  const out = createWriteStream(historyFile(root));
  for (let i = 0; i < runs; i++)
    if (!out.write(`${historyLine(scaledEntry(REPORT_SCALE_SHAPE, i, runs))}\n`))
      await new Promise<void>((r) => out.once('drain', () => r()));
  await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
  const { meta, results } = scaledRun(runs);
  await writeRunFolder(root, meta, results);
}

/** The run being reported: the history's matrix (same ids and fingerprints as its latest run), 3,000 cells with answers. */
function scaledRun(runs: number): { meta: RunMeta; results: CellResult[] } {
  const latest = scaledEntry(REPORT_SCALE_SHAPE, runs, runs).cells;
  const variants = [...new Set(latest.map((c) => c.variantId))];
  const models = [...new Set(latest.map((c) => c.model))];
  const scenarios = [...new Set(latest.map((c) => c.scenarioId))];
  const shape = { variants, models, scenarios: scenarios.length, repeats: REPORT_SCALE_SHAPE.repeats, runId: RUN_ID };
  const cellOf = new Map(latest.map((c) => [`${c.variantId} ${c.model} ${c.scenarioId}`, c]));
  const results = syntheticResults(shape).map((r) => {
    const scenarioId = scenarios[Number(r.scenarioId.slice('scenario-'.length))]!;
    const c = cellOf.get(`${r.variantId} ${r.model} ${scenarioId}`)!;
    return { ...r, agent: c.agent, variantHash: c.variantHash, scenarioId, scenarioHash: c.scenarioHash, assertionsHash: c.assertionsHash };
  });
  const meta = syntheticMeta(shape);
  const synthetic = meta.fingerprints;
  meta.fingerprints = {
    variants: Object.fromEntries(
      variants.map((v) => [
        v,
        { ...synthetic.variants[v]!, agent: 'support-agent', hash: latest.find((c) => c.variantId === v)!.variantHash },
      ]),
    ),
    scenarios: Object.fromEntries(
      scenarios.map((id, s) => {
        const c = latest.find((x) => x.scenarioId === id)!;
        return [id, { hash: c.scenarioHash, assertionsHash: c.assertionsHash, title: `Refund request ${s + 1}` }];
      }),
    ),
  };
  meta.startedAt = meta.finishedAt = new Date(Date.UTC(2026, 0, 1) + runs * 86_400_000).toISOString();
  meta.git = { commit: createHash('sha256').update('current').digest('hex').slice(0, 40), branch: 'main', dirty: false };
  return { meta, results };
}

/** `buildReports` in a fresh node process: modules imported first, then one build timed; its VmHWM. */
function buildInChild(root: string): Promise<ChildFigures> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', SELF, '--child', root], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => {
      const last = stdout.trim().split('\n').at(-1) ?? '';
      if (code !== 0 || !last.startsWith('{')) reject(new Error(`report-scale child exited ${code}:\n${stderr.slice(-2000)}`));
      else resolve(JSON.parse(last) as ChildFigures);
    });
  });
}

async function childMain(root: string): Promise<void> {
  const { buildReports } = await import('../src/finish/build-reports.ts');
  const lines: string[] = [];
  const ctx = {
    root,
    env: {},
    out: (l: string) => lines.push(l),
    err: (l: string) => lines.push(l),
    write: () => undefined,
    isTTY: false,
    debug: false,
    pid: process.pid,
  };
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const files = await buildReports(ctx, RUN_ID);
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
  const warnings = lines.filter((l) => l.startsWith('warning'));
  if (warnings.length) throw new Error(`unexpected warnings:\n${warnings.join('\n')}`);
  const figures: ChildFigures = { ms, cpuMs: (cpu.user + cpu.system) / 1000, peakRssMb: hwm ? Number(hwm[1]) / 1024 : 0, html: files.html };
  console.log(JSON.stringify(figures));
}

if (process.argv[2] === '--child') await childMain(process.argv[3]!);
else if (process.argv[1] === SELF)
  for (const m of await reportScaleBench({ runs: Number(process.env.BENCH_REPORT_RUNS ?? 1000) }))
    console.log(`${m.name.padEnd(44)} ${m.value.toFixed(2)} ${m.unit}  ${m.target ?? ''} ${m.pass ? 'PASS' : 'MISS'}  ${m.note ?? ''}`);
