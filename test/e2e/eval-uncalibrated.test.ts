/**
 * A new scenario without reference examples (issue 25, item 7): a one-line warning naming it, the eval
 * runs, and its verdicts are marked `uncalibrated` in the reports. A scenario whose examples show an
 * assertion that cannot tell good from bad still stops the eval (exit 1), as before.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FIVE_VARIANTS, refundScenario } from '../support/ci-project.ts';
import { runIds } from '../support/eval-project.ts';
import { startFakeOpenAI } from '../support/fake-openai-server.ts';
import { createProject } from '../support/project-fixture.ts';

/** A scenario with assertions and no `examples:` at all. */
const NEW_SCENARIO = `id: fresh
title: A brand new refund question
request: Can I get a refund on a gift card?
assert:
  - type: icontains
    value: refund
`;

/** Examples that show `icontains refund` cannot reject the bad answer. */
const WEAK_SCENARIO = `id: weak
title: Refund question, weak assertion
request: How long do refunds take?
assert:
  - type: icontains
    value: refund
examples:
  pass: [{ label: good, text: Refunds take 5 days. }]
  fail: [{ label: bad, text: I will not talk about refunds. }]
`;

const read = (root: string, file: string) => readFileSync(path.join(root, 'reports', file), 'utf8');

describe('eval: a scenario without reference examples', () => {
  it('warns in one line naming it, runs every scenario, marks its verdicts uncalibrated in every report', {
    timeout: 240_000,
  }, async () => {
    await using server = await startFakeOpenAI({ defaultReply: 'Refunds take 5 days under our refund policy.' });
    using p = createProject({
      seedAgents: false,
      files: {
        'agents/helper/alpha.md': FIVE_VARIANTS['agents/helper/alpha.md']!,
        'scenarios/q1.yaml': refundScenario(1),
        'scenarios/fresh.yaml': NEW_SCENARIO,
      },
      evalConfig: { models: [{ id: 'openai:chat:test-model', config: { apiBaseUrl: server.url, apiKey: 'test-key' } }], repeats: 1 },
    });
    const r = await p.cli(['eval']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const warnings = r.stderr.split('\n').filter((l) => l.includes('fresh'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(
      /^warning: scenario fresh \(scenarios\/fresh\.yaml\) has no reference examples: its verdicts are uncalibrated/,
    );
    expect(server.chatCalls).toHaveLength(2);
    const meta = JSON.parse(readFileSync(path.join(p.root, 'reports', 'runs', runIds(p.root).at(-1)!, 'meta.json'), 'utf8'));
    expect(meta.uncalibrated).toEqual(['fresh']);
    expect(read(p.root, 'summary.md')).toMatch(/uncalibrated.*`fresh`/);
    expect(read(p.root, 'summary.md')).not.toMatch(/uncalibrated.*`q1`/);
    const html = read(p.root, 'index.html');
    expect(html).toMatch(/<p class="warn">uncalibrated: scenario fresh has no reference examples/);
    // The drill-down: the scenario's own row says it, the calibrated one's does not.
    expect(html).toMatch(/<summary><b>fresh<\/b>[^\n]*>uncalibrated<\/span><\/summary>/);
    expect(html).not.toMatch(/<summary><b>q1<\/b>[^\n]*>uncalibrated<\/span><\/summary>/);
  });

  it('a scenario whose examples fail calibration still stops the eval: exit 1, no model called', { timeout: 240_000 }, async () => {
    await using server = await startFakeOpenAI({ defaultReply: 'Refunds take 5 days.' });
    using p = createProject({
      seedAgents: false,
      files: {
        'agents/helper/alpha.md': FIVE_VARIANTS['agents/helper/alpha.md']!,
        'scenarios/fresh.yaml': NEW_SCENARIO,
        'scenarios/weak.yaml': WEAK_SCENARIO,
      },
      evalConfig: { models: [{ id: 'openai:chat:test-model', config: { apiBaseUrl: server.url, apiKey: 'test-key' } }], repeats: 1 },
    });
    const r = await p.cli(['eval']);
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.stderr).toContain('calibration failed');
    expect(r.stderr).toMatch(/weak/);
    expect(server.chatCalls).toHaveLength(0);
  });
});
