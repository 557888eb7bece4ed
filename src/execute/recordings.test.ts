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

describe('RecordingStore keys a recording by the whole model entry', () => {
  const entry = (label: string, endpoint: string) => ({ label, endpoint });
  const twinA = { ...key, model: entry('local-a', 'http://gpu-1:8000/v1') };
  const twinB = { ...key, model: entry('local-b', 'http://gpu-2:8000/v1') };
  const models = [
    { id: 'openai:chat:m', label: 'local-a', runtime: 'chat' as const, config: { apiBaseUrl: 'http://gpu-1:8000/v1' } },
    { id: 'openai:chat:m', label: 'local-b', runtime: 'chat' as const, config: { apiBaseUrl: 'http://gpu-2:8000/v1' } },
  ];

  it('twins of one provider id record and replay apart', async () => {
    const recordings = new RecordingStore(tempDir(), [], models);
    await recordings.put(twinA, { output: 'Refunds take 5 days.' });
    await recordings.put(twinB, { output: 'No idea.' });
    expect((await recordings.get(twinA))!.response.output).toBe('Refunds take 5 days.');
    expect((await recordings.get(twinB))!.response.output).toBe('No idea.');
  });

  it('writes the entry without its secrets', async () => {
    const dir = tempDir();
    const recordings = new RecordingStore(dir, ['sk-secret-123456']);
    await recordings.put({ ...key, model: entry('x', 'http://gw/v1?token=sk-secret-123456') }, { output: 'ok' });
    const [file] = readdirSync(path.join(dir, 'openai_chat_m'));
    const text = readFileSync(path.join(dir, 'openai_chat_m', file!), 'utf8');
    expect(JSON.parse(text).model).toEqual({ label: 'x', endpoint: 'http://gw/v1?token=[redacted]' });
  });

  it('replays a recording of an earlier version (keyed without the entry), not for twins: it could be either one', async () => {
    const dir = tempDir();
    // An earlier version wrote the key without `model`: what the file holds is whichever twin ran last.
    await new RecordingStore(dir).put(key, { output: 'from an earlier version' });
    const alone = new RecordingStore(dir, [], [models[0]!]);
    expect((await alone.get(twinA))!.response.output).toBe('from an earlier version');
    expect(await alone.has(twinA)).toBe(true);
    const withTwin = new RecordingStore(dir, [], models);
    expect(await withTwin.get(twinA)).toBeUndefined();
    expect(await withTwin.has(twinB)).toBe(false);
    // Recorded anew, the new key wins over the earlier file.
    await alone.put(twinA, { output: 'recorded again' });
    expect((await alone.get(twinA))!.response.output).toBe('recorded again');
  });
});
