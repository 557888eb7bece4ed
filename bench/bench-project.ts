/**
 * The project every overhead, replay and memory figure runs: variants of one refund agent, refund
 * scenarios scored offline, two models at a fake OpenAI server (bench/run.ts, bench/replay-ab.ts).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';

/** The bench's concurrency (-j): the ideal time is ceil(calls / this) × latency. */
export const CONCURRENCY = 16;

export const PROMPTS = [
  'You are a refund assistant. Answer briefly and mention refunds.',
  'You are a terse refund assistant. One sentence about the refund.',
  'You are a careful refund assistant. State the refund timeline first.',
  'You are a friendly refund assistant. Be warm, mention the refund.',
  'You are a formal refund assistant. Cite the refund policy.',
];

/** An agent-evals project: 5 variants of one agent, `scenarios` scenarios, 2 models at `url`. */
export function writeHarnessProject(root: string, opts: { url: string; scenarios: number; repeats: number; variants?: number }): void {
  const put = (rel: string, text: string) => {
    mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    writeFileSync(path.join(root, rel), text);
  };
  PROMPTS.slice(0, opts.variants ?? 5).forEach((prompt, i) => {
    put(
      `agents/helper/v${i + 1}.md`,
      `---\nname: helper\ndescription: Answers refund questions. Use it for refund questions.\n---\n\n${prompt}\n`,
    );
  });
  for (let s = 1; s <= opts.scenarios; s++) {
    put(
      `scenarios/s${s}.yaml`,
      `id: s${s}\ntitle: Refund question ${s}\nrequest: How long does a refund take for order ${s}?\nassert:\n  - type: icontains\n    value: refund\nexamples:\n  pass: [{ label: good, text: Refunds take 5 days. }]\n  fail: [{ label: bad, text: No idea. }]\n`,
    );
  }
  put(
    'evals/default.yaml',
    stringify({
      models: ['m1', 'm2'].map((m) => ({ id: `openai:chat:${m}`, config: { apiBaseUrl: opts.url, apiKey: 'bench-key' } })),
      repeats: opts.repeats,
      concurrency: CONCURRENCY,
      timeoutMs: 60_000,
    }),
  );
}
