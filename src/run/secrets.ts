/**
 * Secret hygiene: values of environment variables whose names look like keys or tokens never reach
 * an artifact, a log or a recording. Everything written goes through `redactSecrets` /
 * `redactConfig`.
 */

const SECRET_NAME = /(KEY|TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIAL|AUTH)/i;
const MIN_SECRET_LENGTH = 8;

/** Secret values present in the environment, longest first (so a key containing another is cut whole). */
export function secretValues(env: NodeJS.ProcessEnv): string[] {
  return Object.entries(env)
    .filter(([name, value]) => SECRET_NAME.test(name) && typeof value === 'string' && value.length >= MIN_SECRET_LENGTH)
    .map(([, value]) => value as string)
    .sort((a, b) => b.length - a.length);
}

/**
 * Secret values written in a config (an `apiKey: sk-…` under a model), longest first: they must be cut
 * from outputs and recordings like environment secrets, since a model can echo them.
 *
 * @example
 * configSecretValues({ models: [{ id: 'openai:chat:x', config: { apiKey: 'sk-123456789' } }] }) // ['sk-123456789']
 */
export function configSecretValues(value: unknown): string[] {
  const found: string[] = [];
  const walk = (v: unknown) => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) {
        if (SECRET_NAME.test(k) && !/envar$/i.test(k) && typeof x === 'string' && x.length >= MIN_SECRET_LENGTH) found.push(x);
        else walk(x);
      }
    }
  };
  walk(value);
  return [...new Set(found)].sort((a, b) => b.length - a.length);
}

export function redactSecrets(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) if (out.includes(s)) out = out.split(s).join('[redacted]');
  return out;
}

/** A provider config with every secret-looking field replaced, for meta.json and logs. */
export function redactConfig<T>(value: T, secrets: readonly string[] = []): T {
  if (Array.isArray(value)) return value.map((v) => redactConfig(v, secrets)) as T;
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, SECRET_NAME.test(k) && typeof v === 'string' && !/envar$/i.test(k) ? '[redacted]' : redactConfig(v, secrets)]),
    ) as T;
  }
  if (typeof value === 'string') return redactSecrets(value, secrets) as T;
  return value;
}
