import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { TrajectoryRecord } from '../schema/trajectory.ts';
import { RecordingStore, type RecordingKey } from './recordings.ts';
import { tempDirs } from '../../test/support/temp-dirs.ts';

const tempDir = tempDirs('agent-evals-rec-');

const key: RecordingKey = { provider: 'openai:chat:m', prompt: JSON.stringify([{ role: 'user', content: 'hi' }]), params: {}, repeat: 0 };
const trajectory: TrajectoryRecord = {
  runtime: 'claude-code',
  toolCalls: [{ index: 0, tool: 'Read', input: { file_path: 'README.md' }, outcome: 'ran', turn: 1 }],
  delegations: [],
  turns: 2,
  filesRead: ['README.md'],
  workspaceDiff: '',
  filesChanged: [],
};

function store() {
  const dir = tempDir();
  const file = () => path.join(dir, 'openai_chat_m', readdirSync(path.join(dir, 'openai_chat_m'))[0]!);
  return { recordings: new RecordingStore(dir, ['sk-secret-123456']), file };
}

describe('RecordingStore.put writes only a changed answer', () => {
  it('leaves the file byte for byte when the answer is the same (other usage)', async () => {
    const { recordings, file } = store();
    expect(await recordings.put(key, { output: 'hello', tokenUsage: { prompt: 5, completion: 1, total: 6 } })).toBe(true);
    const before = readFileSync(file(), 'utf8');
    expect(await recordings.put(key, { output: 'hello' })).toBe(false);
    expect(readFileSync(file(), 'utf8')).toBe(before);
  });

  it('writes nothing of when it was recorded: the same answer is the same bytes, recorded anywhere, any time', async () => {
    const a = store();
    const b = store();
    await a.recordings.put(key, { output: 'hello', tokenUsage: { prompt: 5, completion: 1, total: 6 }, trajectory });
    await new Promise((r) => setTimeout(r, 5));
    await b.recordings.put(key, { output: 'hello', tokenUsage: { prompt: 5, completion: 1, total: 6 }, trajectory });
    const bytes = readFileSync(a.file(), 'utf8');
    expect(readFileSync(b.file(), 'utf8')).toBe(bytes);
    expect(bytes).not.toMatch(/recordedAt|latencyMs|20\d\d-\d\d-\d\d/);
  });

  it("keeps an agent's limit with its answer, and rewrites the file when only the limit changed", async () => {
    const { recordings } = store();
    await recordings.put(key, { output: 'still looking', trajectory, limit: 'maxTurns (12) reached' });
    expect((await recordings.get(key))!.response.limit).toBe('maxTurns (12) reached');
    expect(await recordings.put(key, { output: 'still looking', trajectory, limit: 'maxTurns (12) reached' })).toBe(false);
    expect(await recordings.put(key, { output: 'still looking', trajectory })).toBe(true);
    expect((await recordings.get(key))!.response.limit).toBeUndefined();
  });

  it('compares a trajectory as written (secrets cut), so a key the agent echoed does not rewrite it each run', async () => {
    const { recordings } = store();
    const echoed = { ...trajectory, toolCalls: [{ ...trajectory.toolCalls[0]!, output: 'sk-secret-123456' }] };
    expect(await recordings.put(key, { output: 'ok', trajectory: echoed })).toBe(true);
    expect(await recordings.put(key, { output: 'ok', trajectory: echoed })).toBe(false);
  });

  it('reads a recording written by an earlier version (with its time and latency)', async () => {
    const { recordings, file } = store();
    await recordings.put(key, { output: 'hello' });
    const old = JSON.parse(readFileSync(file(), 'utf8'));
    writeFileSync(
      file(),
      JSON.stringify({ ...old, recordedAt: '2026-01-01T00:00:00.000Z', response: { ...old.response, latencyMs: 900 } }),
    );
    expect((await recordings.get(key))!.response.output).toBe('hello');
    expect(await recordings.put(key, { output: 'hello' })).toBe(false);
  });

  it('compares the answer as written (secrets cut), so an echoed key does not rewrite it each run', async () => {
    const { recordings, file } = store();
    await recordings.put(key, { output: 'key sk-secret-123456' });
    const before = readFileSync(file(), 'utf8');
    expect(await recordings.put(key, { output: 'key sk-secret-123456' })).toBe(false);
    expect(readFileSync(file(), 'utf8')).toBe(before);
  });

  it('rewrites a changed answer, and a damaged file', async () => {
    const { recordings, file } = store();
    await recordings.put(key, { output: 'hello' });
    expect(await recordings.put(key, { output: 'goodbye' })).toBe(true);
    expect((await recordings.get(key))!.response.output).toBe('goodbye');
    writeFileSync(file(), '{"torn": ');
    expect(await recordings.put(key, { output: 'goodbye' })).toBe(true);
    expect((await recordings.get(key))!.response.output).toBe('goodbye');
  });
});
