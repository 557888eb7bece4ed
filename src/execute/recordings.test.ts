import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { RecordingStore, type RecordingKey } from './recordings.ts';
import { tempDirs } from '../../test/support/temp-dirs.ts';

const tempDir = tempDirs('agent-evals-rec-');

const key: RecordingKey = { provider: 'openai:chat:m', prompt: JSON.stringify([{ role: 'user', content: 'hi' }]), params: {}, repeat: 0 };

function store() {
  const dir = tempDir();
  const file = () => path.join(dir, 'openai_chat_m', readdirSync(path.join(dir, 'openai_chat_m'))[0]!);
  return { recordings: new RecordingStore(dir, ['sk-secret-123456']), file };
}

describe('RecordingStore.put writes only a changed answer', () => {
  it('leaves the file byte for byte when the answer is the same (other latency, usage and time)', async () => {
    const { recordings, file } = store();
    expect(
      await recordings.put(
        key,
        { output: 'hello', latencyMs: 900, tokenUsage: { prompt: 5, completion: 1, total: 6 } },
        new Date('2026-01-01'),
      ),
    ).toBe(true);
    const before = readFileSync(file(), 'utf8');
    expect(await recordings.put(key, { output: 'hello', latencyMs: 3 }, new Date('2026-02-02'))).toBe(false);
    expect(readFileSync(file(), 'utf8')).toBe(before);
  });

  it('compares the answer as written (secrets cut), so an echoed key does not rewrite it each run', async () => {
    const { recordings, file } = store();
    await recordings.put(key, { output: 'key sk-secret-123456' });
    const before = readFileSync(file(), 'utf8');
    expect(await recordings.put(key, { output: 'key sk-secret-123456' }, new Date('2030-01-01'))).toBe(false);
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
