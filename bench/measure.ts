import path from 'node:path';

/** One figure of `npm run bench`: its value, and its target and verdict where it has one. */
export interface Measure {
  name: string;
  value: number;
  unit: string;
  target?: string;
  pass?: boolean;
  note?: string;
}

/** The environment a benchmarked process gets: no real API key, promptfoo's state in `stateDir`, no telemetry or colour. */
export function childEnv(stateDir: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const k of Object.keys(env)) if (/_API_KEY$/.test(k)) delete env[k];
  return {
    ...env,
    PROMPTFOO_DISABLE_TELEMETRY: '1',
    PROMPTFOO_DISABLE_UPDATE: '1',
    PROMPTFOO_DISABLE_SHARING: '1',
    PROMPTFOO_CONFIG_DIR: path.join(stateDir, '.promptfoo-config'),
    PROMPTFOO_CACHE_PATH: path.join(stateDir, '.promptfoo-cache'),
    OPENAI_API_KEY: 'bench-key',
    NO_COLOR: '1',
    FORCE_COLOR: '0',
    ...extra,
  };
}
