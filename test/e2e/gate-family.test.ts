/**
 * Issue 24, "bystanders decide the verdict", end to end: the real CLI against the loopback OpenAI
 * server in a temporary git repository. One agent's edit makes it fail 6 of 6 repeats it passed; two
 * unchanged variants of another agent answer as before. The verdict must not depend on whether the
 * bystanders were re-run (full run), carried (`--changed-since`), or re-run because an unrelated
 * scenario's title was edited.
 */
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { startFakeOpenAI } from '../support/fake-openai-server.ts';
import { createProject } from '../support/project-fixture.ts';
import { git } from '../support/ci-project.ts';

const agentFile = (name: string, who: string) =>
  `---\nname: ${name}\ndescription: Answers short questions about refunds. Use it for refund questions.\n---\n\nYou are the ${who}. Answer briefly and mention the refund policy.\n`;

const scenario = (id: string, agent: string, title: string) =>
  `id: ${id}\ntitle: ${title}\nagent: ${agent}\nrequest: How long do refunds take?\nassert:\n  - type: icontains\n    value: refund\n` +
  'examples:\n  pass: [{ label: good, text: Refunds take 5 days. }]\n  fail: [{ label: bad, text: No idea. }]\n';

// 6 discordant pairs all one way: exact McNemar p = 2·½⁶ = 0.03125, shown as 0.031. Plain Holm with the
// two re-run bystanders in the family made it 3 × 0.03125 = 0.094 (inconclusive, exit 0).
const REGRESSED =
  /^ {2}regressed +security\/auditor @ openai:chat:test-model: 0% .*vs baseline 100% .*mcnemar-exact discrete Holm p=0\.031 /m;

describe('gate: unchanged variants do not decide another variant’s verdict (issue 24)', () => {
  it('6/6 → 0/6 is regressed at p = 0.031 in a full run, with --changed-since, and after an unrelated title edit', {
    timeout: 240_000,
  }, async () => {
    await using server = await startFakeOpenAI({
      rules: [{ system: /careless/, reply: 'No idea.' }],
      defaultReply: 'Refunds take 5 days under our refund policy.',
    });
    using p = createProject({
      seedAgents: false,
      files: {
        'agents/security/auditor.md': agentFile('security', 'security auditor'),
        'agents/review/alpha.md': agentFile('review', 'alpha reviewer'),
        'agents/review/bravo.md': agentFile('review', 'bravo reviewer'),
        'scenarios/audit.yaml': scenario('audit', 'security', 'Refund audit'),
        'scenarios/review.yaml': scenario('review', 'review', 'Refund review'),
        '.gitignore': 'reports/runs/\nreports/*.html\nreports/*.md\nreports/*.xml\n.promptfoo/\n.promptfoo-*/\n',
      },
      evalConfig: {
        models: [{ id: 'openai:chat:test-model', config: { apiBaseUrl: server.url, apiKey: 'test-key' } }],
        repeats: 6,
        concurrency: 4,
        // No absolute bar could catch the drop: the statistical verdict must stand on its own.
        thresholds: { passRate: 0, criticalMustPass: false },
      },
    });
    const first = await p.cli(['eval']);
    expect(first.code, first.stderr).toBe(0);
    expect(server.chatCalls).toHaveLength(18); // (1 + 2 variants) × 1 scenario each × 6 repeats
    expect((await p.cli(['bless'])).code).toBe(0);
    git(p.root, 'init', '-q');
    git(p.root, 'add', '.');
    git(p.root, 'commit', '-q', '-m', 'agents, scenarios, baseline');
    git(p.root, 'branch', 'base');

    appendFileSync(path.join(p.root, 'agents/security/auditor.md'), '\nBe careless.\n');
    git(p.root, 'commit', '-q', '-am', 'auditor: careless');

    // Full run: the bystanders are measured again (promptfoo's cache may answer) as before: no discordant pair.
    server.reset();
    const full = await p.cli(['eval', '--ci']);
    expect(full.code, full.stdout + full.stderr).toBe(1);
    expect(full.stdout).toMatch(REGRESSED);
    expect(full.stdout).toMatch(/gate: regression \(exit 1\): 1 variant × model regressed$/m);
    const comment = await p.cli(['report', '--format', 'pr-comment']);
    expect(comment.stdout).toContain('### ❌ agent-evals: regression or missed threshold');
    expect(comment.stdout).toMatch(/^\| regressed \| security\/auditor \| openai:chat:test-model \| 100% → 0% \| .* \| 0\.031 \|$/m);

    // Affected-only: the bystanders are carried from the baseline.
    server.reset();
    const affected = await p.cli(['eval', '--ci', '--changed-since', 'base', '--baseline', 'base']);
    expect(affected.stdout).toMatch(/carried 12 cell\(s\) from baseline run/);
    expect(affected.code, affected.stdout + affected.stderr).toBe(1);
    expect(affected.stdout).toMatch(REGRESSED);
    expect(affected.stdout).toMatch(/unchanged +2 variant × model \(2 carried from the baseline, not tested\)/);

    // An unrelated scenario's title edited: its file changed, so it is re-run for both bystanders.
    const review = path.join(p.root, 'scenarios/review.yaml');
    writeFileSync(review, readFileSync(review, 'utf8').replace('title: Refund review', 'title: Refund review (renamed)'));
    server.reset();
    const retitled = await p.cli(['eval', '--ci', '--changed-since', 'base', '--baseline', 'base']);
    expect(retitled.stdout).toMatch(/1 scenario\(s\) \(review\)/);
    expect(retitled.stdout).not.toMatch(/carried from the baseline, not tested/);
    expect(retitled.code, retitled.stdout + retitled.stderr).toBe(1);
    expect(retitled.stdout).toMatch(REGRESSED);
  });
});
