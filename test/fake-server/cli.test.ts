/** The fake server as a separate process (fake-openai-cli.ts), and plain `promptfoo eval` against it. */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { optionsFromJson, parseCliArgs } from '../support/fake-openai-cli.ts';
import type { RecordedCall } from '../support/fake-openai-server.ts';
import { promptfooTestEnv } from '../support/promptfoo-test-env.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const BIN = join(ROOT, 'node_modules/.bin');

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'fake-openai-cli-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Starts the CLI and resolves with the URL from its first stdout line. */
function startCli(args: string[]): Promise<{ child: ChildProcessWithoutNullStreams; url: string }> {
  const child = spawn(join(BIN, 'tsx'), ['test/support/fake-openai-cli.ts', ...args], { cwd: ROOT });
  cleanups.push(() => child.kill('SIGKILL'));
  return new Promise((resolveUrl, reject) => {
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const line = out.split('\n');
      if (line.length > 1) resolveUrl({ child, url: line[0]! });
    });
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.on('exit', (code) => reject(new Error(`fake-openai-cli exited ${code}: ${err}`)));
  });
}

function exited(child: ChildProcessWithoutNullStreams): Promise<number | null> {
  return new Promise((done) => child.once('exit', (code) => done(code)));
}

async function complete(url: string, user: string): Promise<string> {
  const res = await fetch(`${url}/chat/completions`, {
    method: 'POST',
    body: JSON.stringify({ model: 'test-model', messages: [{ role: 'user', content: user }] }),
  });
  return ((await res.json()) as { choices: Array<{ message: { content: string } }> }).choices[0]!.message.content;
}

describe('fake-openai-cli', () => {
  it('turns JSON options and flags into server options', () => {
    const options = optionsFromJson({ rules: [{ user: { regex: 'refund', flags: 'i' }, reply: 'r' }], latencyMs: 5 });
    expect(options.rules![0]!.user).toEqual(/refund/i);
    expect(options.latencyMs).toBe(5);
    expect(() => optionsFromJson({ rules: [{ user: 3, reply: 'r' }] })).toThrow(/rules\[0\]\.user must be a string/);
    expect(() => optionsFromJson({ graderRules: [{ verdict: {} }] })).toThrow(/verdict\.pass must be a boolean/);

    const { options: flagged } = parseCliArgs([
      '--latency',
      '200',
      '--fault-rate',
      '0.3',
      '--fault-kinds',
      'server-error,rate-limit',
      '--seed',
      '7',
    ]);
    expect(flagged.latencyMs).toBe(200);
    expect(flagged.faults).toEqual({ rates: { 'server-error': 0.15, 'rate-limit': 0.15 }, seed: 7 });
    expect(() => parseCliArgs(['--latency', 'soon'])).toThrow(/--latency must be a number/);
    expect(() => parseCliArgs(['--fault-rate', '0.1', '--fault-kinds', 'teapot'])).toThrow(/unknown fault kind "teapot"/);
  });

  it('serves from a JSON options file, exposes the call log, and writes it on SIGTERM', async () => {
    const dir = tempDir();
    writeFileSync(
      join(dir, 'fake.json'),
      JSON.stringify({ rules: [{ user: { regex: 'REFUND', flags: 'i' }, reply: 'Refunds take 5 days.' }], defaultReply: 'ok' }),
    );
    const { child, url } = await startCli(['--config', join(dir, 'fake.json'), '--calls-out', join(dir, 'calls.json')]);
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1$/);
    expect(await complete(url, 'a refund please')).toBe('Refunds take 5 days.');
    expect(await complete(url, 'hello')).toBe('ok');
    const stats = (await (await fetch(`${url.replace(/\/v1$/, '')}/__fake/stats`)).json()) as { chat: number };
    expect(stats.chat).toBe(2);

    const exit = exited(child);
    child.kill('SIGTERM');
    expect(await exit).toBe(0);
    const log = JSON.parse(readFileSync(join(dir, 'calls.json'), 'utf8')) as { calls: RecordedCall[] };
    expect(log.calls.map((c) => c.reply)).toEqual(['Refunds take 5 days.', 'ok']);
  });

  it('serves plain `promptfoo eval` (the benchmark peer) with the configured concurrency', async () => {
    const dir = tempDir();
    const { child, url } = await startCli(['--default-reply', 'fine', '--latency', '500']);
    const tests = Array.from({ length: 8 }, (_, i) => `  - vars: { q: "question ${i}" }\n    assert: [{ type: equals, value: fine }]`).join(
      '\n',
    );
    writeFileSync(
      join(dir, 'promptfooconfig.yaml'),
      `prompts: ["Answer: {{q}}"]\nproviders:\n  - id: openai:chat:test-model\n    config: { apiBaseUrl: "${url}", apiKey: test-key }\ntests:\n${tests}\n`,
    );
    const pf = spawn(
      join(BIN, 'promptfoo'),
      ['eval', '-c', 'promptfooconfig.yaml', '--no-cache', '-j', '8', '-o', 'out.json', '--no-write', '--no-table'],
      {
        cwd: dir,
        env: { ...process.env, ...promptfooTestEnv(dir) },
      },
    );
    let output = '';
    pf.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    pf.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const code = await new Promise<number | null>((done) => pf.once('exit', done));
    expect(code, output).toBe(0);
    const out = JSON.parse(readFileSync(join(dir, 'out.json'), 'utf8')) as { results: { stats: { successes: number } } };
    expect(out.results.stats.successes).toBe(8);
    const stats = (await (await fetch(`${url.replace(/\/v1$/, '')}/__fake/stats`)).json()) as { chat: number; maxInFlight: number };
    expect(stats.chat).toBe(8);
    // The CLI sizes its HTTP pool from -j, unlike the Node API (see promptfoo.test.ts).
    expect(stats.maxInFlight).toBe(8);
    child.kill('SIGTERM');
  });
});
