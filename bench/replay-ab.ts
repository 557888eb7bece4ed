/**
 * Replay cost of two builds, interleaved (docs/performance.md, "Replay cost against 0b6568e"): the
 * 300-cell `eval --replay` of `npm run bench` (5. replay), run by the CLI of each checkout in turn on
 * copies of the same project, so machine noise falls on both alike. CPU is user+system of the whole
 * process as the kernel counts it at exit (`/usr/bin/time`), not sampled.
 *
 * The recordings come from one live run of the first checkout against the fake server. Each checkout
 * then replays them once into its own copy of the project (history and run folder in its own format),
 * and every measured run replays a fresh copy of that, as (5) does: one earlier run in the history.
 *
 * @example
 * git worktree add /tmp/old 0b6568e   # then link node_modules and build dist/ there
 * tsx bench/replay-ab.ts --runs 9 . /tmp/old
 * tsx bench/replay-ab.ts --runs 1 --cpu-prof /tmp/prof . /tmp/old   # one profile per checkout
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { writeHarnessProject } from './bench-project.ts';
import { childEnv } from './measure.ts';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const NODE = process.execPath;

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { runs: { type: 'string', default: '7' }, 'cpu-prof': { type: 'string' }, keep: { type: 'boolean' } },
});
const checkouts = (positionals.length ? positionals : [REPO]).map((p) => path.resolve(p));
const runs = Number(values.runs);

interface Timed {
  code: number | null;
  wallS: number;
  cpuS: number;
  stderr: string;
}

/** Runs `node bin/agent-evals.js` of a checkout under /usr/bin/time: wall, and user+system CPU at exit. */
function cli(checkout: string, root: string, args: string[], nodeArgs: string[] = []): Promise<Timed> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      '/usr/bin/time',
      ['-f', '@@time %e %U %S', NODE, ...nodeArgs, path.join(checkout, 'bin', 'agent-evals.js'), '--root', root, ...args],
      { cwd: checkout, env: childEnv(root), stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => {
      const m = /@@time ([\d.]+) ([\d.]+) ([\d.]+)/.exec(stderr);
      if (!m) return reject(new Error(`no timing from /usr/bin/time:\n${stderr.slice(-2000)}`));
      resolve({ code, wallS: Number(m[1]), cpuS: Number(m[2]) + Number(m[3]), stderr });
    });
  });
}

async function startFake(): Promise<{ url: string; child: ChildProcess }> {
  const fake = path.join(REPO, 'test', 'support', 'fake-openai-cli.ts');
  const reply = 'Refunds take 5 days. Contact support with the order number.';
  const child = spawn(NODE, ['--import', 'tsx', fake, '--latency', '0', '--default-reply', reply], {
    cwd: REPO,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let buf = '';
    child.stdout!.on('data', (d) => {
      buf += d;
      if (buf.includes('\n')) resolve(buf.split('\n')[0]!.trim());
    });
    child.on('exit', (code) => reject(new Error(`fake server exited (${code})`)));
  });
  return { url, child };
}

const replayedCells = (root: string): number => {
  const runsDir = path.join(root, 'reports', 'runs');
  if (!existsSync(runsDir)) return 0;
  const latest = readdirSync(runsDir, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort()
    .at(-1);
  if (!latest) return 0;
  return readFileSync(path.join(runsDir, latest, 'results.jsonl'), 'utf8')
    .split('\n')
    .filter((l) => l.includes('"source":"replay"')).length;
};

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

const work = mkdtempSync(path.join(tmpdir(), 'agent-evals-replay-ab-'));
try {
  // The recordings: one live run of the first checkout.
  const recorded = path.join(work, 'recorded');
  const server = await startFake();
  try {
    writeHarnessProject(recorded, { url: server.url, scenarios: 10, repeats: 3 });
    const live = await cli(checkouts[0]!, recorded, ['eval', '--record']);
    if (live.code !== 0) throw new Error(`live run exited ${live.code}:\n${live.stderr.slice(-2000)}`);
  } finally {
    server.child.kill('SIGTERM');
  }
  // Each checkout's starting point: the project and recordings, plus one replay of its own.
  const seeds = await Promise.all(
    checkouts.map(async (_, i) => {
      const seed = path.join(work, `seed-${i}`);
      mkdirSync(seed);
      for (const name of ['agents', 'scenarios', 'evals']) cpSync(path.join(recorded, name), path.join(seed, name), { recursive: true });
      return seed;
    }),
  );
  for (const [i, checkout] of checkouts.entries()) {
    const first = await cli(checkout, seeds[i]!, ['eval', '--replay']);
    if (first.code !== 0 || replayedCells(seeds[i]!) !== 300)
      throw new Error(
        `${checkout}: seed replay exited ${first.code}, ${replayedCells(seeds[i]!)} cells replayed:\n${first.stderr.slice(-2000)}`,
      );
  }
  const figures = checkouts.map(() => ({ cpu: [] as number[], wall: [] as number[] }));
  for (let r = 0; r < runs; r++) {
    // Alternate which checkout goes first, so neither always runs right after the other.
    const order = checkouts.map((_, i) => i);
    if (r % 2) order.reverse();
    for (const i of order) {
      const root = path.join(work, `run-${r}-${i}`);
      cpSync(seeds[i]!, root, { recursive: true });
      const profDir = values['cpu-prof'] ? path.resolve(values['cpu-prof'], `${i}-${path.basename(checkouts[i]!)}`) : undefined;
      const t = await cli(checkouts[i]!, root, ['eval', '--replay'], profDir ? ['--cpu-prof', `--cpu-prof-dir=${profDir}`] : []);
      const n = replayedCells(root);
      if (t.code !== 0 || n !== 300)
        throw new Error(`${checkouts[i]}: replay exited ${t.code}, ${n} cells replayed:\n${t.stderr.slice(-2000)}`);
      figures[i]!.cpu.push(t.cpuS);
      figures[i]!.wall.push(t.wallS);
      console.log(`run ${r + 1} ${checkouts[i]}: cpu ${t.cpuS.toFixed(2)} s, wall ${t.wallS.toFixed(2)} s`);
      if (!values.keep) rmSync(root, { recursive: true, force: true });
    }
  }
  const load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  console.log(`\nmedians over ${runs} interleaved runs (load average at the end: ${load}):`);
  for (const [i, checkout] of checkouts.entries()) {
    const f = figures[i]!;
    console.log(
      `${checkout}: cpu ${median(f.cpu).toFixed(2)} s (${Math.min(...f.cpu).toFixed(2)}–${Math.max(...f.cpu).toFixed(2)}), wall ${median(f.wall).toFixed(2)} s (${Math.min(...f.wall).toFixed(2)}–${Math.max(...f.wall).toFixed(2)})`,
    );
  }
} finally {
  if (!values.keep) rmSync(work, { recursive: true, force: true });
}
