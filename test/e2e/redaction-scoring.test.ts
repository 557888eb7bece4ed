/**
 * Redaction never changes what is scored (issue 24, item 3). CI settings such as `ADMIN_PASSWORD=password`
 * and `POSTGRES_PASSWORD=postgres` are ordinary words, not secrets: an answer about "passwords" keeps its
 * words, is scored as the model gave it, and its recording is left alone. A real secret in the answer is
 * cut from what is written (results.jsonl, recordings, reports), never from what is scored.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeOpenAIServer, startFakeOpenAI } from '../support/fake-openai-server.ts';
import { createMiniProject, listFiles, STACK_FRAME } from '../support/mini-project.ts';
import { readResults, runIds } from '../support/eval-project.ts';

const REAL_SECRET = 'pg-Secret-7f3a9c21e5b8';
const CI_ENV = { ADMIN_PASSWORD: 'password', POSTGRES_PASSWORD: 'postgres', DB_PASSWORD: REAL_SECRET };

const PASSWORDS = `id: passwords
title: Password storage
request: How should we store passwords?
assert:
  - type: mentions
    value: password
examples:
  pass: [{ label: good, text: Hash passwords with argon2. }]
  fail: [{ label: bad, text: No idea. }]
`;

/** Passes only on the answer as given: the secret cut out, the pattern no longer matches. */
const ECHO = `id: echo
title: Connection string
request: Which connection string do we use?
assert:
  - type: regex
    value: "password [a-zA-Z]+-Secret-[0-9a-f]{12}"
examples:
  pass: [{ label: good, text: "postgres with password ab-Secret-0123456789ab" }]
  fail: [{ label: bad, text: No idea. }]
`;

let server: FakeOpenAIServer;

beforeAll(async () => {
  server = await startFakeOpenAI({
    rules: [{ user: /connection string/, reply: `Use postgres with password ${REAL_SECRET} on db:5432.` }],
    defaultReply: 'Hash passwords with argon2; keep the postgres password out of the repository.',
  });
});
afterAll(() => server?.close());

function recordings(root: string): Record<string, string> {
  const dir = path.join(root, 'evals', 'recordings');
  return Object.fromEntries(listFiles(dir).map((f) => [f, readFileSync(path.join(dir, f), 'utf8')]));
}

function artifacts(root: string): string[] {
  return ['reports', 'evals/recordings'].flatMap((dir) =>
    listFiles(path.join(root, dir)).map((f) => readFileSync(path.join(root, dir, f), 'latin1')),
  );
}

describe('redaction never changes what is scored', () => {
  it('"passwords" stays with ADMIN_PASSWORD=password in the environment: 100 % live and replayed, the recording untouched', {
    timeout: 240_000,
  }, async () => {
    using project = createMiniProject({ url: server.url, scenarios: 0, files: { 'scenarios/passwords.yaml': PASSWORDS } });
    const live = await project.cli(['eval'], { env: CI_ENV });
    expect(live.stderr).not.toMatch(STACK_FRAME);
    expect(live.code, live.stdout + live.stderr).toBe(0);
    const rows = readResults(project.root);
    expect(rows.map((r) => r.status)).toEqual(['pass', 'pass']);
    for (const r of rows) expect(r.output).toBe('Hash passwords with argon2; keep the postgres password out of the repository.');
    const recorded = recordings(project.root);
    expect(Object.values(recorded)).toHaveLength(2);
    for (const text of Object.values(recorded)) expect(text).toContain('Hash passwords with argon2; keep the postgres password');

    const replay = await project.cli(['eval', '--replay'], { env: CI_ENV });
    expect(replay.code, replay.stdout + replay.stderr).toBe(0);
    const replayed = readResults(project.root, runIds(project.root).at(-1));
    expect(replayed.map((r) => [r.source, r.status])).toEqual([
      ['replay', 'pass'],
      ['replay', 'pass'],
    ]);
    // Recorded again, live: not a byte changes.
    expect((await project.cli(['eval', '--record'], { env: CI_ENV })).code).toBe(0);
    expect(recordings(project.root)).toEqual(recorded);
  });

  it('a real secret in the answer is scored as given, and cut from results.jsonl, recordings and reports', {
    timeout: 240_000,
  }, async () => {
    using project = createMiniProject({ url: server.url, scenarios: 0, files: { 'scenarios/echo.yaml': ECHO } });
    const live = await project.cli(['eval'], { env: CI_ENV });
    expect(live.code, live.stdout + live.stderr).toBe(0);
    const rows = readResults(project.root);
    expect(rows.map((r) => r.status)).toEqual(['pass', 'pass']);
    for (const r of rows) expect(r.output).toBe('Use postgres with password [redacted] on db:5432.');
    const leaks = artifacts(project.root).filter((text) => text.includes(REAL_SECRET));
    expect(leaks).toEqual([]);
    expect(live.stdout + live.stderr).not.toContain(REAL_SECRET);
  });
});
