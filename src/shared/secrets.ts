/**
 * Secret hygiene: values of environment variables whose names look like keys, tokens, secrets or
 * passwords, secrets written in the eval config, and the credentials part of URLs never reach an
 * artifact, a log or a recording. Everything written goes through `redactSecrets` / `redactConfig` /
 * `redactUrlCredentials`; nothing scored does (an answer is judged as the model gave it). A value is cut
 * from text only when it is secret by shape too (`isSecretValue`): a word never cuts another word.
 */

/**
 * Name segments that make a name a secret's. Whole segments only: `GIT_AUTHOR_NAME`, `XAUTHORITY`,
 * `KEYBOARD_LAYOUT` and `MONKEY` hold ordinary values, and cutting those from answers changed scores.
 * `AUTHORIZATION` counts as the last segment only: the header carrying a bearer token, not
 * `AUTHORIZATION_SERVER_URL`.
 */
const SECRET_SEGMENTS = new Set([
  'KEY',
  'APIKEY',
  'ACCESSKEY',
  'SECRETKEY',
  'PRIVATEKEY',
  'TOKEN',
  'AUTHTOKEN',
  'ACCESSTOKEN',
  'SECRET',
  'SECRETS',
  'PASSWORD',
  'PASSWD',
  'PWD',
  'PASSPHRASE',
  'CREDENTIAL',
  'CREDENTIALS',
  'COOKIE',
]);
const MIN_SECRET_LENGTH = 8;
/** The longest plain word or number that is still not a secret by shape (longer is not a word found in answers). */
const MAX_PLAIN_WORD = 24;

/**
 * Whether a value found in a secret's place is secret by shape, and so cut from what is written: at least
 * 8 characters, and not one plain word (letters in one case, or capitalised) or one number. CI settings
 * such as `POSTGRES_PASSWORD=postgres` or `ADMIN_PASSWORD=password` are words anyone can read in the
 * workflow file; cut from text they would turn an answer's "passwords" into "[redacted]s". Keys, tokens
 * and generated passwords mix cases, digits or punctuation, and are cut wherever they appear.
 *
 * @example
 * isSecretValue('sk-plant-4f1d9a7c') // true
 * isSecretValue('password') // false: a word
 * isSecretValue('hunter22') // true: letters and digits
 */
export function isSecretValue(value: string): boolean {
  if (value.length < MIN_SECRET_LENGTH) return false;
  const plain = /^(?:[a-z]+|[A-Z][a-z]*|[A-Z]+|[0-9]+)$/.test(value) && value.length <= MAX_PLAIN_WORD;
  return !plain;
}

/** A name's segments: split on `_`, `-`, `.` and camelCase humps, upper-cased (`apiKeyEnvar` → API, KEY, ENVAR). */
function segments(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((s) => s.toUpperCase());
}

/**
 * Whether a variable or config key names a secret: one of its segments is key-, token-, secret- or
 * password-like, or it ends in `AUTHORIZATION`. A name ending in `ENVAR` holds a variable's name, not
 * its value; `PWD` alone is the working directory.
 *
 * @example
 * isSecretName('AWS_SECRET_ACCESS_KEY') // true
 * isSecretName('GIT_AUTHOR_NAME') // false
 */
export function isSecretName(name: string): boolean {
  const parts = segments(name);
  if (parts.length === 0 || parts.at(-1) === 'ENVAR') return false;
  if (parts.length === 1 && parts[0] === 'PWD') return false;
  return parts.at(-1) === 'AUTHORIZATION' || parts.some((p) => SECRET_SEGMENTS.has(p));
}

/** Secret values present in the environment (secret-named, secret-shaped: `isSecretValue`), longest first (so a key containing another is cut whole). */
export function secretValues(env: NodeJS.ProcessEnv): string[] {
  return Object.entries(env)
    .filter(([name, value]) => isSecretName(name) && typeof value === 'string' && isSecretValue(value))
    .map(([, value]) => value as string)
    .sort((a, b) => b.length - a.length);
}

/**
 * A URL's userinfo (`user:password@`): everything between `scheme://` and the last `@` before the
 * path, stopping at whitespace and at quotes and brackets (so JSON text and `[redacted]` are left alone).
 */
const URL_CREDENTIALS = /\b([a-z][a-z0-9+.-]*:\/\/)([^\s/?#@"'`<>[\]{}|\\^]+(?:@[^\s/?#@"'`<>[\]{}|\\^]+)*)@/gi;

/**
 * Replaces the credentials of every URL in `text` (`http://user:pw@host/v1` → `http://[redacted]@host/v1`).
 *
 * @example
 * redactUrlCredentials('cannot reach http://me:pw@localhost:8080/v1') // 'cannot reach http://[redacted]@localhost:8080/v1'
 */
export function redactUrlCredentials(text: string): string {
  return text.replace(URL_CREDENTIALS, '$1[redacted]@');
}

/**
 * The secrets of the URLs in `text`, raw and percent-decoded: each `user:password`, and the password
 * or a user name alone (a token as user name) when as long as any other secret: cutting `pw` or `git`
 * from free text would mangle every "pwd" and "git" in an answer.
 */
function urlCredentialValues(text: string): string[] {
  const found: string[] = [];
  for (const m of text.matchAll(URL_CREDENTIALS)) {
    const userinfo = m[2]!;
    const password = userinfo.includes(':') ? userinfo.slice(userinfo.indexOf(':') + 1) : '';
    for (const raw of [userinfo, password]) {
      for (const v of new Set([raw, decodeSafely(raw)])) if ((v === userinfo && password) || isSecretValue(v)) found.push(v);
    }
  }
  return found;
}

function decodeSafely(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text; // not validly percent-encoded: the raw form is all there is
  }
}

/**
 * Secret values written in a config (an `apiKey: sk-…` under a model, the credentials of a URL such as
 * `apiBaseUrl: http://user:pw@host/v1`), longest first: they must be cut from outputs and recordings
 * like environment secrets, since a model can echo them.
 *
 * @example
 * configSecretValues({ models: [{ id: 'openai:chat:x', config: { apiKey: 'sk-123456789' } }] }) // ['sk-123456789']
 * configSecretValues({ apiBaseUrl: 'http://user:pw@host/v1' }) // ['user:pw']
 */
export function configSecretValues(value: unknown): string[] {
  const found: string[] = [];
  const walk = (v: unknown) => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (typeof v === 'string') found.push(...urlCredentialValues(v));
    else if (v && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) {
        if (isSecretName(k) && typeof x === 'string') {
          if (isSecretValue(x)) found.push(x);
        } else walk(x);
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

/** A provider config with every secret-looking field and every URL's credentials replaced, for meta.json and logs. */
export function redactConfig<T>(value: T, secrets: readonly string[] = []): T {
  if (Array.isArray(value)) return value.map((v) => redactConfig(v, secrets)) as T;
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, isSecretName(k) && typeof v === 'string' ? '[redacted]' : redactConfig(v, secrets)]),
    ) as T;
  }
  if (typeof value === 'string') return redactSecrets(redactUrlCredentials(value), secrets) as T;
  return value;
}

/**
 * A JSON-shaped value (a trajectory: tool inputs and outputs) with every secret cut from every string in it.
 * @example redactDeep({ input: { command: 'echo sk-123456789' } }, ['sk-123456789']) // { input: { command: 'echo [redacted]' } }
 */
export function redactDeep<T>(value: T, secrets: readonly string[]): T {
  return JSON.parse(redactSecrets(JSON.stringify(value), secrets)) as T;
}
