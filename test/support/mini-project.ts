/**
 * A minimal valid project for the robustness tests (faults, bad input, secrets): one agent with two
 * variants, N calibrated scenarios, and an eval config pointing at a fake OpenAI server. Built on the
 * shared `createProject` fixture so the real CLI runs on it as a child process.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { createProject, type Project } from './project-fixture.ts';

export const AGENT_FILES = {
  'agents/helper/brief.md': `---
name: helper
description: Answers short questions about refunds. Use it for refund questions.
---

You are a helpful refund assistant. Answer briefly.
`,
  'agents/helper/terse.md': `---
name: helper
description: Answers short questions about refunds. Use it for refund questions.
---

You are a terse refund assistant. Answer in one sentence.
`,
};

/** Scenario `<prefix><i>` (default `s<i>`): asks about refunds, passes when the answer mentions "refund". */
export function scenarioYaml(i: number, extraAssert = '', prefix = 's'): string {
  return `id: ${prefix}${i}
title: Refund question ${i}
request: How long do refunds take for order ${i}?
assert:
  - type: icontains
    value: refund
${extraAssert}examples:
  pass: [{ label: good, text: Refunds take 5 days. }]
  fail: [{ label: bad, text: No idea. }]
`;
}

export interface MiniProjectOptions {
  /** Base URL of the fake server (`server.url`). */
  url: string;
  scenarios?: number;
  repeats?: number;
  concurrency?: number;
  timeoutMs?: number;
  apiKey?: string;
  /** Extra top-level eval config keys (grader, thresholds…). */
  config?: Record<string, unknown>;
  files?: Record<string, string>;
}

export function evalConfig(opts: MiniProjectOptions): Record<string, unknown> {
  return {
    models: [{ id: 'openai:chat:agent-model', config: { apiBaseUrl: opts.url, apiKey: opts.apiKey ?? 'test-key' } }],
    repeats: opts.repeats ?? 1,
    concurrency: opts.concurrency ?? 4,
    timeoutMs: opts.timeoutMs ?? 10_000,
    ...opts.config,
  };
}

export function createMiniProject(opts: MiniProjectOptions): Project {
  const scenarios = Object.fromEntries(
    Array.from({ length: opts.scenarios ?? 2 }, (_, i) => [`scenarios/s${i + 1}.yaml`, scenarioYaml(i + 1)]),
  );
  return createProject({ seedAgents: false, files: { ...AGENT_FILES, ...scenarios, ...opts.files }, evalConfig: evalConfig(opts) });
}

/** Every regular file under `dir` (recursive), relative to it; [] when it does not exist. */
export function listFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    let entries: string[];
    try {
      entries = readdirSync(d);
    } catch {
      return;
    }
    for (const name of entries) {
      const full = path.join(d, name);
      const st = statSync(full, { throwIfNoEntry: false });
      if (st?.isDirectory()) walk(full);
      else if (st?.isFile()) out.push(path.relative(dir, full));
    }
  };
  walk(dir);
  return out.sort();
}

/** Parsed lines of the only run's results.jsonl. */
export function readOnlyRun(root: string): { runId: string; results: Array<Record<string, unknown>>; meta: Record<string, unknown> } {
  const runs = readdirSync(path.join(root, 'reports', 'runs'));
  if (runs.length !== 1) throw new Error(`expected one run, found ${runs.length}`);
  const dir = path.join(root, 'reports', 'runs', runs[0]!);
  const lines = readFileSync(path.join(dir, 'results.jsonl'), 'utf8').split('\n').filter(Boolean);
  return {
    runId: runs[0]!,
    results: lines.map((l) => JSON.parse(l) as Record<string, unknown>),
    meta: JSON.parse(readFileSync(path.join(dir, 'meta.json'), 'utf8')),
  };
}

/** A stack frame line as Node prints them. */
export const STACK_FRAME = /^\s+at .+[:(]/m;
