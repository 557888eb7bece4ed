/**
 * The cell counts in the headers of summary.md and index.html add up on an affected-only run: the cells
 * run and the cells carried from the baseline are named apart, out of the run's whole matrix.
 */
import { appendFileSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FIVE_VARIANTS, git, refundScenario } from '../support/ci-project.ts';
import { startFakeOpenAI } from '../support/fake-openai-server.ts';
import { createProject } from '../support/project-fixture.ts';

const header = (root: string) => {
  const summary = readFileSync(path.join(root, 'reports', 'summary.md'), 'utf8').split('\n')[2]!;
  const html = readFileSync(path.join(root, 'reports', 'index.html'), 'utf8').match(/<p>Run <b>.*?<\/p>/)![0];
  return { summary, html };
};

describe('the header counts of an eval --changed-since run', () => {
  it('say "N run + M carried of T cells" in summary.md and index.html', { timeout: 240_000 }, async () => {
    await using server = await startFakeOpenAI({ defaultReply: 'Refunds take 5 days under our refund policy.' });
    using p = createProject({
      seedAgents: false,
      files: {
        ...FIVE_VARIANTS,
        'scenarios/q1.yaml': refundScenario(1),
        'scenarios/q2.yaml': refundScenario(2),
        '.gitignore': 'reports/runs/\nreports/*.html\nreports/*.md\nreports/*.xml\n.promptfoo/\n.promptfoo-*/\n',
      },
      evalConfig: {
        models: [{ id: 'openai:chat:test-model', config: { apiBaseUrl: server.url, apiKey: 'test-key' } }],
        repeats: 1,
        concurrency: 4,
      },
    });
    const full = await p.cli(['eval']);
    expect(full.code, full.stderr).toBe(0);
    // A run that carried nothing keeps the short form.
    expect(header(p.root).summary).toMatch(/^10\/10 cells · /);
    expect(header(p.root).html).toContain(' · 10/10 cells');
    expect((await p.cli(['bless'])).code).toBe(0);
    git(p.root, 'init', '-q');
    git(p.root, 'add', '.');
    git(p.root, 'commit', '-q', '-m', 'agents, scenarios, baseline');

    appendFileSync(path.join(p.root, 'agents/helper/charlie.md'), '\nAlways state the refund window in days.\n');
    const edited = await p.cli(['eval', '--changed-since', 'HEAD']);
    expect(edited.code, edited.stderr + edited.stdout).toBe(0);
    expect(server.chatCalls).toHaveLength(12); // 10, then charlie's 2
    const { summary, html } = header(p.root);
    expect(summary).toMatch(/^2 run \+ 8 carried of 10 cells · /);
    expect(html).toContain(' · 2 run + 8 carried of 10 cells');
    expect(`${summary}${html}`).not.toMatch(/10\/2 cells/);
  });
});
