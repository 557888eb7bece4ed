/**
 * Issue 28: a pull request pays for the control arm once per model change. With `control: true` blessed
 * in the baseline, an edit to an agent file runs that variant only; the bare model's cells are carried
 * from the baseline, and the report still compares the edited variant with them.
 */
import { appendFileSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { startFakeOpenAI } from '../support/fake-openai-server.ts';
import { createProject } from '../support/project-fixture.ts';
import { FIVE_VARIANTS, git, refundScenario } from '../support/ci-project.ts';

const hasSystem = (body: unknown) => (body as { messages: Array<{ role: string }> }).messages.some((m) => m.role === 'system');

describe('eval --changed-since with control: true', () => {
  it('carries the control cells from the baseline when only an agent file changed', { timeout: 240_000 }, async () => {
    // The bare model never mentions refunds; every variant does.
    await using server = await startFakeOpenAI({
      defaultReply: (ctx) => (ctx.system === '' ? 'No idea.' : 'Refunds take 5 days under our refund policy.'),
    });
    using p = createProject({
      seedAgents: false,
      files: {
        'agents/helper/alpha.md': FIVE_VARIANTS['agents/helper/alpha.md']!,
        'agents/helper/bravo.md': FIVE_VARIANTS['agents/helper/bravo.md']!,
        'scenarios/q1.yaml': refundScenario(1),
        'scenarios/q2.yaml': refundScenario(2),
        '.gitignore': 'reports/runs/\nreports/*.html\nreports/*.md\nreports/*.xml\n.promptfoo/\n.promptfoo-*/\n',
      },
      evalConfig: {
        models: [{ id: 'openai:chat:test-model', config: { apiBaseUrl: server.url, apiKey: 'test-key' } }],
        repeats: 3,
        concurrency: 4,
        control: true,
      },
    });
    const full = await p.cli(['eval']);
    expect(full.code, full.stderr).toBe(0);
    expect(server.chatCalls).toHaveLength(3 * 2 * 3); // alpha, bravo, the control × 2 scenarios × 3 repeats
    expect((await p.cli(['bless'])).code).toBe(0);
    git(p.root, 'init', '-q');
    git(p.root, 'add', '.');
    git(p.root, 'commit', '-q', '-m', 'baseline');
    git(p.root, 'branch', 'base');

    git(p.root, 'checkout', '-q', '-b', 'pr');
    appendFileSync(path.join(p.root, 'agents/helper/alpha.md'), '\nAlways state the refund window in days.\n');
    git(p.root, 'commit', '-q', '-am', 'alpha: state the window');
    server.reset();
    const pr = await p.cli(['eval', '--ci', '--changed-since', 'base', '--baseline', 'base']);
    expect(pr.code, pr.stderr + pr.stdout).toBe(0);
    // Only alpha's 6 cells call the model; the control's 6 are carried, not paid for again.
    expect(server.chatCalls).toHaveLength(6);
    expect(server.chatCalls.every((c) => hasSystem(c.body))).toBe(true);
    expect(pr.stdout).toMatch(/carried 12 cell\(s\) from baseline run/);
    const md = readFileSync(path.join(p.root, 'reports', 'summary.md'), 'utf8');
    // 6/6 against 0/6: six discordant pairs one way, p = 2·½⁶ = 1/32; two comparisons that could each
    // reach 1/32 share the family, so the adjusted p is 2/32 = 0.0625 ≥ 0.05: no measurable gain yet.
    expect(md).toMatch(
      /\| helper\/alpha \| openai:chat:test-model \| 100% \| 0% \| \+100 pts \[\+\d+, \+100\] \| 6 \/ 0 of 6 \| p=0\.063 \|/,
    );
    expect(md).toContain('no measurable gain over the bare model');
  });
});
