import type { ResolvedModel } from '../schema/models.ts';
import { redactUrlCredentials } from '../shared/secrets.ts';
import { loadEngine } from './engine.ts';

/**
 * Before any call: can this model run here? A model that cannot is reported once, with the
 * variable to set or the server to start, and its cells become `not-run`.
 */
export type Readiness = { ok: true } | { ok: false; reason: string; howTo: string };

/** Provider prefix → environment variable(s) holding its key (any one suffices). */
const KEY_VARS: Record<string, string[]> = {
  openai: ['OPENAI_API_KEY'],
  anthropic: ['ANTHROPIC_API_KEY'],
  azure: ['AZURE_API_KEY', 'AZURE_OPENAI_API_KEY'],
  azureopenai: ['AZURE_API_KEY', 'AZURE_OPENAI_API_KEY'],
  google: ['GOOGLE_API_KEY', 'GEMINI_API_KEY'],
  vertex: ['VERTEX_API_KEY', 'GOOGLE_APPLICATION_CREDENTIALS'],
  bedrock: ['AWS_ACCESS_KEY_ID', 'AWS_PROFILE', 'AWS_BEARER_TOKEN_BEDROCK'],
  openrouter: ['OPENROUTER_API_KEY'],
  groq: ['GROQ_API_KEY'],
  mistral: ['MISTRAL_API_KEY'],
  deepseek: ['DEEPSEEK_API_KEY'],
  xai: ['XAI_API_KEY'],
  togetherai: ['TOGETHER_API_KEY'],
  perplexity: ['PERPLEXITY_API_KEY'],
  cohere: ['COHERE_API_KEY'],
  github: ['GITHUB_TOKEN'],
};

const DEFAULT_OLLAMA = 'http://localhost:11434';

interface ProbeOptions {
  env: NodeJS.ProcessEnv;
  /** Injected for tests; defaults to global fetch. */
  fetch?: typeof fetch;
  /** Patience per attempt: the eval's own `timeoutMs` (a server slower than that to answer a probe would time out real calls too). */
  timeoutMs?: number;
  /** Attempts before a server counts as down: one dropped or slow probe must not turn a flaky server into "not running". */
  attempts?: number;
}

export async function checkModel(
  model: Pick<ResolvedModel, 'id' | 'config'> & { runtime?: ResolvedModel['runtime'] },
  opts: ProbeOptions,
): Promise<Readiness> {
  // Agent runtimes speak the Anthropic (claude-code) or OpenAI (opencode) protocol with a bare model id.
  const prefix =
    model.runtime === 'claude-code' ? 'anthropic' : model.runtime === 'opencode' ? 'openai' : model.id.split(':')[0]!.toLowerCase();
  const baseUrl = typeof model.config.apiBaseUrl === 'string' ? model.config.apiBaseUrl : undefined;
  // Messages name the server; a password in its URL (http://user:pw@host) never reaches them.
  const shown = baseUrl ? redactUrlCredentials(baseUrl) : undefined;
  if (prefix === 'ollama') {
    const base = (baseUrl ?? opts.env.OLLAMA_BASE_URL ?? DEFAULT_OLLAMA).replace(/\/$/, '');
    return probe(`${base}/api/tags`, opts, {
      reason: `Ollama is not answering at ${redactUrlCredentials(base)}`,
      howTo: `start it with \`ollama serve\` and \`ollama pull ${model.id.split(':').slice(2).join(':') || '<model>'}\`, or set OLLAMA_BASE_URL`,
    });
  }
  if (baseUrl) {
    // An OpenAI-compatible server of the user's (vLLM, llama.cpp, LM Studio…): is it up?
    return probe(`${baseUrl.replace(/\/$/, '')}/models`, opts, {
      reason: `no server answering at ${shown}`,
      howTo: `start the OpenAI-compatible server at ${shown} (or fix \`apiBaseUrl\` in the eval config)`,
    });
  }
  const vars = KEY_VARS[prefix];
  if (!vars) return { ok: true }; // a provider we cannot check: let promptfoo report its own errors
  if (typeof model.config.apiKey === 'string' && model.config.apiKey) return { ok: true };
  const envar = typeof model.config.apiKeyEnvar === 'string' ? model.config.apiKeyEnvar : undefined;
  const candidates = envar ? [envar] : vars;
  if (candidates.some((v) => Boolean(opts.env[v]))) return { ok: true };
  return {
    ok: false,
    reason: `${candidates.join(' or ')} is not set`,
    howTo: `set ${candidates[0]} in the environment or in .env`,
  };
}

/**
 * Whether promptfoo knows a provider id, asked of promptfoo itself: `loadApiProvider` matches the id
 * against its provider registry and builds the provider, calling no model. Undefined when it knows the
 * id, else promptfoo's one-line reason. Only "no provider matches" counts: a known provider that refuses
 * to be built here (no key, a config field missing) is for the readiness check and the run, and a replay
 * needs neither. It is built with a placeholder key and no other option, so it signs in nowhere (Azure
 * would fetch a token) and starts nothing the options ask for (MCP servers).
 *
 * @example
 * await unknownProviderId('gpt-4o', ctx.env) // 'Could not identify provider: gpt-4o.'
 * await unknownProviderId('openai:chat:gpt-4o', ctx.env) // undefined
 */
export async function unknownProviderId(id: string, env: NodeJS.ProcessEnv): Promise<string | undefined> {
  const reason = await providerBuildError(id, { apiKey: 'agent-evals-id-check' }, env);
  // The id's own fault (no provider matches; a provider that knows no such model type, `anthropic:foo`), not
  // the options': those are the user's config, which this check does not pass.
  return reason && /Could not identify provider|Unknown \w+ model type/.test(reason) ? reason : undefined;
}

/**
 * promptfoo's one-line reason for not building the provider `id` with `config` (no model is called), or
 * undefined when it builds. A promptfoo:// provider is fetched from promptfoo's cloud to be built: never here.
 */
async function providerBuildError(id: string, config: Record<string, unknown>, env: NodeJS.ProcessEnv): Promise<string | undefined> {
  if (id.startsWith('promptfoo://')) return undefined;
  const engine = await loadEngine(env);
  try {
    const provider = await engine.loadApiProvider(id, { options: { config } as never });
    // Work a provider starts when built is the run's: its failure is never an unhandled rejection here.
    for (const value of Object.values(provider)) if (value instanceof Promise) value.catch(() => undefined);
    return undefined;
  } catch (err) {
    return providerErrorLine(err);
  }
}

/** The first line of an error promptfoo threw building a provider, its colour codes (chalk, around the id) removed. */
export function providerErrorLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err))
    .replace(/\u001b\[[0-9;]*m/g, '')
    .trim()
    .split('\n')[0]!;
}

async function probe(url: string, opts: ProbeOptions, failure: { reason: string; howTo: string }): Promise<Readiness> {
  const doFetch = opts.fetch ?? fetch;
  const attempts = opts.attempts ?? 3;
  for (let attempt = 1; ; attempt++) {
    try {
      // Any HTTP answer (even a 5xx) means a server is there; auth and fault problems are promptfoo's to
      // report per call. The body is consumed so the connection goes back to the pool.
      const response = await doFetch(url, { signal: AbortSignal.timeout(opts.timeoutMs ?? 10_000) });
      await response.body?.cancel().catch(() => undefined);
      return { ok: true };
    } catch {
      if (attempt >= attempts) return { ok: false, ...failure };
      await new Promise((r) => setTimeout(r, 200 * attempt));
    }
  }
}

/** What to tell a user who has no model configured that can run. */
export const ENABLE_A_MODEL_HINT = [
  'To run models, do one of:',
  '  • set ANTHROPIC_API_KEY or OPENAI_API_KEY (in the environment or a .env file) for the models in evals/default.yaml;',
  '  • run Ollama locally (`ollama serve`) and add `ollama:chat:llama3.1` to `models:`;',
  '  • point an OpenAI-compatible local server at the harness: `{ id: openai:chat:<model>, config: { apiBaseUrl: http://localhost:8080/v1 } }`.',
];

/**
 * Whether promptfoo can build the provider of a model entry as a live run will (its own config, no call made):
 * undefined when it can, else promptfoo's one-line reason. Asked before a live run makes its run folder, so an
 * entry promptfoo refuses (an HTTP provider with no request body, an account id missing) is one line, exit 2.
 *
 * @example await unbuildableProvider({ id: 'http://127.0.0.1:9/chat', config: {} }, ctx.env) // 'Invariant failed: Expected HTTP provider …'
 */
export function unbuildableProvider(
  model: { id: string; config: Record<string, unknown> },
  env: NodeJS.ProcessEnv,
): Promise<string | undefined> {
  return providerBuildError(model.id, model.config, env);
}
