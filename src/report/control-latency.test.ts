import { describe, expect, it } from 'vitest';
import { compareWithControl } from '../score/control.ts';
import { latencyStats } from '../score/latency.ts';
import { renderControlSection } from './html/html-control.ts';
import { renderLatencySection } from './html/html-latency.ts';
import { controlMarkdown } from './markdown/control-md.ts';
import { latencyMarkdown } from './markdown/latency-md.ts';
import { baselineLatencyOf } from './model/latency-view.ts';
import { describeControl } from './text/control-text.ts';
import { renderPrComment } from './markdown/pr-comment.ts';
import { renderJunit } from './junit/junit.ts';
import { cell } from '../../test/support/cells.ts';
import { syntheticGate } from '../../test/support/report-synthetic.ts';

const EVIL = 'rev/<img src=x onerror=alert(1)>|x';
const letters = (variantId: string, s: string) =>
  [...s].map((ch, repeat) => cell({ variantId, agent: 'rev', scenarioId: 's1', repeat, status: ch === 'P' ? 'pass' : 'fail' }));
// 10 pairs: the bare model passes 3, the variant 9 (6 only the variant, 0 only the bare model): p = 1/32.
const control = compareWithControl([...letters('rev@control', 'PPPFFFFFFF'), ...letters(EVIL, 'PPPPPPPPPF')], 0.05);

describe('control arm in the reports', () => {
  it('says the Δ, its interval, the discordant pairs, the adjusted p and the verdict', () => {
    expect(describeControl(control[0]!)).toMatch(
      /^rev\/<img src=x onerror=alert\(1\)>\|x @ m1: \+60 pts \[\+\d+, \+\d+\] over \(no agent\) \(90% vs 30%, 6 \/ 0 of 10 discordant pairs, adjusted p=0\.031\) — gain over the bare model$/,
    );
    const md = controlMarkdown(control).join('\n');
    expect(md).toContain('### Gain over the bare model (control arm, (no agent))');
    expect(md).toContain('| 90% | 30% | +60 pts [');
    expect(md).toContain('rev/&lt;img src=x onerror=alert(1)&gt;\\|x');
    expect(md).not.toContain('<img');
    expect(controlMarkdown(undefined)).toEqual([]);
  });

  it('marks a variant that does not beat the bare model significantly', () => {
    const flat = compareWithControl([...letters('rev@control', 'PPPF'), ...letters('rev/a', 'PPFP')], 0.05);
    expect(controlMarkdown(flat).join('\n')).toContain('⚠️ no measurable gain over the bare model |');
    expect(String(renderControlSection(flat))).toContain('no measurable gain over the bare model');
  });

  it('leaves the control out of junit.xml: the bare model failing is no test failure', () => {
    const xml = renderJunit('r1', [...letters('rev@control', 'FFF'), ...letters('rev/a', 'PPP')]);
    expect(xml).not.toContain('rev@control');
    expect(xml).toContain('tests="1" failures="0"');
  });

  it('escapes variant names in the HTML section and the PR comment', () => {
    const page = String(renderControlSection(control));
    expect(page).not.toContain('<img');
    expect(page).toContain('&lt;img src=x onerror=alert(1)&gt;');
    const comment = renderPrComment({ gate: syntheticGate(), runId: 'r1', control });
    expect(comment).toContain('**Gain over the bare model** (control arm):');
    expect(comment).toContain('rev/&lt;img src=x onerror=alert(1)&gt;\\|x @ m1');
    expect(comment).not.toContain('<img');
  });
});

describe('latency in the reports', () => {
  const results = [100, 200, 300, 400, 1000].map((latencyMs, repeat) =>
    cell({ variantId: 'rev/a', scenarioId: 's', status: 'pass', repeat, latencyMs }),
  );
  const baseline = [{ agent: 'rev', variantId: 'rev/a', model: 'm1', n: 5, p50: 250, p95: 800 }];

  it('p50 / p95 and their change against the baseline run, from its history line', () => {
    const history = [{ runId: 'base', time: 't', git: {}, cells: [], latency: baseline }];
    expect(baselineLatencyOf(history, 'base')).toEqual(baseline);
    expect(baselineLatencyOf(history, 'other')).toBeUndefined();
    const md = latencyMarkdown(latencyStats(results), baseline);
    // Nearest rank over 5: p50 is rank 3 (300 ms), p95 rank 5 (1000 ms).
    expect(md).toContain('| rev/a | m1 | 5 | 300 ms | 1000 ms | +50 ms (+20%) | +200 ms (+25%) | – |');
    expect(latencyMarkdown(latencyStats(results))).toContain('| rev/a | m1 | 5 | 300 ms | 1000 ms | – | – | – |');
    expect(String(renderLatencySection(latencyStats(results), baseline))).toContain('<td>+200 ms (+25%)</td>');
  });

  it('per turn for agent cells', () => {
    const agentCells = [
      cell({ variantId: 'rev/a', scenarioId: 's', status: 'pass', latencyMs: 3000, turns: 3 } as never),
      cell({ variantId: 'rev/a', scenarioId: 's', status: 'pass', repeat: 1, latencyMs: 1000, turns: 2 } as never),
    ];
    expect(latencyMarkdown(latencyStats(agentCells)).join('\n')).toContain('| 1000 ms | 3000 ms | – | – | 500 ms / 1000 ms |');
  });
});
