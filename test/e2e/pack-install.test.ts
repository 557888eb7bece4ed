/**
 * Use from another repository (issue 16): the project packed as npm would publish it (`npm pack`),
 * installed as a dev dependency into a scratch repository that already holds agents where Claude Code
 * and OpenCode keep them, then `init`, `agents --json`, `lint`, `calibrate` and an `eval` against the
 * OpenAI test double, all through the installed `npx agent-evals`.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fakeOpenAIProvider, startFakeOpenAI, type FakeOpenAIServer } from '../support/fake-openai-server.ts';
import { childEnv, REPO_ROOT } from '../support/project-fixture.ts';
import { tempDirs } from '../support/temp-dirs.ts';

const tempDir = tempDirs('agent-evals-pack-');
const NPM = 'npm';
const MY_WORKFLOW = '# our own gate, not to be touched\nname: ours\n';

let repo: string;
let server: FakeOpenAIServer;

/**
 * The installed CLI, as a user of the scratch repository runs it. Asynchronous: the test double
 * answers from this process's event loop.
 */
function npx(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('npx', ['--no-install', 'agent-evals', ...args], { cwd: repo, env: childEnv(repo) });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

function write(rel: string, text: string) {
  mkdirSync(path.dirname(path.join(repo, rel)), { recursive: true });
  writeFileSync(path.join(repo, rel), text);
}

beforeAll(async () => {
  server = await startFakeOpenAI({ rules: [{ reply: 'I review pull requests for correctness. Ask me before you merge.' }] });
  // dist/cli.mjs as the sources are now (npm pack ships it; a packed file's time stamp never triggers a rebuild).
  execFileSync(process.execPath, [path.join(REPO_ROOT, 'scripts', 'build.mjs')], { stdio: 'ignore' });
  const packDir = tempDir();
  execFileSync(NPM, ['pack', '--ignore-scripts', '--pack-destination', packDir], { cwd: REPO_ROOT, stdio: 'ignore' });
  const tarball = path.join(packDir, readdirSync(packDir).find((f) => f.endsWith('.tgz'))!);

  repo = tempDir();
  write('package.json', '{ "name": "scratch", "private": true }\n');
  write(
    '.claude/agents/reviewer.md',
    '---\nname: reviewer\ndescription: Use when a pull request needs review.\ntools: Read, Grep\n---\n\nYou review code.\n',
  );
  write('.opencode/agent/migrator.md', '---\ndescription: Use when a schema changes.\nmode: subagent\n---\n\nYou plan migrations.\n');
  write(
    'opencode.json',
    '{\n  // an agent defined inline\n  "agent": { "docs-writer": { "description": "Use when docs need writing.", "prompt": "You write docs." } }\n}\n',
  );
  write('.github/workflows/agent-evals.yml', MY_WORKFLOW);
  execFileSync(NPM, ['install', '--save-dev', '--no-audit', '--no-fund', '--prefer-offline', tarball], {
    cwd: repo,
    env: { ...process.env, npm_config_loglevel: 'error' },
    stdio: 'ignore',
    timeout: 600_000,
  });
}, 660_000);

afterAll(() => server?.close());

describe('installed into another repository', () => {
  it('npm install downloads no agent program unasked (OpenCode comes only from install-runtime)', () => {
    expect(existsSync(path.join(repo, '.agent-evals'))).toBe(false);
  });

  it('init writes the starter files and touches nothing that exists; a second init writes nothing', async () => {
    const first = await npx(['init']);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout.split('\n').filter((l) => l.startsWith('wrote') || l.startsWith('kept'))).toEqual([
      'wrote evals/default.yaml',
      'wrote scenarios/reviewer/example.yaml',
      'wrote .github/workflows/agent-evals-baseline.yml',
      'kept  .github/workflows/agent-evals.yml (it exists)',
    ]);
    expect(readFileSync(path.join(repo, '.github/workflows/agent-evals.yml'), 'utf8')).toBe(MY_WORKFLOW);
    const baseline = readFileSync(path.join(repo, '.github/workflows/agent-evals-baseline.yml'), 'utf8');
    expect(baseline).not.toContain('npm run');
    expect(baseline).toContain('npx agent-evals eval --ci --shard "$SHARD"');
    expect(baseline).toContain("- '.claude/agents/**'");
    expect(baseline).toContain('run: npx agent-evals install-runtime opencode');

    const again = await npx(['init']);
    expect(again.code).toBe(0);
    expect(again.stdout).not.toMatch(/^wrote/m);
  });

  it('agents --json lists the .claude, .opencode and opencode.json agents with their origin; lint and calibrate pass', async () => {
    const listed = await npx(['agents', '--json']);
    expect(listed.code, listed.stderr).toBe(0);
    const variants = JSON.parse(listed.stdout) as Array<{ id: string; origin: string; file: string; dialect: string }>;
    expect(variants.map((v) => [v.id, v.origin, v.file, v.dialect])).toEqual([
      ['reviewer', '.claude/agents', '.claude/agents/reviewer.md', 'claude-code'],
      ['migrator', '.opencode/agent', '.opencode/agent/migrator.md', 'opencode'],
      ['docs-writer', 'opencode.json', 'opencode.json', 'opencode'],
    ]);
    const lint = await npx(['lint']);
    expect(lint.code, lint.stdout + lint.stderr).toBe(0);
    expect(lint.stdout).toContain('0 errors, 0 warnings in 3 files');
    const calibrate = await npx(['calibrate']);
    expect(calibrate.code, calibrate.stdout + calibrate.stderr).toBe(0);
    expect(calibrate.stdout).toMatch(/^calibration ok: 1 scenario, 2 assertions/m);
  });

  it('eval runs there against the test double and writes its reports', async () => {
    write('evals/fake.yaml', `models:\n  - ${JSON.stringify(fakeOpenAIProvider(server, 'fake-model'))}\nrepeats: 2\nconcurrency: 2\n`);
    const run = await npx(['eval', '-c', 'evals/fake.yaml']);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(server.chatCalls).toHaveLength(2);
    const runs = readdirSync(path.join(repo, 'reports', 'runs'));
    expect(runs).toHaveLength(1);
    const results = readFileSync(path.join(repo, 'reports', 'runs', runs[0]!, 'results.jsonl'), 'utf8')
      .trim()
      .split('\n');
    expect(results.map((l) => (JSON.parse(l) as { variantId: string; status: string }).status)).toEqual(['pass', 'pass']);
    for (const file of ['index.html', 'summary.md', 'junit.xml']) expect(readdirSync(path.join(repo, 'reports'))).toContain(file);
  });

  it("install-runtime opencode installs the pinned OpenCode into the repository's .agent-evals/runtimes/opencode/", async () => {
    const run = await npx(['install-runtime', 'opencode']);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    const prefix = path.join(repo, '.agent-evals', 'runtimes', 'opencode');
    expect(run.stderr).toContain(`installing opencode-ai@1.18.33 @opencode-ai/sdk@1.18.33 into ${prefix}`);
    const binary = run.stdout.trim().replace(/^installed opencode-ai@1\.18\.33 @opencode-ai\/sdk@1\.18\.33: /, '');
    expect(binary.startsWith(path.join(prefix, 'node_modules'))).toBe(true);
    expect(existsSync(binary)).toBe(true);
  }, 600_000);
});
