import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { stableJson } from '../shared/stable-json.ts';
import { modelEntry, type RecordingKey, recordingHash, samplingParams } from './recording-key.ts';

/**
 * Stored recordings (evals/recordings/) are found by this hash: a change to the key's shape, its field
 * order or its hash silently turns every user's recordings into misses. A change here is a migration.
 */
describe('recordingHash of a known cell', () => {
  const config = { apiBaseUrl: 'https://api.openai.com/v1', apiKey: 'sk-test-1', temperature: 0, max_tokens: 512 };
  const key: RecordingKey = {
    provider: 'openai:chat:gpt-4.1',
    model: modelEntry({ label: 'gpt-4.1', config }),
    prompt: JSON.stringify([
      { role: 'system', content: 'You are a refund assistant.' },
      { role: 'user', content: 'How long do refunds take?' },
    ]),
    params: samplingParams(config),
    repeat: 2,
  };
  // What is hashed, written out: keys sorted, connection settings and secrets left out.
  const canonical =
    '{"model":{"endpoint":"https://api.openai.com/v1","label":"gpt-4.1"},"params":{"max_tokens":512,"temperature":0},' +
    '"prompt":"[{\\"role\\":\\"system\\",\\"content\\":\\"You are a refund assistant.\\"},{\\"role\\":\\"user\\",\\"content\\":\\"How long do refunds take?\\"}]",' +
    '"provider":"openai:chat:gpt-4.1","repeat":2}';

  it('is the sha-256 of the canonical key, pinned', () => {
    expect(stableJson(key)).toBe(canonical);
    expect(createHash('sha256').update(canonical).digest('hex')).toBe('3c69bced1e466386c42c0423275796fd9a5dc1e0c0577a146c3e2b3b9abe0ca2');
    expect(recordingHash(key)).toBe('3c69bced1e466386c42c0423275796fd9a5dc1e0c0577a146c3e2b3b9abe0ca2');
  });

  it('does not move with a rotated API key', () => {
    const rotated = { ...config, apiKey: 'sk-rotated' };
    const again = { ...key, model: modelEntry({ label: 'gpt-4.1', config: rotated }), params: samplingParams(rotated) };
    expect(recordingHash(again)).toBe(recordingHash(key));
  });

  it('moves with what reaches the model: the repeat, a sampling parameter', () => {
    expect(recordingHash({ ...key, repeat: 3 })).not.toBe(recordingHash(key));
    expect(recordingHash({ ...key, params: { ...key.params, temperature: 0.5 } })).not.toBe(recordingHash(key));
  });
});
