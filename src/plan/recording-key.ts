import { createHash } from 'node:crypto';
import { isSecretName, redactUrlCredentials } from '../shared/secrets.ts';
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

/** A model config's settings that reach the model: neither connection settings nor a secret-named field (`clientSecret`). */
export function samplingParams(config: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(config)
      .filter(([k]) => !CONNECTION_KEYS.has(k) && !isSecretName(k))
      .sort(([a], [b]) => a.localeCompare(b)),
  );
}

/** Config keys that say which server answers: part of the model entry of a recording key. */
const ENDPOINT_KEYS = ['apiBaseUrl', 'apiHost', 'baseUrl'] as const;

/**
 * The part of a model entry that decides who answers, beyond its provider id and sampling parameters: its
 * label (one column of the reports), the server it is sent to, the headers that reach it. Secrets are left
 * out (URL credentials and secret-named query parameters cut, secret-named headers dropped): a recording
 * is written with it, and a rotated API key keeps its recordings.
 *
 * @example
 * modelEntry({ label: 'local-a', config: { apiBaseUrl: 'http://me:pw@gpu-1:8000/v1', apiKey: 'sk-…' } })
 * // { label: 'local-a', endpoint: 'http://[redacted]@gpu-1:8000/v1' }
 */
export function modelEntry(model: { label: string; config: Record<string, unknown> }): RecordingModel {
  const at = ENDPOINT_KEYS.map((k) => model.config[k]).find((v): v is string => typeof v === 'string');
  const headers = Object.entries((model.config.headers ?? {}) as Record<string, unknown>)
    .filter(([name]) => !isSecretName(name))
    .sort(([a], [b]) => a.localeCompare(b));
  return {
    label: model.label,
    ...(at ? { endpoint: endpointOf(at) } : {}),
    ...(headers.length ? { headers: Object.fromEntries(headers.map(([k, v]) => [k, String(v)])) } : {}),
  };
}

/** A URL without its credentials, nor the values of its secret-named query parameters (`?api-key=…`). */
function endpointOf(url: string): string {
  const shown = redactUrlCredentials(url);
  const query = shown.indexOf('?');
  if (query < 0) return shown;
  const params = shown
    .slice(query + 1)
    .split('&')
    .map((param) => {
      const name = param.split('=')[0]!;
      return isSecretName(name.replace(/%[0-9A-Fa-f]{2}|\+/g, '_')) ? `${name}=[redacted]` : param;
    });
  return `${shown.slice(0, query)}?${params.join('&')}`;
}

interface RecordingModel {
  label: string;
  endpoint?: string;
  headers?: Record<string, string>;
}

export interface RecordingKey {
  provider: string;
  /** The model entry beyond its id (label, endpoint): twins of one id on two servers record apart. */
  model?: RecordingModel;
  /** The prompt exactly as sent (a JSON array of chat messages). */
  prompt: string;
  params: Record<string, unknown>;
  repeat: number;
}

export function recordingHash(key: RecordingKey): string {
  return createHash('sha256').update(stableJson(key)).digest('hex');
}
