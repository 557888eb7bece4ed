/**
 * The agent sandbox from the CLI (issue 22):
 * - before any call: a machine that cannot start bubblewrap stops the eval with exit 2, naming the cause and
 *   the fix; `sandbox: none` runs unjailed, and says so in meta.json, the console and the reports;
 * - the harness killed mid-cell: with SIGKILL, SIGTERM or SIGINT while an agent's shell command runs (and a
 *   background process it started), no process of the run survives, the API key was never written to any
 *   file, and the next command removes what the dead run left of its sandboxes (and of its socket folders).
 */
import { chmodSync, type Dirent, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { processesMatching } from '../runtimes/escape-kit.ts';
import { openCodeMissing } from '../runtimes/opencode-support.ts';
import { type FakeAnthropicServer, startFakeAnthropic } from '../support/fake-anthropic-server.ts';
import { type FakeOpenAIStreamServer, startFakeOpenAIStream } from '../support/fake-openai-stream-server.ts';
import { createProject, type Project } from '../support/project-fixture.ts';

const KEY = 'sk-REAL-kill-test-4f1c9a77e2';
const LONG = 'sleep 317 >/dev/null 2>&1 & sleep 318; echo finished';

const AGENT = `---
description: runs what it is told
mode: primary
tools:
  bash: true
  read: true
permission:
  bash: allow
---
KILL-TEST-AGENT: you run the command you are given.
`;

const SCENARIO = {
  id: 'long-command',
  title: 'A command that takes long',
  agent: 'runner',
  workspace: 'workspaces/ws',
  allow: ['bash'],
  request: 'Run the long command.',
  assert: [{ type: 'mentions', id: 'says-finished', value: ['finished'] }],
  examples: { pass: [{ file: 'examples/pass.md' }], fail: [{ file: 'examples/fail.md' }] },
};

/** Processes of this machine running the agent's sleeps. */
const sleeps = () => processesMatching(/^sleep 31[78]$/);

/**
 * Every file under `dir` whose bytes contain `text`, and every path naming a key folder. Walked folder by folder:
 * the running agent program creates and removes files (lock folders) while the walk goes on.
 */
function filesHolding(dir: string, text: string): string[] {
  const hits: string[] = [];
  const folders = [dir];
  while (folders.length > 0) {
    const folder = folders.pop()!;
    let entries: Dirent[];
    try {
      entries = readdirSync(folder, { withFileTypes: true });
    } catch {
      continue; // removed meanwhile
    }
    for (const e of entries) {
      const file = path.join(folder, e.name);
      if (/(^|\/)keys(\/|$)/.test(path.relative(dir, file))) hits.push(file);
      if (e.isDirectory()) folders.push(file);
      if (!e.isFile()) continue;
      try {
        const bytes = readFileSync(file);
        if (bytes.includes(text) || bytes.includes(Buffer.from(text).toString('base64'))) hits.push(file);
      } catch {
        // removed meanwhile
      }
    }
  }
  return hits;
}

async function until(what: string, check: () => boolean, tries = 600): Promise<void> {
  for (let i = 0; i < tries; i++) {
    if (check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`gave up waiting for: ${what}`);
}

let anthropic: FakeAnthropicServer;
let openai: FakeOpenAIStreamServer;
beforeAll(async () => {
  [anthropic, openai] = await Promise.all([
    startFakeAnthropic({
      rules: [
        { system: 'KILL-TEST-AGENT', turn: 1, reply: { toolCalls: [{ name: 'Bash', input: { command: LONG, description: 'long' } }] } },
      ],
      defaultReply: { text: 'finished' },
    }),
    startFakeOpenAIStream({
      rules: [
        { system: 'KILL-TEST-AGENT', turn: 1, reply: { toolCalls: [{ name: 'bash', arguments: { command: LONG, description: 'long' } }] } },
      ],
      fallback: { text: 'finished' },
    }),
  ]);
});
afterAll(async () => {
  await Promise.all([anthropic?.close(), openai?.close()]);
});

function project(runtime: 'claude-code' | 'opencode', extra: object = {}): Project {
  const model =
    runtime === 'claude-code'
      ? { id: 'claude-test-model', runtime, config: { apiBaseUrl: anthropic.origin, apiKey: KEY } }
      : { id: 'test-model', runtime, config: { apiBaseUrl: openai.url, apiKey: KEY } };
  return createProject({
    seedAgents: false,
    files: {
      'agents/runner/runner.md': AGENT,
      'scenarios/jail/long-command.yaml': SCENARIO,
      'scenarios/jail/workspaces/ws/README.md': '# A service\n',
      'scenarios/jail/examples/pass.md': 'The command finished.\n',
      'scenarios/jail/examples/fail.md': 'I could not run it.\n',
      'evals/default.yaml': { models: [model], concurrency: 1, timeoutMs: 120_000, ...extra },
    },
  });
}

const cases = (['claude-code', 'opencode'] as const).flatMap((runtime) =>
  (['SIGKILL', 'SIGTERM', 'SIGINT', 'SIGHUP'] as const).map((signal): ['claude-code' | 'opencode', NodeJS.Signals] => [runtime, signal]),
);

// OpenCode's cases are skipped, and say so, only where it is not installed outside CI (openCodeMissing throws under CI).
const openCodeAbsent = Boolean(openCodeMissing());

describe('the harness killed mid-cell', () => {
  it.for(cases)(
    '%s, %s: no process of the run survives, no key on disk, the next eval removes the sandboxes',
    {
      timeout: 180_000,
    },
    async ([runtime, signal], ctx) => {
      if (runtime === 'opencode' && openCodeAbsent) ctx.skip();
      using p = project(runtime);
      const child = p.spawnCli(['eval']);
      // A case that fails before its signal must not leave its harness (and the agent's sleeps) to the next case.
      ctx.onTestFinished(() => void child.kill('SIGKILL'));
      let stderr = '';
      child.stderr!.on('data', (d) => (stderr += d));
      const closed = new Promise<void>((resolve) => child.on('close', () => resolve()));
      const runs = path.join(p.root, 'reports', 'runs');
      let keyFiles: string[] = [];
      await until(`the agent's command running (${stderr.slice(-300)})`, () => {
        if (existsSync(runs)) keyFiles = [...keyFiles, ...filesHolding(runs, KEY)];
        return sleeps().length === 2;
      });
      const runId = readdirSync(runs)[0]!;
      expect(existsSync(path.join(runs, runId, 'cells')) || existsSync(path.join(runs, runId, 'opencode-home'))).toBe(true);
      // Its sockets' folders, named after it: what a killed harness cannot remove itself.
      const controlFolders = () => readdirSync(tmpdir()).filter((n) => new RegExp(`^agent-evals-ctl-\\d+-${child.pid}-`).test(n));
      expect(controlFolders()).not.toEqual([]);
      child.kill(signal);
      await closed;
      await until('every process of the run gone', () => sleeps().length === 0, 100);
      expect(keyFiles).toEqual([]);

      anthropic.configure({ rules: [], defaultReply: { text: 'finished' } });
      openai.configure({ rules: [], fallback: { text: 'finished' } });
      try {
        const next = await p.cli(['eval']);
        expect(next.code, next.stderr).toBe(0);
      } finally {
        anthropic.configure({
          rules: [
            { system: 'KILL-TEST-AGENT', turn: 1, reply: { toolCalls: [{ name: 'Bash', input: { command: LONG, description: 'long' } }] } },
          ],
        });
        openai.configure({
          rules: [
            {
              system: 'KILL-TEST-AGENT',
              turn: 1,
              reply: { toolCalls: [{ name: 'bash', arguments: { command: LONG, description: 'long' } }] },
            },
          ],
        });
      }
      expect(readdirSync(path.join(runs, runId)).filter((f) => f === 'cells' || f === 'opencode-home')).toEqual([]);
      expect(controlFolders()).toEqual([]);
      expect(filesHolding(p.root, KEY)).toEqual([path.join(p.root, 'evals', 'default.yaml')]);
    },
  );
});

/** Model calls so far (the readiness probe lists models; it is not a call). */
const messages = () => anthropic.requests.filter((r) => r.kind === 'messages').length;

describe('before any call', () => {
  const answer = () => {
    anthropic.configure({ rules: [], defaultReply: { text: 'finished' } });
    return messages();
  };
  afterAll(() => {
    anthropic.configure({
      rules: [
        { system: 'KILL-TEST-AGENT', turn: 1, reply: { toolCalls: [{ name: 'Bash', input: { command: LONG, description: 'long' } }] } },
      ],
    });
  });

  it('no bubblewrap: exit 2 naming the install command, no model call, no run left', async () => {
    using p = project('claude-code');
    const calls = answer();
    const out = await p.cli(['eval'], { env: { AGENT_EVALS_BWRAP: '/nonexistent/bwrap' } });
    expect(out.code, out.stderr).toBe(2);
    expect(out.stderr.trim().split('\n')).toHaveLength(1);
    expect(out.stderr).toContain('`/nonexistent/bwrap` (AGENT_EVALS_BWRAP) is not installed');
    expect(out.stderr).toContain('sudo apt-get install -y bubblewrap');
    expect(out.stderr).toContain('sandbox: none');
    expect(messages()).toBe(calls);
    const runs = path.join(p.root, 'reports', 'runs');
    expect(existsSync(runs) ? readdirSync(runs) : []).toEqual([]);
  });

  it('bubblewrap that cannot create namespaces (as under AppArmor): exit 2 naming the AppArmor setting', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'agent-evals-fake-bwrap-'));
    const fake = path.join(dir, 'bwrap');
    writeFileSync(fake, '#!/bin/sh\necho "bwrap: setting up uid map: Permission denied" >&2\nexit 1\n');
    chmodSync(fake, 0o755);
    try {
      using p = project('claude-code');
      const calls = answer();
      const out = await p.cli(['eval'], { env: { AGENT_EVALS_BWRAP: fake } });
      expect(out.code, out.stderr).toBe(2);
      expect(out.stderr).toContain('could not start one (bwrap: setting up uid map: Permission denied)');
      expect(out.stderr).toContain('kernel.apparmor_restrict_unprivileged_userns=0');
      expect(messages()).toBe(calls);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('sandbox: none runs unjailed and says so: console, meta.json, index.html, summary.md', async () => {
    using p = project('claude-code', { sandbox: 'none' });
    answer();
    const out = await p.cli(['eval'], { env: { AGENT_EVALS_BWRAP: '/nonexistent/bwrap' } });
    expect(out.code, out.stderr).toBe(0);
    expect(out.stderr).toContain('warning: sandbox: none');
    const runs = path.join(p.root, 'reports', 'runs');
    const meta = JSON.parse(readFileSync(path.join(runs, readdirSync(runs)[0]!, 'meta.json'), 'utf8'));
    expect(meta.sandbox).toBe('none');
    expect(readFileSync(path.join(p.root, 'reports', 'index.html'), 'utf8')).toContain('sandbox: none');
    expect(readFileSync(path.join(p.root, 'reports', 'summary.md'), 'utf8')).toContain('sandbox: none');
  });

  it('a jailed run says bubblewrap in meta.json', async () => {
    using p = project('claude-code');
    answer();
    const out = await p.cli(['eval']);
    expect(out.code, out.stderr).toBe(0);
    const runs = path.join(p.root, 'reports', 'runs');
    expect(JSON.parse(readFileSync(path.join(runs, readdirSync(runs)[0]!, 'meta.json'), 'utf8')).sandbox).toBe('bubblewrap');
    expect(readFileSync(path.join(p.root, 'reports', 'index.html'), 'utf8')).not.toContain('sandbox: none');
  });
});
