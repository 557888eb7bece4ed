/**
 * Which model ids promptfoo can load, asked of promptfoo (its `loadApiProvider`), never by a list of our
 * own: the eval refuses an id no provider of promptfoo matches before anything runs.
 */
import { describe, expect, it } from 'vitest';
import { unknownProviderId } from './credentials.ts';

const env: NodeJS.ProcessEnv = { PROMPTFOO_DISABLE_TELEMETRY: '1', PROMPTFOO_DISABLE_UPDATE: '1' };

describe('unknownProviderId', () => {
  it('names an id no promptfoo provider matches, with promptfoo’s reason', async () => {
    expect(await unknownProviderId('gpt-4o', env)).toBe('Could not identify provider: gpt-4o.');
    expect(await unknownProviderId('openai/stub-a', env)).toBe('Could not identify provider: openai/stub-a.');
    expect(await unknownProviderId('foo:bar', env)).toMatch(/Could not identify provider/);
    // A known provider that knows no such model type: the id's fault, not the config's.
    expect(await unknownProviderId('anthropic:foo', env)).toMatch(/^Unknown Anthropic model type or model name: foo\./);
  }, 60_000);

  it('accepts ids promptfoo knows, with no key set and nothing called', async () => {
    for (const id of ['openai:chat:gpt-4o', 'openai:gpt-4o', 'anthropic:messages:claude-sonnet-4-5', 'ollama:chat:llama3', 'echo'])
      expect(await unknownProviderId(id, env), id).toBeUndefined();
  }, 60_000);

  it('leaves a known provider that refuses its options to the run (a replay needs no key)', async () => {
    expect(await unknownProviderId('cloudflare-ai:chat:@cf/meta/llama', env)).toBeUndefined();
    expect(await unknownProviderId('http://127.0.0.1:9/chat', env)).toBeUndefined();
    // Built with a key, Azure signs in nowhere: no token fetch, no unhandled rejection.
    expect(await unknownProviderId('azure:chat:deployment', env)).toBeUndefined();
  }, 60_000);
});
