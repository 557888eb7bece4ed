/**
 * Issue 28, the control arm end to end: `control: true` runs the bare model (no system message) beside
 * each variant, summary.md says what each agent file adds with the exact paired test, and the control's
 * recordings do not depend on any agent file's text (an edit replays them, it does not pay for them again).
 */
import { appendFileSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readResults, runIds, systemOf } from '../support/eval-project.ts';
import { type RecordedCall, startFakeOpenAI } from '../support/fake-openai-server.ts';
import { createMiniProject } from '../support/mini-project.ts';

const hasSystem = (c: RecordedCall) => ((c.body as { messages?: Array<{ role: string }> }).messages ?? []).some((m) => m.role === 'system');

describe('eval with control: true', () => {
  it('runs the bare model beside each variant and reports the gain with exact figures', { timeout: 240_000 }, async () => {
    // The bare model knows refunds only for order 1, on its first three repeats; "brief" always answers
    // well; "terse" only about order 1. 2 scenarios × 5 repeats = 10 pairs per variant.
    await using server = await startFakeOpenAI({
      defaultReply: (ctx) => {
        const good = 'Refunds take 5 days.';
        if (ctx.system === '') return ctx.user.includes('order 1') && ctx.sameRequestIndex < 3 ? good : 'No idea.';
        if (ctx.system.includes('terse')) return ctx.user.includes('order 1') ? good : 'No idea.';
        return good;
      },
    });
    using p = createMiniProject({ url: server.url, scenarios: 2, repeats: 5, concurrency: 1, config: { control: true } });

    const run = await p.cli(['eval', '--record']);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    // 3 variants (brief, terse, the control) × 2 scenarios × 5 repeats; the control's 10 carry no system message.
    expect(server.chatCalls).toHaveLength(30);
    expect(server.chatCalls.filter((c) => !hasSystem(c))).toHaveLength(10);
    expect(run.stdout).toMatch(
      /gain over the bare model \(control arm\):\n {2}helper\/brief @ openai:chat:agent-model: \+70 pts \[\+29, \+89\] over \(no agent\)/,
    );
    expect(server.chatCalls.filter((c) => hasSystem(c)).every((c) => systemOf(c).length > 0)).toBe(true);

    const results = readResults(p.root);
    const control = results.filter((r) => r.variantId === 'helper@control');
    expect(control).toHaveLength(10);
    expect(control.filter((r) => r.status === 'pass')).toHaveLength(3);
    // The control's tokens are what the double charged for the calls without a system message.
    const charged = server.chatCalls.filter((c) => !hasSystem(c)).reduce((n, c) => n + c.usage!.total_tokens, 0);
    const recorded = (control as Array<{ tokens?: { total: number } }>).reduce((n, r) => n + r.tokens!.total, 0);
    expect(charged).toBeGreaterThan(0);
    expect(recorded).toBe(charged);

    const md = readFileSync(path.join(p.root, 'reports', 'summary.md'), 'utf8');
    // brief: 10/10 vs 3/10, 7 pairs only brief passed, none only the bare model: p = 2·½⁷ = 1/64 = 0.016.
    // terse: 5/10 vs 3/10, 2 only terse, 0 only bare: p = 0.5; it could not have reached 1/64 (its
    // smallest p is 0.5), so discrete Holm leaves brief's 1/64 as it is.
    expect(md).toMatch(
      /\| helper\/brief \| openai:chat:agent-model \| 100% \| 30% \| \+70 pts \[\+29, \+89\] \| 7 \/ 0 of 10 \| p=0\.016 \| ✅ gain over the bare model \|/,
    );
    expect(md).toMatch(
      /\| helper\/terse \| openai:chat:agent-model \| 50% \| 30% \| \+20 pts \[−10, \+45\] \| 2 \/ 0 of 10 \| p=0\.500 \| ⚠️ no measurable gain over the bare model \|/,
    );
    const html = readFileSync(path.join(p.root, 'reports', 'index.html'), 'utf8');
    expect(html).toContain('<section id="control">');
    expect(html).toContain('no measurable gain over the bare model');

    // An edit to an agent file: its cells are no longer recorded; the control's still are (no agent text in them).
    appendFileSync(path.join(p.root, 'agents/helper/brief.md'), '\nAlways thank the customer.\n');
    server.reset();
    const replay = await p.cli(['eval', '--replay']);
    expect(replay.code, replay.stdout + replay.stderr).toBe(0);
    expect(server.calls).toHaveLength(0);
    const again = readResults(p.root, runIds(p.root).at(-1));
    expect(again.filter((r) => r.variantId === 'helper@control').map((r) => r.status)).toEqual(control.map((r) => r.status));
    expect(again.filter((r) => r.variantId === 'helper/brief').every((r) => r.status === 'not-recorded')).toBe(true);
  });

  it('refuses an agent file whose id takes the control suffix, and a control list naming no agent (exit 2)', {
    timeout: 240_000,
  }, async () => {
    await using server = await startFakeOpenAI({});
    using clash = createMiniProject({
      url: server.url,
      files: { 'agents/helper/x@control.md': '---\nname: other\ndescription: Use it for x.\n---\nYou are x.\n' },
    });
    const a = await clash.cli(['eval']);
    expect(a.code).toBe(2);
    expect(a.stderr).toMatch(/agents\/helper\/x@control\.md: agent file id "helper\/x@control" ends in "@control"/);
    using unknown = createMiniProject({ url: server.url, config: { control: ['helpr'] } });
    const b = await unknown.cli(['eval']);
    expect(b.code).toBe(2);
    expect(b.stderr).toMatch(/control\[0\]: "helpr" is not an agent name \(known: helper\)/);
    expect(server.chatCalls).toHaveLength(0);
  });
});
