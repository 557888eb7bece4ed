/**
 * `agent-evals eval` with a model that has no credentials (issue 4): its cells are `not-run`, reported
 * once with the variable to set, never fired at a server and never counted as failures; `--ci` makes it
 * an error (exit 2) before any call.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startFakeOpenAI, type FakeOpenAIServer } from '../support/fake-openai-server.ts';
import { evalProject, fakeModel, FAST_ENV, modelOf, readResults } from '../support/eval-project.ts';

let server: FakeOpenAIServer;

beforeAll(async () => {
  server = await startFakeOpenAI({ defaultReply: 'Use JWT access tokens.' });
});
afterAll(() => server.close());
beforeEach(() => server.reset());

const config = () => ({
  // A hosted model with no key anywhere (the project fixture strips *_API_KEY from the child's env),
  // next to one that can run.
  models: [{ id: 'openai:chat:gpt-4.1-mini', label: 'gpt-4.1-mini' }, fakeModel(server, 'model-a')],
  scenarios: ['auth-tokens'],
});

describe('eval: a model without credentials', () => {
  it('its cells are not-run (not failures), the env var is named once, the other model runs, exit 0', async () => {
    using project = evalProject({ config: config() });
    const run = await project.cli(['eval'], { env: FAST_ENV });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    const output = run.stdout + run.stderr;
    expect(output.match(/model gpt-4\.1-mini: cannot run: OPENAI_API_KEY is not set; set OPENAI_API_KEY/g)).toHaveLength(1);
    expect(run.stdout).toMatch(/5 cells did not run \(gpt-4\.1-mini\)/);

    const results = readResults(project.root);
    expect(results).toHaveLength(10);
    const notRun = results.filter((r) => r.model === 'gpt-4.1-mini');
    expect(notRun.map((r) => r.status)).toEqual(Array(5).fill('not-run'));
    expect(notRun.every((r) => r.error?.includes('OPENAI_API_KEY') && r.assertions.length === 0)).toBe(true);
    expect(results.filter((r) => r.model === 'openai:chat:model-a').map((r) => r.status)).toEqual(Array(5).fill('pass'));
    // Only the model that can run was called.
    expect(server.chatCalls).toHaveLength(5);
    expect(server.chatCalls.every((c) => modelOf(c) === 'model-a')).toBe(true);
    // Not-run cells are not failures: the console table shows no failing cell for that model.
    expect(run.stdout).not.toMatch(/fail/i);
  });

  it('--ci: a configured model that cannot run is an error, exit 2, one line, before any call', async () => {
    using project = evalProject({ config: config() });
    const run = await project.cli(['eval', '--ci'], { env: FAST_ENV });
    expect(run.code, run.stdout + run.stderr).toBe(2);
    expect(run.stderr).toContain('model gpt-4.1-mini: cannot run: OPENAI_API_KEY is not set');
    expect(run.stderr).toMatch(/^error: --ci: 1 configured model\(s\) cannot run \(gpt-4\.1-mini\)/m);
    expect(run.stderr).not.toMatch(/^\s+at /m);
    expect(server.chatCalls).toHaveLength(0);
  });
});
