/**
 * TEST DOUBLE CLI: starts the fake OpenAI server (fake-openai-server.ts) in its own process, for
 * child-process tests, `npm run bench` and plain `promptfoo eval` runs. Prints the base URL
 * (`http://127.0.0.1:PORT/v1`) as the first stdout line, then serves until SIGINT/SIGTERM.
 * While it runs, `GET <origin>/__fake/calls`, `GET <origin>/__fake/stats` and `POST <origin>/__fake/reset`
 * give the call log to another process.
 *
 * @example
 * tsx test/support/fake-openai-cli.ts --config fake.json --latency 200 --calls-out calls.json
 * tsx test/support/fake-openai-cli.ts --default-reply "ok" --fault-rate 0.3 --fault-kinds server-error,rate-limit-retry-after --seed 7
 *
 * JSON options are FakeOpenAIOptions without functions; a matcher is a substring or
 * `{ "regex": "refund", "flags": "i" }`:
 * { "rules": [{ "user": { "regex": "refund", "flags": "i" }, "reply": "Refunds take 5 days." }],
 *   "graderRules": [{ "rubric": "polite", "verdict": { "pass": true, "score": 1 } }],
 *   "defaultReply": "ok", "latencyMs": 200, "faults": { "rates": { "server-error": 0.1 }, "seed": 1 } }
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { evenRates, FAULT_KINDS, startFakeOpenAI, type FakeOpenAIOptions, type FaultKind, type TextMatcher } from './fake-openai-server.ts';

type JsonMatcher = string | { regex: string; flags?: string };

function toMatcher(value: unknown, where: string): TextMatcher | undefined {
  if (value === undefined || typeof value === 'string') return value;
  const v = value as { regex?: unknown; flags?: unknown };
  if (typeof v === 'object' && v !== null && typeof v.regex === 'string') {
    return new RegExp(v.regex, typeof v.flags === 'string' ? v.flags : '');
  }
  throw new Error(`fake-openai-cli: ${where} must be a string or { "regex": "...", "flags": "..." }`);
}

function matchers<K extends string>(item: Record<string, unknown>, keys: K[], where: string): Partial<Record<K, TextMatcher>> {
  return Object.fromEntries(
    keys.map((k) => [k, toMatcher(item[k] as JsonMatcher | undefined, `${where}.${k}`)]).filter(([, m]) => m !== undefined),
  );
}

/**
 * Turns JSON options (as read from a file) into FakeOpenAIOptions: matchers become RegExps.
 *
 * @example
 * optionsFromJson({ rules: [{ user: { regex: 'hi', flags: 'i' }, reply: 'hello' }] })
 */
export function optionsFromJson(json: unknown): FakeOpenAIOptions {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new Error('fake-openai-cli: options must be a JSON object');
  const raw = json as Record<string, unknown> & { rules?: unknown; graderRules?: unknown };
  const list = (value: unknown, name: string): Array<Record<string, unknown>> => {
    if (value === undefined) return [];
    if (!Array.isArray(value)) throw new Error(`fake-openai-cli: ${name} must be an array`);
    return value as Array<Record<string, unknown>>;
  };
  const rules = list(raw.rules, 'rules').map((r, i) => {
    if (typeof r.reply !== 'string') throw new Error(`fake-openai-cli: rules[${i}].reply must be a string`);
    return { ...matchers(r, ['system', 'user', 'model'], `rules[${i}]`), reply: r.reply, name: r.name as string | undefined };
  });
  const graderRules = list(raw.graderRules, 'graderRules').map((r, i) => {
    const verdict = r.verdict as { pass?: unknown } | undefined;
    if (typeof verdict?.pass !== 'boolean') throw new Error(`fake-openai-cli: graderRules[${i}].verdict.pass must be a boolean`);
    return {
      ...matchers(r, ['output', 'rubric', 'model'], `graderRules[${i}]`),
      verdict: verdict as { pass: boolean },
      name: r.name as string | undefined,
    };
  });
  return { ...(raw as FakeOpenAIOptions), rules, graderRules };
}

function parseFaultKinds(text: string): FaultKind[] {
  const kinds = text.split(',').map((k) => k.trim());
  for (const k of kinds) {
    if (!(FAULT_KINDS as readonly string[]).includes(k)) throw new Error(`fake-openai-cli: unknown fault kind "${k}"`);
  }
  return kinds as FaultKind[];
}

/** Reads flags (over an optional --config file) into server options plus CLI-only settings. */
export function parseCliArgs(argv: string[]): { options: FakeOpenAIOptions; callsOut?: string } {
  const { values } = parseArgs({
    args: argv,
    options: {
      config: { type: 'string' },
      port: { type: 'string' },
      latency: { type: 'string' },
      'default-reply': { type: 'string' },
      'fault-rate': { type: 'string' },
      'fault-kinds': { type: 'string' },
      seed: { type: 'string' },
      'retry-after': { type: 'string' },
      'calls-out': { type: 'string' },
    },
    strict: true,
  });
  const options = values.config ? optionsFromJson(JSON.parse(readFileSync(values.config, 'utf8'))) : {};
  const num = (flag: string, value: string | undefined) => {
    if (value === undefined) return undefined;
    const n = Number(value);
    if (!Number.isFinite(n)) throw new Error(`fake-openai-cli: --${flag} must be a number, got "${value}"`);
    return n;
  };
  const port = num('port', values.port);
  const latency = num('latency', values.latency);
  const rate = num('fault-rate', values['fault-rate']);
  const seed = num('seed', values.seed);
  const retryAfter = num('retry-after', values['retry-after']);
  if (port !== undefined) options.port = port;
  if (latency !== undefined) options.latencyMs = latency;
  if (values['default-reply'] !== undefined) options.defaultReply = values['default-reply'];
  if (rate !== undefined || seed !== undefined || retryAfter !== undefined) {
    const kinds = values['fault-kinds'] ? parseFaultKinds(values['fault-kinds']) : FAULT_KINDS.filter((k) => k !== 'hang');
    options.faults = {
      ...options.faults,
      ...(rate !== undefined && { rates: evenRates(rate, kinds) }),
      ...(seed !== undefined && { seed }),
      ...(retryAfter !== undefined && { retryAfterSeconds: retryAfter }),
    };
  }
  return { options, callsOut: values['calls-out'] };
}

async function main(): Promise<void> {
  const { options, callsOut } = parseCliArgs(process.argv.slice(2));
  const server = await startFakeOpenAI(options);
  process.stdout.write(`${server.url}\n`);
  const stop = async (signal: string) => {
    await server.close();
    if (callsOut) writeFileSync(callsOut, `${JSON.stringify({ stats: server.stats, calls: server.calls }, null, 2)}\n`);
    process.stderr.write(`fake-openai: stopped on ${signal} after ${server.calls.length} requests\n`);
  };
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 2;
  });
}
