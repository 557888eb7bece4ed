/** Latency figures in words, shared by the Markdown and HTML tables (issue 28). Pure. */
import type { LatencyStat } from '../../score/latency.ts';

export const LATENCY_HOW =
  'Latency of scored cells (errors left out), nearest rank: p = the value at rank ⌈q·n⌉ of the n sorted latencies. Per turn: each agent cell’s latency ÷ its model turns. Change: against the baseline run.';

export const ms = (x: number) => `${Math.round(x)} ms`;

/** `+120 ms (+15%)`, `−80 ms (−10%)`, `±0 ms`. */
export function latencyChange(now: number, then: number | undefined): string {
  if (then === undefined) return '–';
  const d = Math.round(now - then);
  const pct = then > 0 ? ` (${d > 0 ? '+' : d < 0 ? '−' : '±'}${Math.abs(Math.round(((now - then) / then) * 100))}%)` : '';
  return `${d > 0 ? '+' : d < 0 ? '−' : '±'}${Math.abs(d)} ms${pct}`;
}

export const turnText = (t: LatencyStat['turn']) => (t ? `${ms(t.p50)} / ${ms(t.p95)}` : '–');
