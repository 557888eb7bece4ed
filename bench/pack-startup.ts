/**
 * 7. Start-up from the package (issue 25): this repository packed (`npm pack`) and installed into a scratch
 * repository as a user installs it (install scripts run: postinstall bundles promptfoo into dist/engine/),
 * against this repository's own CLI, on the same project. Two commands, each run `runs` times per side,
 * interleaved: `--help` (no engine) and `eval --dry-run` (loads the engine: every model id is checked with
 * promptfoo before anything is planned; nothing is called).
 * Figures: the packed install's median wall and CPU ÷ this repository's, in one run on this machine; and,
 * for contrast, the packed install forced onto the unbundled promptfoo (AGENT_EVALS_ENGINE=promptfoo).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { childEnv, type Measure } from './measure.ts';
import { measure } from './process-cpu.ts';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const TARGET = 1.1;

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

/** A scratch repository with one agent and one calibrated scenario, agent-evals installed from the tarball. */
function packedInstall(work: string, log: (line: string) => void): string {
  execFileSync(process.execPath, [path.join(REPO, 'scripts', 'build.mjs')], { stdio: 'ignore' });
  const packDir = path.join(work, 'pack');
  mkdirSync(packDir);
  execFileSync('npm', ['pack', '--ignore-scripts', '--pack-destination', packDir], { cwd: REPO, stdio: 'ignore' });
  const tarball = path.join(packDir, readdirSync(packDir).find((f) => f.endsWith('.tgz'))!);
  const repo = path.join(work, 'repo');
  const write = (rel: string, text: string) => {
    mkdirSync(path.dirname(path.join(repo, rel)), { recursive: true });
    writeFileSync(path.join(repo, rel), text);
  };
  write('package.json', '{ "name": "scratch", "private": true }\n');
  write('.claude/agents/reviewer.md', '---\nname: reviewer\ndescription: Use when a pull request needs review.\n---\n\nYou review code.\n');
  write(
    'scenarios/reviewer/asks.yaml',
    'id: asks\ntitle: Asks before merging\nagent: reviewer\nrequest: What do you do?\nassert:\n  - type: icontains\n    id: asks\n    value: ask me\nexamples:\n  pass: ["Ask me before you merge."]\n  fail: ["I merge it."]\n',
  );
  // A loopback address that nothing listens on: `eval --dry-run` calls nothing anyway.
  write(
    'evals/default.yaml',
    'models:\n  - id: openai:chat:never-called\n    config: { apiBaseUrl: "http://127.0.0.1:9/v1" }\nrepeats: 1\n',
  );
  log(`  installing the packed tarball into ${repo} (install scripts run: dist/engine/ is built) ...`);
  execFileSync('npm', ['install', '--save-dev', '--no-audit', '--no-fund', '--prefer-offline', tarball], {
    cwd: repo,
    env: { ...process.env, npm_config_loglevel: 'error' },
    stdio: 'ignore',
  });
  return repo;
}

export async function packStartupBench(opts: { runs: number; log: (line: string) => void }): Promise<Measure[]> {
  const work = mkdtempSync(path.join(tmpdir(), 'agent-evals-bench-pack-'));
  try {
    const repo = packedInstall(work, opts.log);
    const packedBin = path.join(repo, 'node_modules', 'agent-evals', 'bin', 'agent-evals.js');
    const bundled = existsSync(path.join(repo, 'node_modules', 'agent-evals', 'dist', 'engine', 'meta.json'));
    const env = childEnv(work);
    const sides = {
      packed: (args: string[]) => measure(process.execPath, [packedBin, ...args], { cwd: repo, env, graceS: 2 }),
      here: (args: string[]) =>
        measure(process.execPath, [path.join(REPO, 'bin', 'agent-evals.js'), '--root', repo, ...args], { cwd: repo, env, graceS: 2 }),
    };
    const out: Measure[] = [];
    // `unbundled`: the packed install with AGENT_EVALS_ENGINE=promptfoo, what every command cost before the
    // bundle was built for package installs; it shows the measure can see the difference.
    const unbundled = (args: string[]) =>
      measure(process.execPath, [packedBin, ...args], { cwd: repo, env: { ...env, AGENT_EVALS_ENGINE: 'promptfoo' }, graceS: 2 });
    for (const command of [['--help'], ['eval', '--dry-run']]) {
      const arms = { packed: sides.packed, here: sides.here, ...(command[0] === 'eval' ? { unbundled } : {}) };
      const names = Object.keys(arms) as Array<keyof typeof arms>;
      const figures = Object.fromEntries(names.map((n) => [n, { wall: [] as number[], cpu: [] as number[] }]));
      // One warm-up each (file cache), then interleaved runs, the order reversed every other round: every
      // arm sees the same load, and none always goes first.
      for (const name of names) await arms[name]!(command);
      for (let i = 0; i < opts.runs; i++)
        for (const name of i % 2 ? [...names].reverse() : names) {
          const m = await arms[name]!(command);
          if (m.code !== 0) throw new Error(`${name} ${command.join(' ')} exited ${m.code}: ${m.stderr.slice(-300)}`);
          figures[name]!.wall.push(m.wallS);
          figures[name]!.cpu.push(m.cpuS);
        }
      const med = (name: string, k: 'wall' | 'cpu') => median(figures[name]![k]);
      const wall = med('packed', 'wall') / med('here', 'wall');
      const cpu = med('packed', 'cpu') / med('here', 'cpu');
      const note = `median of ${opts.runs}: packed ${med('packed', 'wall').toFixed(2)} s wall / ${med('packed', 'cpu').toFixed(2)} s CPU, here ${med('here', 'wall').toFixed(2)} s / ${med('here', 'cpu').toFixed(2)} s${bundled ? '' : '; NO dist/engine/ in the packed install'}`;
      const name = `7. start-up packed ÷ here: ${command.join(' ')}`;
      out.push({ name: `${name} (wall)`, value: wall, unit: '×', target: `≤ ${TARGET}×`, pass: wall <= TARGET && bundled, note });
      out.push({ name: `${name} (CPU)`, value: cpu, unit: '×', target: `≤ ${TARGET}×`, pass: cpu <= TARGET && bundled });
      if (figures.unbundled)
        out.push({
          name: `7. packed, promptfoo unbundled ÷ here: ${command.join(' ')} (CPU)`,
          value: med('unbundled', 'cpu') / med('here', 'cpu'),
          unit: '×',
          note: `before this change every packed command loaded it so; wall ${(med('unbundled', 'wall') / med('here', 'wall')).toFixed(2)}×`,
        });
    }
    return out;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
