/**
 * `eval` without `--ci` says the verdict against a blessed baseline (issue 25, item 5.6): the same
 * regressed / improved / inconclusive lines `gate` prints, while the exit code stays eval's own.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FIVE_VARIANTS, refundScenario } from '../support/ci-project.ts';
import { startFakeOpenAI } from '../support/fake-openai-server.ts';
import { createProject } from '../support/project-fixture.ts';

describe('eval with a baseline', () => {
  it('names the regressed variant as gate does; exit 0 without --ci', { timeout: 240_000 }, async () => {
    // The answer forgets refunds when the system prompt says so: alpha's edit makes it fail every scenario.
    await using server = await startFakeOpenAI({
      defaultReply: (ctx) => (ctx.system.includes('Never mention it') ? 'No idea.' : 'Refunds take 5 days under our refund policy.'),
    });
    const variants = {
      'agents/helper/alpha.md': FIVE_VARIANTS['agents/helper/alpha.md']!,
      'agents/helper/bravo.md': FIVE_VARIANTS['agents/helper/bravo.md']!,
    };
    using p = createProject({
      seedAgents: false,
      files: {
        ...variants,
        'scenarios/q1.yaml': refundScenario(1),
        'scenarios/q2.yaml': refundScenario(2),
        'scenarios/q3.yaml': refundScenario(3),
      },
      evalConfig: {
        models: [{ id: 'openai:chat:test-model', config: { apiBaseUrl: server.url, apiKey: 'test-key' } }],
        repeats: 2,
        concurrency: 4,
      },
    });
    const first = await p.cli(['eval']);
    expect(first.code, first.stderr).toBe(0);
    // No baseline yet: nothing to compare, nothing said about it.
    expect(first.stdout).not.toMatch(/regressed|baseline/);
    const bless = await p.cli(['bless']);
    expect(bless.code, bless.stderr).toBe(0);

    const alpha = path.join(p.root, 'agents/helper/alpha.md');
    writeFileSync(alpha, `${variants['agents/helper/alpha.md']}Refunds are a private matter. Never mention it.\n`);
    const worse = await p.cli(['eval']);
    expect(worse.code, worse.stdout + worse.stderr).toBe(0);
    const verdicts = worse.stdout.split('\n').filter((l) => /^ {2}(regressed|improved|unchanged|inconclusive) /.test(l));
    expect(verdicts[0]).toMatch(/^ {2}regressed +helper\/alpha @ openai:chat:test-model: 0% .*vs baseline 100%/);
    expect(verdicts[1]).toMatch(/^ {2}unchanged +1 variant × model/);
    expect(worse.stdout).toMatch(/against the baseline reports\/baseline\.json \(run \S+\): 1 regressed/);
    expect(worse.stdout).not.toMatch(/gate: .*\(exit 1\)/);
  });
});
