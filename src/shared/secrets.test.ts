import { describe, expect, it } from 'vitest';
import {
  configSecretValues,
  isSecretName,
  isSecretValue,
  redactConfig,
  redactSecrets,
  redactUrlCredentials,
  secretValues,
} from './secrets.ts';

describe('isSecretName: key-, token-, secret- and password-like names, by whole segment', () => {
  it.each([
    'API_KEY',
    'ANTHROPIC_API_KEY',
    'OPENAI_API_KEY',
    'GITHUB_TOKEN',
    'AUTH_TOKEN',
    'MY_SERVICE_TOKEN',
    'AWS_SECRET_ACCESS_KEY',
    'AWS_SESSION_TOKEN',
    'APP_SECRET',
    'DB_PASSWORD',
    'MYSQL_PASSWD',
    'DB_PWD',
    'GOOGLE_APPLICATION_CREDENTIALS',
    'SERVICE_CREDENTIAL',
    'KEY_ID',
    'SSH_PASSPHRASE',
    'OPENAI_APIKEY',
    'DJANGO_SECRETKEY',
    // Config keys (camelCase and header names).
    'apiKey',
    'accessToken',
    'clientSecret',
    'password',
    'x-api-key',
    'Authorization',
    'PROXY_AUTHORIZATION',
  ])('%s is a secret name', (name) => {
    expect(isSecretName(name)).toBe(true);
  });

  it.each([
    'GIT_AUTHOR_NAME',
    'GIT_AUTHOR_EMAIL',
    'XAUTHORITY',
    'SSH_AUTH_SOCK',
    'KEYBOARD_LAYOUT',
    'MONKEY',
    'TURKEY_SANDWICH',
    'PWD', // the working directory, not a password
    'OLDPWD',
    'TOKENIZERS_PARALLELISM',
    'HOME',
    'PATH',
    'maxTokens',
    'max_tokens',
    'apiKeyEnvar', // holds a variable's name, not its value
    'apiBaseUrl',
    'AUTHORIZATION_SERVER_URL',
  ])('%s is not a secret name', (name) => {
    expect(isSecretName(name)).toBe(false);
  });
});

describe('secretValues', () => {
  it('takes the values of secret-named variables only, longest first', () => {
    const env = {
      GIT_AUTHOR_NAME: 'Refunds take 5 days',
      XAUTHORITY: '/home/user/.Xauthority',
      PWD: '/work/project',
      OPENAI_API_KEY: 'sk-plant-openai-4f1d9a7c',
      GITHUB_TOKEN: 'ghp_0123456789abcdefghijklmn',
      DB_PASSWORD: 'short', // under the minimum length: too common a string to cut everywhere
    };
    expect(secretValues(env)).toEqual(['ghp_0123456789abcdefghijklmn', 'sk-plant-openai-4f1d9a7c']);
  });
});

describe('isSecretValue: secret by shape, never a plain word or number', () => {
  it.each(['sk-plant-openai-4f1d9a7c', 'ghp_0123456789abcdefghijklmn', 'hunter22', 'Summer2024!', 'pg-Secret-7f3a9c21e5b8', 'PostgreSQL'])(
    '%s is cut from what is written',
    (value) => {
      expect(isSecretValue(value)).toBe(true);
    },
  );

  it.each(['password', 'postgres', 'Password', 'CHANGEME', '12345678', 'short', 'pw'])('%s is a word or a number, never cut', (value) => {
    expect(isSecretValue(value)).toBe(false);
  });

  it('a word too long to be one is a secret (a passphrase)', () => {
    expect(isSecretValue('correcthorsebatterystapleok')).toBe(true);
  });

  it('CI settings such as ADMIN_PASSWORD=password never cut a word: "passwords" stays', () => {
    const env = {
      ADMIN_PASSWORD: 'password',
      POSTGRES_PASSWORD: 'postgres',
      PGPASSWORD: '12345678',
      DB_PASSWORD: 'pg-Secret-7f3a9c21e5b8',
    };
    expect(secretValues(env)).toEqual(['pg-Secret-7f3a9c21e5b8']);
    const answer = 'Hash passwords; the postgres password is pg-Secret-7f3a9c21e5b8.';
    expect(redactSecrets(answer, secretValues(env))).toBe('Hash passwords; the postgres password is [redacted].');
    // A configured key of a word's shape is no secret to cut from text either (meta.json still hides the field).
    const config = { models: [{ id: 'x', config: { apiKey: 'password', apiBaseUrl: 'http://admin:password@host/v1' } }] };
    expect(configSecretValues(config)).toEqual(['admin:password']);
    expect(redactConfig(config).models[0]!.config.apiKey).toBe('[redacted]');
  });
});

describe('URL credentials', () => {
  it('redactUrlCredentials replaces the user:password part of every URL, nothing else', () => {
    expect(redactUrlCredentials('http://user:pw@host/v1')).toBe('http://[redacted]@host/v1');
    expect(redactUrlCredentials('cannot reach https://ghp_tokenAsUser123@github.com/x.git, and ftp://a:b@c')).toBe(
      'cannot reach https://[redacted]@github.com/x.git, and ftp://[redacted]@c',
    );
    expect(redactUrlCredentials('http://localhost:8080/v1?mail=a@b.c and me@example.com')).toBe(
      'http://localhost:8080/v1?mail=a@b.c and me@example.com',
    );
    expect(redactUrlCredentials('{"u":"http://host/v1","m":"me@example.com"}')).toBe('{"u":"http://host/v1","m":"me@example.com"}');
    expect(redactUrlCredentials('http://[redacted]@host/v1')).toBe('http://[redacted]@host/v1');
  });

  it('configSecretValues collects the password and user:password of a URL with credentials', () => {
    const config = {
      models: [
        { id: 'openai:chat:x', config: { apiBaseUrl: 'http://user:pw@host/v1' } },
        { id: 'y', config: { apiBaseUrl: 'https://admin:s3cr%40t-pass-word@h/v1' } },
      ],
    };
    const found = configSecretValues(config);
    expect(found).toContain('user:pw');
    // A password shorter than any secret cut from free text ('pw' would cut every "pwd") is cut with its user name.
    expect(found).not.toContain('pw');
    expect(found).toContain('admin:s3cr%40t-pass-word');
    expect(found).toContain('s3cr%40t-pass-word');
    expect(found).toContain('s3cr@t-pass-word'); // as sent, decoded
    expect(configSecretValues({ apiBaseUrl: 'http://localhost:8080/v1' })).toEqual([]);
    // A token as user name is a secret; a short plain user name ("git") is not cut from every answer.
    expect(configSecretValues({ url: 'https://ghp_tokenAsUser123@github.com/x.git', repo: 'ssh://git@github.com/x.git' })).toEqual([
      'ghp_tokenAsUser123',
    ]);
  });

  it('redactConfig cuts the credentials out of URLs and keeps the rest of the URL', () => {
    const config = { models: [{ id: 'openai:chat:x', config: { apiBaseUrl: 'http://user:pw@host/v1', apiKey: 'sk-123456789' } }] };
    const redacted = redactConfig(config, configSecretValues(config));
    expect(redacted.models[0]!.config).toEqual({ apiBaseUrl: 'http://[redacted]@host/v1', apiKey: '[redacted]' });
    expect(JSON.stringify(redacted)).not.toMatch(/user|pw@/);
  });
});

describe('redactConfig and configSecretValues keep ordinary fields', () => {
  it('does not treat author names or maxTokens as secrets', () => {
    const config = {
      author: 'GIT_AUTHOR',
      gitAuthorName: 'Ada Lovelace',
      maxTokens: '100000000',
      headers: { Authorization: 'Bearer abcdefgh12345' },
    };
    expect(redactConfig(config)).toEqual({
      author: 'GIT_AUTHOR',
      gitAuthorName: 'Ada Lovelace',
      maxTokens: '100000000',
      headers: { Authorization: '[redacted]' },
    });
    expect(configSecretValues(config)).toEqual(['Bearer abcdefgh12345']);
    expect(redactSecrets('by Ada Lovelace', configSecretValues(config))).toBe('by Ada Lovelace');
  });
});
