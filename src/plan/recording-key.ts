import { createHash } from 'node:crypto';
import { stableJson } from '../shared/stable-json.ts';

/** Config keys that say how to connect, not what to ask: left out of the key and the file. */
const CONNECTION_KEYS = new Set([
  'apiKey',
  'apiKeyEnvar',
  'apiBaseUrl',
  'apiHost',
  'baseUrl',
  'headers',
  'organization',
  'timeout',
  'maxRetries',
  'cost',
]);

export function samplingParams(config: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(config)
      .filter(([k]) => !CONNECTION_KEYS.has(k))
      .sort(([a], [b]) => a.localeCompare(b)),
  );
}

export interface RecordingKey {
  provider: string;
  /** The prompt exactly as sent (a JSON array of chat messages). */
  prompt: string;
  params: Record<string, unknown>;
  repeat: number;
}

export function recordingHash(key: RecordingKey): string {
  return createHash('sha256').update(stableJson(key)).digest('hex');
}
