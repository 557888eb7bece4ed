/**
 * Twin models (issue 24, item 2): two entries with the same provider id (`openai:chat:local`) on two
 * servers, under two labels, answer differently. Each records its own answers, and `--replay` gives
 * each its own back: the recording key is the whole model entry, not the provider id alone.
 */
import { createHash } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordingHash } from '../../src/plan/recording-key.ts';
import { stableJson } from '../../src/shared/stable-json.ts';
import { type FakeOpenAIServer, startFakeOpenAI } from '../support/fake-openai-server.ts';
import { AGENT_FILES, createMiniProject, listFiles, STACK_FRAME } from '../support/mini-project.ts';
import { readResults, runIds } from '../support/eval-project.ts';

let good: FakeOpenAIServer;
let bad: FakeOpenAIServer;

beforeAll(async () => {
  [good, bad] = await Promise.all([
    startFakeOpenAI({ defaultReply: 'Refunds take 5 days.' }),
    startFakeOpenAI({ defaultReply: 'No idea.' }),
  ]);
});
afterAll(async () => {
  await Promise.all([good?.close(), bad?.close()]);
});

/** Pass rate per model label. */
function passRates(rows: Array<{ model: string; status: string }>): Record<string, number> {
  const by = new Map<string, { pass: number; all: number }>();
  for (const r of rows) {
    const m = by.get(r.model) ?? { pass: 0, all: 0 };
    m.all++;
    if (r.status === 'pass') m.pass++;
    by.set(r.model, m);
  }
  return Object.fromEntries([...by].sort().map(([label, m]) => [label, m.pass / m.all]));
}

/**
 * Rewrites every recording under `evals/recordings/` as an earlier version wrote it: keyed by provider id,
 * messages, sampling parameters and repeat alone, no `model` in the file. Twins then land on one file,
 * the last one written winning, as they did. The prompt is found by its hash among the project's own.
 */
function asEarlierVersion(root: string): number {
  const dir = path.join(root, 'evals', 'recordings');
  const systems = Object.values(AGENT_FILES).map((text) => text.split('\n---\n')[1]!);
  const sha = (text: string) => createHash('sha256').update(text).digest('hex');
  const files = listFiles(dir);
  for (const rel of files) {
    const { model: _model, ...rec } = JSON.parse(readFileSync(path.join(dir, rel), 'utf8'));
    const prompt = systems
      .flatMap((system) => [system, system.trim()])
      .map((system) =>
        JSON.stringify([
          { role: 'system', content: system },
          { role: 'user', content: rec.lastUserMessage },
        ]),
      )
      .find((candidate) => sha(candidate) === rec.promptHash);
    if (!prompt) throw new Error(`${rel}: prompt not found`);
    const hash = recordingHash({ provider: rec.provider, prompt, params: rec.params, repeat: rec.repeat });
    rmSync(path.join(dir, rel));
    writeFileSync(path.join(dir, path.dirname(rel), `${hash.slice(0, 24)}.json`), `${stableJson({ ...rec, hash }, 2)}\n`);
  }
  return files.length;
}

describe('twin models (same id, other server and label)', () => {
  it('record apart and replay apart: live 100 % vs 0 %, and --replay the same', { timeout: 240_000 }, async () => {
    using project = createMiniProject({
      url: good.url,
      config: {
        models: [
          { id: 'openai:chat:local', label: 'local-good', config: { apiBaseUrl: good.url, apiKey: 'test-key' } },
          { id: 'openai:chat:local', label: 'local-bad', config: { apiBaseUrl: bad.url, apiKey: 'test-key' } },
        ],
      },
    });
    const live = await project.cli(['eval']);
    expect(live.stderr).not.toMatch(STACK_FRAME);
    expect(live.code, live.stdout + live.stderr).toBe(0);
    expect(good.chatCalls).toHaveLength(4);
    expect(bad.chatCalls).toHaveLength(4);
    expect(passRates(readResults(project.root))).toEqual({ 'local-bad': 0, 'local-good': 1 });
    // 2 variants × 2 scenarios × 2 models: one recording each, none overwritten by its twin.
    const dir = path.join(project.root, 'evals', 'recordings');
    const files = listFiles(dir);
    expect(files).toHaveLength(8);
    const outputs = files.map(
      (f) => (JSON.parse(readFileSync(path.join(dir, f), 'utf8')) as { response: { output: string } }).response.output,
    );
    expect(outputs.sort()).toEqual([...Array(4).fill('No idea.'), ...Array(4).fill('Refunds take 5 days.')]);

    good.reset();
    bad.reset();
    const replay = await project.cli(['eval', '--replay']);
    expect(replay.code, replay.stdout + replay.stderr).toBe(0);
    expect(good.calls).toHaveLength(0);
    expect(bad.calls).toHaveLength(0);
    const replayed = readResults(project.root, runIds(project.root).at(-1));
    expect(replayed.every((r) => r.source === 'replay')).toBe(true);
    expect(passRates(replayed)).toEqual({ 'local-bad': 0, 'local-good': 1 });
  });

  it('recordings of an earlier version still replay; for twins, whose one file could be either, they are not-recorded', {
    timeout: 240_000,
  }, async () => {
    const twins = [
      { id: 'openai:chat:local', label: 'local-good', config: { apiBaseUrl: good.url, apiKey: 'test-key' } },
      { id: 'openai:chat:local', label: 'local-bad', config: { apiBaseUrl: bad.url, apiKey: 'test-key' } },
    ];
    using project = createMiniProject({ url: good.url, config: { models: twins } });
    expect((await project.cli(['eval'])).code).toBe(0);
    expect(asEarlierVersion(project.root)).toBe(8);
    expect(listFiles(path.join(project.root, 'evals', 'recordings'))).toHaveLength(4);

    // Twins: neither replays the shared file.
    const ambiguous = await project.cli(['eval', '--replay']);
    expect(ambiguous.code, ambiguous.stdout + ambiguous.stderr).toBe(0);
    expect(readResults(project.root, runIds(project.root).at(-1)).map((r) => r.status)).toEqual(Array(8).fill('not-recorded'));

    // One entry of that id: the earlier version's file is its own, and replays.
    project.write('evals/default.yaml', { models: [twins[0]], repeats: 1, concurrency: 4, timeoutMs: 10_000 });
    good.reset();
    const alone = await project.cli(['eval', '--replay']);
    expect(alone.code, alone.stdout + alone.stderr).toBe(0);
    expect(good.calls).toHaveLength(0);
    const replayed = readResults(project.root, runIds(project.root).at(-1));
    expect(replayed.map((r) => r.source)).toEqual(Array(4).fill('replay'));
    expect(replayed.every((r) => r.status !== 'not-recorded')).toBe(true);
  });
});
