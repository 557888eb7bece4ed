/**
 * Use from another repository (issues 16, 25): the project packed as npm would publish it (`npm pack`),
 * installed as a dev dependency into a scratch repository that already holds agents where Claude Code
 * and OpenCode keep them (one agent in both), then `init`, `agents --json`, `lint`, `calibrate`, an `eval`
 * against the OpenAI test double, `install-runtime opencode` and an agentic cell on both runtimes, all
 * through the installed `npx agent-evals`.
 *
 * One install serves every case, made with `--ignore-scripts`: what npm 11 does until the user approves
 * install scripts. The first command then bundles promptfoo into the cache, applying patches/ itself;
 * approving later (`npm rebuild agent-evals`) runs postinstall, which builds dist/engine/. Start-up of
 * this install against this repository's is measured by `npm run bench` (bench/pack-startup.ts).
 */
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeAnthropic, type FakeAnthropicServer, type TurnContext } from '../support/fake-anthropic-server.ts';
import { fakeOpenAIProvider, startFakeOpenAI, type FakeOpenAIServer } from '../support/fake-openai-server.ts';
import { startFakeOpenAIStream, type FakeOpenAIStreamServer, type StreamContext } from '../support/fake-openai-stream-server.ts';
import { childEnv, REPO_ROOT } from '../support/project-fixture.ts';
import { memoryBackedTmpdir, tempDirs } from '../support/temp-dirs.ts';
import { resolveOpenCodeBinary } from '../../src/execute/runtimes/opencode.ts';
import { CLIENT_SCRIPT } from '../../src/report/html/client-bundle.ts';

// The install writes ≈ 2.7 GB (promptfoo's and the agent programs' binaries, then OpenCode): in memory where the
// machine has room, as it costs a third less CPU there (docs/testing.md). Its jailed cells run from there too.
const tempDir = tempDirs('agent-evals-pack-', memoryBackedTmpdir(4 * 1024 ** 3));
const NPM = 'npm';
const MY_WORKFLOW = '# our own gate, not to be touched\nname: ours\n';

let repo: string;
let server: FakeOpenAIServer;
let anthropic: FakeAnthropicServer;
let openai: FakeOpenAIStreamServer;

/**
 * The installed CLI, as a user of the scratch repository runs it. Asynchronous: the test double
 * answers from this process's event loop.
 */
function npx(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    // The OpenCode this repository's tests use must not stand in for the one install-runtime puts there.
    const env = childEnv(repo, { AGENT_EVALS_OPENCODE_BIN: undefined, AGENT_EVALS_ENGINE: undefined });
    const child = spawn('npx', ['--no-install', 'agent-evals', ...args], { cwd: repo, env });
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

/** The cell's workspace folder, from wherever the runtime states it in the request. */
const workspaceOf = (body: unknown) => /(\/[^"\s\\]*\/cells\/[0-9a-f]+\/workspace)/.exec(JSON.stringify(body))?.[1] ?? '';
const SUMMARY = 'This service exposes GET /orders; the README says so.';
/** The scripted agent on Claude Code: read README.md, then answer. */
const claudeReply = (ctx: TurnContext) =>
  ctx.turn === 1
    ? { toolCalls: [{ name: 'Read', input: { file_path: path.join(workspaceOf(ctx.body), 'README.md') } }] }
    : { text: SUMMARY };
/** The same on OpenCode. */
const openCodeReply = (ctx: StreamContext) =>
  ctx.turn === 1 ? { toolCalls: [{ name: 'read', arguments: { filePath: 'README.md' } }] } : { text: SUMMARY };

const promptfooFile = (rel: string) => path.join(repo, 'node_modules', 'promptfoo', rel);
/** Whether patches/ is applied to the promptfoo installed in the scratch repository (patch-package ran). */
const promptfooPatched = () =>
  readdirSync(promptfooFile('dist/src'))
    .filter((f) => /^cache-.*\.js$/.test(f))
    .some((f) => readFileSync(promptfooFile(`dist/src/${f}`), 'utf8').includes('tolerateTornEntries'));

beforeAll(async () => {
  server = await startFakeOpenAI({ rules: [{ reply: 'I review pull requests for correctness. Ask me before you merge.' }] });
  [anthropic, openai] = await Promise.all([
    startFakeAnthropic({ rules: [{ reply: claudeReply }] }),
    startFakeOpenAIStream({ rules: [{ reply: openCodeReply }] }),
  ]);
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
  // The same agent kept for OpenCode too: two variants of `reviewer`.
  write(
    '.opencode/agent/reviewer.md',
    '---\ndescription: Use when a pull request needs review.\nmode: subagent\n---\n\nYou review code and never edit it.\n',
  );
  write('.opencode/agent/migrator.md', '---\ndescription: Use when a schema changes.\nmode: subagent\n---\n\nYou plan migrations.\n');
  write(
    'opencode.json',
    '{\n  // an agent defined inline\n  "agent": { "docs-writer": { "description": "Use when docs need writing.", "prompt": "You write docs." } }\n}\n',
  );
  write('.github/workflows/agent-evals.yml', MY_WORKFLOW);
  // --ignore-scripts: as npm 11 installs until the user approves install scripts.
  execFileSync(NPM, ['install', '--save-dev', '--ignore-scripts', '--no-audit', '--no-fund', '--prefer-offline', tarball], {
    cwd: repo,
    env: { ...process.env, npm_config_loglevel: 'error' },
    stdio: 'ignore',
    timeout: 600_000,
  });
}, 660_000);

afterAll(async () => {
  server?.close();
  await Promise.all([anthropic?.close(), openai?.close()]);
});

describe('installed into another repository', () => {
  it('npm install downloads no agent program unasked (OpenCode comes only from install-runtime)', () => {
    expect(existsSync(path.join(repo, '.agent-evals'))).toBe(false);
  });

  it('with no install script run, the first command bundles promptfoo once into the cache (patches/ applied while bundling), saying so', async () => {
    expect(existsSync(path.join(repo, 'node_modules', 'agent-evals', 'dist', 'engine'))).toBe(false);
    expect(promptfooPatched()).toBe(false);
    const version = JSON.parse(readFileSync(promptfooFile('package.json'), 'utf8')).version as string;
    const cache = path.join('node_modules', '.cache', 'agent-evals', `engine-0.1.0-promptfoo-${version}`);

    const first = await npx(['--version']);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr.trim().split('\n')).toEqual([
      `agent-evals: bundling promptfoo ${version} into ${cache}/ once (npm ran no install script of agent-evals, so dist/engine/ was not built); later commands load it in about half the time`,
    ]);
    // --version names the pinned runtimes.
    expect(first.stdout).toMatch(/^agent-evals 0\.1\.0\nClaude Code runtime: @anthropic-ai\/claude-agent-sdk \d+\.\d+\.\d+ \(pinned/);
    expect(first.stdout).toContain('OpenCode runtime: opencode-ai 1.18.33');
    const meta = JSON.parse(readFileSync(path.join(repo, cache, 'meta.json'), 'utf8')) as { patches: string; agentEvals: string };
    expect(meta).toMatchObject({ patches: 'applied while bundling', agentEvals: '0.1.0' });

    const second = await npx(['--version']);
    expect(second.stderr).toBe('');
  });

  it('init writes the starter files and touches nothing that exists; a second init writes nothing', async () => {
    const first = await npx(['init']);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout.split('\n').filter((l) => l.startsWith('wrote') || l.startsWith('kept'))).toEqual([
      'wrote evals/default.yaml',
      'wrote scenarios/reviewer/example.yaml',
      'wrote .github/workflows/agent-evals-baseline.yml',
      'kept  .github/workflows/agent-evals.yml (it exists)',
      'wrote evals/eval.schema.json',
      'wrote scenarios/scenario.schema.json',
      'wrote scenarios/trajectory.schema.json',
    ]);
    // The $schema comments point at the schemas written.
    for (const file of ['evals/default.yaml', 'scenarios/reviewer/example.yaml']) {
      const target = /^# yaml-language-server: \$schema=(\S+)$/m.exec(readFileSync(path.join(repo, file), 'utf8'))?.[1];
      expect(target, file).toBeDefined();
      expect(existsSync(path.join(repo, path.dirname(file), target!)), `${file} -> ${target}`).toBe(true);
    }
    const ignored = readFileSync(path.join(repo, '.gitignore'), 'utf8').split('\n');
    for (const line of ['reports/runs/', '.promptfoo/', '.agent-evals/']) expect(ignored).toContain(line);
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
      ['reviewer@claude', '.claude/agents', '.claude/agents/reviewer.md', 'claude-code'],
      ['migrator', '.opencode/agent', '.opencode/agent/migrator.md', 'opencode'],
      ['reviewer@opencode', '.opencode/agent', '.opencode/agent/reviewer.md', 'opencode'],
      ['docs-writer', 'opencode.json', 'opencode.json', 'opencode'],
    ]);
    const lint = await npx(['lint']);
    expect(lint.code, lint.stdout + lint.stderr).toBe(0);
    expect(lint.stdout).toContain('0 errors, 0 warnings in 4 files');
    const calibrate = await npx(['calibrate']);
    expect(calibrate.code, calibrate.stdout + calibrate.stderr).toBe(0);
    expect(calibrate.stdout).toMatch(/^calibration ok: 1 scenario, 2 assertions/m);
  });

  it('eval runs there against the test double on the bundled engine: both variants of reviewer, and an agent added after init', async () => {
    // Added after init, without touching the config: picked up.
    write('.claude/agents/triager.md', '---\nname: triager\ndescription: Use when an issue needs triage.\n---\n\nYou triage issues.\n');
    write(
      'scenarios/triager/asks.yaml',
      'id: asks\ntitle: Asks before acting\nagent: triager\nrequest: What do you do?\nassert:\n  - type: icontains\n    id: asks\n    value: ask me\nexamples:\n  pass: ["Ask me first."]\n  fail: ["I do it."]\n',
    );
    write('evals/fake.yaml', `models:\n  - ${JSON.stringify(fakeOpenAIProvider(server, 'fake-model'))}\nrepeats: 2\nconcurrency: 2\n`);
    const run = await npx(['--debug', 'eval', '-c', 'evals/fake.yaml']);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    // --debug says truthfully which engine ran: the first-use bundle, patched while bundling.
    expect(run.stderr).toMatch(
      /debug: engine: promptfoo \d+\.\d+\.\d+, bundled \(.*node_modules\/\.cache\/agent-evals\/engine-0\.1\.0-promptfoo-[\d.]+\/promptfoo\.mjs; patches\/ applied while bundling: npm ran no install script of agent-evals\)/,
    );
    expect(server.chatCalls).toHaveLength(6);
    const runs = readdirSync(path.join(repo, 'reports', 'runs'));
    expect(runs).toHaveLength(1);
    const results = readFileSync(path.join(repo, 'reports', 'runs', runs[0]!, 'results.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { variantId: string; status: string });
    expect(results.map((r) => `${r.variantId} ${r.status}`).sort()).toEqual([
      'reviewer@claude pass',
      'reviewer@claude pass',
      'reviewer@opencode pass',
      'reviewer@opencode pass',
      'triager pass',
      'triager pass',
    ]);
    for (const file of ['index.html', 'summary.md', 'junit.xml']) expect(readdirSync(path.join(repo, 'reports'))).toContain(file);
    // The page inlines the client script bundled into the packed CLI, allowed by its hash in the page's CSP.
    const page = readFileSync(path.join(repo, 'reports', 'index.html'), 'utf8');
    expect(page.match(/<script>([\s\S]*?)<\/script>/)?.[1]).toBe(CLIENT_SCRIPT);
    expect(page).toContain(`script-src &#39;sha256-${createHash('sha256').update(CLIENT_SCRIPT, 'utf8').digest('base64')}&#39;;`);
  });

  it('approving the install scripts later (npm rebuild agent-evals) patches promptfoo and builds dist/engine/, which then runs', async () => {
    execFileSync(NPM, ['rebuild', 'agent-evals'], { cwd: repo, env: { ...process.env, npm_config_loglevel: 'error' }, stdio: 'ignore' });
    expect(promptfooPatched()).toBe(true);
    const meta = JSON.parse(readFileSync(path.join(repo, 'node_modules', 'agent-evals', 'dist', 'engine', 'meta.json'), 'utf8'));
    expect(meta).toMatchObject({ patches: 'in node_modules', agentEvals: '0.1.0' });
    const run = await npx(['--debug', 'eval', '-c', 'evals/fake.yaml']);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.stderr).not.toContain('bundling promptfoo');
    expect(run.stderr).toMatch(/debug: engine: promptfoo [\d.]+, bundled \(.*node_modules\/agent-evals\/dist\/engine\/promptfoo\.mjs\)\n/);
  }, 300_000);

  it("install-runtime opencode installs the pinned OpenCode into the repository's .agent-evals/runtimes/opencode/, where the harness finds it; a second run installs nothing", async () => {
    const run = await npx(['install-runtime', 'opencode']);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    const prefix = path.join(repo, '.agent-evals', 'runtimes', 'opencode');
    expect(run.stderr).toContain(`installing opencode-ai@1.18.33 @opencode-ai/sdk@1.18.33 into ${prefix}`);
    const binary = run.stdout.trim().replace(/^installed opencode-ai@1\.18\.33 @opencode-ai\/sdk@1\.18\.33: /, '');
    expect(binary.startsWith(path.join(prefix, 'node_modules'))).toBe(true);
    expect(existsSync(binary)).toBe(true);
    // The harness running on this repository finds that install, not the package's own.
    expect(resolveOpenCodeBinary({ projectRoot: repo, env: {} })).toBe(binary);

    // A second run installs nothing and says where it is.
    const again = await npx(['install-runtime', 'opencode']);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).not.toContain('installing');
    expect(again.stdout.trim()).toBe(run.stdout.trim().replace(/^installed/, 'already installed'));
  }, 600_000);

  it('an agentic cell runs on both runtimes from the package (Claude Code through the optional SDK, OpenCode as installed)', async () => {
    write('scenarios/reviewer/workspaces/app/README.md', '# Orders\n\nGET /orders lists orders.\n');
    write(
      'scenarios/reviewer/agentic-readme.yaml',
      'id: agentic-readme\ntitle: Reads the README first\nagent: reviewer\ntags: [agentic]\nworkspace: workspaces/app\nrequest: What does this service expose?\nassert:\n  - type: reads-file\n    id: reads-readme\n    value: README.md\n  - type: no-writes\n',
    );
    write(
      'evals/agentic.yaml',
      `scenarios: ['tag:agentic']\nagents: [reviewer]\nmodels:\n  - ${JSON.stringify({ id: 'claude-test-model', runtime: 'claude-code', config: { apiBaseUrl: anthropic.origin, apiKey: 'sk-ant-test-key' } })}\n  - ${JSON.stringify({ id: 'test-model', runtime: 'opencode', config: { apiBaseUrl: openai.url, apiKey: 'test-key' } })}\nrepeats: 1\nconcurrency: 2\ntimeoutMs: 120000\n`,
    );
    const run = await npx(['eval', '-c', 'evals/agentic.yaml']);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    const runId = readdirSync(path.join(repo, 'reports', 'runs'))
      .sort()
      .at(-1)!;
    const rows = readFileSync(path.join(repo, 'reports', 'runs', runId, 'results.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { variantId: string; model: string; status: string; trajectory?: { runtime: string } });
    expect(rows.map((r) => `${r.variantId} ${r.model} ${r.trajectory?.runtime} ${r.status}`).sort()).toEqual([
      'reviewer@claude claude-code:claude-test-model claude-code pass',
      'reviewer@claude opencode:test-model opencode pass',
      'reviewer@opencode claude-code:claude-test-model claude-code pass',
      'reviewer@opencode opencode:test-model opencode pass',
    ]);
  }, 600_000);
});
