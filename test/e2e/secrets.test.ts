/**
 * Secret hygiene (issue 7): distinctive keys planted in the environment, in `.env`, and in the eval
 * config's provider `apiKey`, plus a model that echoes them back, must never reach an artifact:
 * reports/ (HTML, Markdown, JUnit, history, run folders), evals/recordings/, or the captured output.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOpenAI, type FakeOpenAIServer } from '../support/fake-openai-server.ts';
import type { CliResult, Project } from '../support/project-fixture.ts';
import { createMiniProject, listFiles, STACK_FRAME } from '../support/mini-project.ts';

const KEYS = {
  OPENAI_API_KEY: 'sk-plant-openai-4f1d9a7c2b8e6035',
  MY_SERVICE_TOKEN: 'tok-plant-mysvc-93c7e1a5d0b24f68',
  DOTENV_SECRET: 'dot-plant-envfile-5a2c8e0f7b3d9146', // from .env, not the process environment
  CONFIG_API_KEY: 'sk-plant-config-0e6b4d2a9f1c7358', // written in evals/default.yaml
};

describe('planted keys never reach an artifact', () => {
  let server: FakeOpenAIServer;
  let project: Project;
  const runs: CliResult[] = [];

  beforeAll(async () => {
    server = await startFakeOpenAI({
      // A model that leaks every key it might know, in its answer.
      defaultReply: `Refunds take 5 days. Debug: ${Object.values(KEYS).join(' ')} Bearer ${KEYS.OPENAI_API_KEY}`,
    });
    project = createMiniProject({ url: server.url, scenarios: 2, repeats: 2 });
    project.write('.env', `APP_SECRET=${KEYS.DOTENV_SECRET}\n`);
    project.write('evals/default.yaml', {
      models: [
        // Key from OPENAI_API_KEY in the environment.
        { id: 'openai:chat:env-keyed', config: { apiBaseUrl: server.url } },
        // Key written in the config file.
        { id: 'openai:chat:config-keyed', config: { apiBaseUrl: server.url, apiKey: KEYS.CONFIG_API_KEY } },
      ],
      repeats: 2,
      concurrency: 4,
      timeoutMs: 10_000,
    });
    // promptfoo's state where a user's run keeps it (not the test fixture's folders): see the last test.
    // Ordinary variables whose values the answer contains: not secrets, so never cut (the answer would
    // then fail its "refund" check): see the last test.
    const ordinary = { GIT_AUTHOR_NAME: 'Refunds take', XAUTHORITY: '5 days. Debug' };
    const env = {
      OPENAI_API_KEY: KEYS.OPENAI_API_KEY,
      MY_SERVICE_TOKEN: KEYS.MY_SERVICE_TOKEN,
      ...ordinary,
      PROMPTFOO_CACHE_PATH: undefined,
      PROMPTFOO_CONFIG_DIR: undefined,
    };
    runs.push(await project.cli(['eval'], { env }));
    runs.push(await project.cli(['report'], { env }));
    runs.push(await project.cli(['eval', '--replay'], { env }));
  }, 240_000);
  afterAll(async () => {
    await server?.close();
    project?.[Symbol.dispose]();
  });

  it('ran for real: both models called with their keys, the answer arrived, reports and recordings written', () => {
    for (const r of runs) expect(r.stderr).not.toMatch(STACK_FRAME);
    expect(runs.map((r) => r.code)).toEqual([0, 0, 0]);
    expect(server.chatCalls).toHaveLength(2 * 2 * 2 * 2);
    // The keys did reach the server (as Authorization headers), so there was something to leak.
    const fingerprints = new Set(server.chatCalls.map((c) => c.auth.fingerprint));
    expect(fingerprints.size).toBe(2);
    const { results } = readOnlyRunLatest(project.root);
    expect(results.filter((r) => r.status === 'pass')).toHaveLength(16);
    expect(listFiles(path.join(project.root, 'evals', 'recordings')).length).toBe(16);
    for (const f of ['index.html', 'summary.md', 'junit.xml', 'history.jsonl'])
      expect(listFiles(path.join(project.root, 'reports'))).toContain(f);
  });

  function leaksOf(key: string): string[] {
    const leaks: string[] = [];
    for (const dir of ['reports', 'evals/recordings']) {
      for (const rel of listFiles(path.join(project.root, dir))) {
        const text = readFileSync(path.join(project.root, dir, rel), 'latin1');
        if (text.includes(key)) leaks.push(`${dir}/${rel}`);
      }
    }
    runs.forEach((r, i) => {
      if (r.stdout.includes(key)) leaks.push(`run ${i} stdout`);
      if (r.stderr.includes(key)) leaks.push(`run ${i} stderr`);
    });
    return leaks;
  }

  it.each(['OPENAI_API_KEY', 'MY_SERVICE_TOKEN', 'DOTENV_SECRET'] as const)(
    '%s appears in no file under reports/ or evals/recordings/, nor in stdout/stderr',
    (name) => {
      expect(leaksOf(KEYS[name])).toEqual([]);
    },
  );

  it("promptfoo's response cache (raw answers, echoed keys and all) is kept in .promptfoo/, out of reports/", () => {
    const cached = listFiles(path.join(project.root, '.promptfoo', 'cache'));
    expect(cached.filter((f) => !path.basename(f).startsWith('.'))).toHaveLength(16);
    expect(
      cached.some((f) => readFileSync(path.join(project.root, '.promptfoo', 'cache', f), 'latin1').includes(KEYS.OPENAI_API_KEY)),
    ).toBe(true);
    expect(listFiles(path.join(project.root, 'reports')).filter((f) => f.includes('.promptfoo'))).toEqual([]);
  });

  // A key written in the eval config (not the environment) is cut from answers too.
  it('CONFIG_API_KEY (written in the eval config) appears in no artifact either', () => {
    expect(leaksOf(KEYS.CONFIG_API_KEY)).toEqual([]);
  });

  it('the config key is still never written by the harness itself (meta.json, stdout/stderr)', () => {
    expect(leaksOf(KEYS.CONFIG_API_KEY).filter((f) => /meta\.json|stdout|stderr/.test(f))).toEqual([]);
  });

  it('redacts provider configs in meta.json, and the echoed answer is kept with the keys cut out', () => {
    const { meta, results } = readOnlyRunLatest(project.root);
    const models = (meta.config as { models: Array<{ config: Record<string, unknown> }> }).models;
    expect(models[1]!.config.apiKey).toBe('[redacted]');
    expect(models[1]!.config.apiBaseUrl).toBe(server.url);
    const output = String(results.find((r) => r.status === 'pass')!.output);
    // GIT_AUTHOR_NAME and XAUTHORITY hold ordinary values, not secrets: left in the answer.
    expect(output).toMatch(/^Refunds take 5 days\. Debug: /);
    expect(output).toContain('[redacted]');
  });
});

/** The latest run folder (the test makes two). */
function readOnlyRunLatest(root: string) {
  const runsDir = path.join(root, 'reports', 'runs');
  const ids = listFiles(runsDir)
    .filter((f) => f.endsWith('meta.json'))
    .map((f) => f.split('/')[0]!)
    .sort();
  const latest = ids.at(-1)!;
  const lines = readFileSync(path.join(runsDir, latest, 'results.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean);
  return {
    meta: JSON.parse(readFileSync(path.join(runsDir, latest, 'meta.json'), 'utf8')) as Record<string, unknown>,
    results: lines.map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

/**
 * Credentials in a model's URL (issue 13, item 18): `http://user:password@host/v1` is a secret like a key.
 * One model answers and echoes the other's URL and password; the other (credentials in its
 * `apiBaseUrl`) cannot be reached that way. Neither the password nor `user:password` reaches a file.
 */
describe('a password in a model URL never reaches an artifact', () => {
  const PASSWORD = 'url-plant-pass-7c1e5b9d';
  let server: FakeOpenAIServer;
  let project: Project;
  let run: CliResult;
  let credentialed: string;

  beforeAll(async () => {
    server = await startFakeOpenAI({ defaultReply: () => `Refunds take 5 days. Proxy: ${credentialed} (password ${PASSWORD})` });
    credentialed = server.url.replace('http://', `http://agent:${PASSWORD}@`);
    project = createMiniProject({
      url: server.url,
      config: {
        models: [
          { id: 'openai:chat:plain', config: { apiBaseUrl: server.url, apiKey: 'test-key' } },
          { id: 'openai:chat:credentialed', config: { apiBaseUrl: credentialed, apiKey: 'test-key' } },
        ],
      },
    });
    run = await project.cli(['eval']);
  }, 240_000);
  afterAll(async () => {
    await server?.close();
    project?.[Symbol.dispose]();
  });

  it('ran: the plain model answered', () => {
    expect(run.stderr).not.toMatch(STACK_FRAME);
    const { results } = readOnlyRunLatest(project.root);
    expect(results.filter((r) => r.model === 'openai:chat:plain' && r.status === 'pass')).toHaveLength(4);
  });

  it('meta.json keeps the URL with its credentials cut out', () => {
    const { meta } = readOnlyRunLatest(project.root);
    const models = (meta.config as { models: Array<{ config: Record<string, unknown> }> }).models;
    expect(models[1]!.config.apiBaseUrl).toBe(server.url.replace('http://', 'http://[redacted]@'));
  });

  function leaksOf(...secrets: string[]): string[] {
    const leaks: string[] = [];
    for (const dir of ['reports', 'evals/recordings']) {
      for (const rel of listFiles(path.join(project.root, dir))) {
        const text = readFileSync(path.join(project.root, dir, rel), 'latin1');
        if (secrets.some((s) => text.includes(s))) leaks.push(`${dir}/${rel}`);
      }
    }
    if (secrets.some((s) => run.stdout.includes(s))) leaks.push('stdout');
    if (secrets.some((s) => run.stderr.includes(s))) leaks.push('stderr');
    return leaks;
  }

  it('answers echoing the URL or the password are cut, in results.jsonl and in recordings', () => {
    const { results } = readOnlyRunLatest(project.root);
    const answers = results.filter((r) => r.model === 'openai:chat:plain').map((r) => String(r.output));
    expect(answers).toHaveLength(4);
    for (const a of answers)
      expect(a).toMatch(/^Refunds take 5 days\. Proxy: http:\/\/\[redacted\]@127\.0\.0\.1:\d+\/v1 \(password \[redacted\]\)$/);
    expect(leaksOf(PASSWORD).filter((f) => f.startsWith('evals/recordings/'))).toEqual([]);
  });

  // The "cannot run" reason comes from the credential probe (src/run/credentials.ts), which names the
  // server's URL: it must cut the credentials with redactUrlCredentials.
  it('the password appears in no file under reports/ or evals/recordings/, nor in stdout/stderr', () => {
    expect(leaksOf(PASSWORD)).toEqual([]);
  });
});
