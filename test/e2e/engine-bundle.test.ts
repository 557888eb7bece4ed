/**
 * The CLI loads promptfoo from dist/engine/, the esbuild bundle `npm install` builds from the installed
 * (and patched) package (scripts/build-engine.mjs), because it imports in half the time. It must be
 * the same engine: the same run through the bundle and through node_modules/promptfoo
 * (AGENT_EVALS_ENGINE=promptfoo) gives the same calls, answers, gradings and scores.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOpenAI, type FakeOpenAIServer } from '../support/fake-openai-server.ts';
import { byCell, evalProject, fakeModel, FAST_ENV, readResults, runIds, SEEDS, type ResultLine } from '../support/eval-project.ts';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
let server: FakeOpenAIServer;

beforeAll(async () => {
  server = await startFakeOpenAI({
    rules: [{ system: 'reliable, secure, and scalable server-side systems', reply: 'Rename it in place during a quiet hour.' }],
    defaultReply: 'Expand: add the new column, backfill in batches, then contract.',
    graderRules: [
      { output: 'Expand:', verdict: { pass: true, score: 1, reason: 'expand, backfill, contract: in order' } },
      { output: 'Rename it in place', verdict: { pass: false, score: 0, reason: 'renames in place' } },
    ],
  });
});
afterAll(() => server.close());

const requests = (s: FakeOpenAIServer) => s.calls.map((c) => JSON.stringify([c.kind, c.body])).sort();
const comparable = (rows: ResultLine[]) =>
  byCell(rows).map((r) => ({
    cellId: r.cellId,
    status: r.status,
    score: r.score,
    output: r.output,
    assertions: r.assertions.map((a) => [a.id, a.pass, a.score, a.reason]),
  }));

describe('the bundled engine (dist/engine/)', () => {
  it('was built from the installed promptfoo', () => {
    const meta = JSON.parse(readFileSync(path.join(REPO, 'dist', 'engine', 'meta.json'), 'utf8')) as { promptfoo: string };
    const installed = JSON.parse(readFileSync(path.join(REPO, 'node_modules', 'promptfoo', 'package.json'), 'utf8')) as { version: string };
    expect(meta.promptfoo).toBe(installed.version);
  });

  it('is what the CLI runs, and scores a run (answers and rubric gradings) exactly as node_modules/promptfoo does', {
    timeout: 240_000,
  }, async () => {
    using project = evalProject({
      fixtures: ['rubric'],
      config: {
        agents: [SEEDS.delegating, SEEDS.reliability],
        models: [fakeModel(server, 'model-under-test')],
        grader: fakeModel(server, 'grader-model', { temperature: 0 }),
        repeats: 2,
      },
    });
    const bundled = await project.cli(['--debug', 'eval', '--record'], { env: FAST_ENV });
    expect(bundled.code, bundled.stdout + bundled.stderr).toBe(0);
    expect(bundled.stderr).toMatch(/debug: engine: promptfoo \d+\.\d+\.\d+, bundled \(.*dist\/engine\/promptfoo\.mjs\)/);
    const bundledCalls = requests(server);
    expect([server.chatCalls.length, server.graderCalls.length]).toEqual([4, 4]);

    server.reset();
    const installed = await project.cli(['--debug', 'eval', '--record'], { env: { ...FAST_ENV, AGENT_EVALS_ENGINE: 'promptfoo' } });
    expect(installed.code, installed.stdout + installed.stderr).toBe(0);
    expect(installed.stderr).toMatch(/debug: engine: promptfoo \d+\.\d+\.\d+ from node_modules \(AGENT_EVALS_ENGINE=promptfoo\)/);
    expect(requests(server)).toEqual(bundledCalls);

    const [first, second] = runIds(project.root);
    const a = readResults(project.root, first);
    expect(a.map((r) => r.status).sort()).toEqual(['fail', 'fail', 'pass', 'pass']);
    expect(comparable(readResults(project.root, second))).toEqual(comparable(a));
  });
});
