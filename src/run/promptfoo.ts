/**
 * The engine seam: the ONLY module that imports promptfoo (an architecture test keeps it so).
 * Everything promptfoo-shaped goes in and out through plain types from `engine-types.ts`.
 */
import type { EngineAssertion, EngineGrading } from './engine-types.ts';

type Promptfoo = typeof import('promptfoo').default;
let loaded: Promise<Promptfoo> | undefined;

/**
 * Imports promptfoo once (≈ 1 s), after setting the environment it reads at import time:
 * no telemetry, no update check, and its state folders under the project unless the user chose.
 */
export function loadEngine(env: NodeJS.ProcessEnv = process.env): Promise<Promptfoo> {
  env.PROMPTFOO_DISABLE_TELEMETRY ??= '1';
  env.PROMPTFOO_DISABLE_UPDATE ??= '1';
  loaded ??= import('promptfoo').then((m) => m.default);
  return loaded;
}

/**
 * Scores an answer with promptfoo's assertion engine and no provider call: the offline path used by
 * calibration (reference answers) and by replay.
 *
 * @example
 * const g = await scoreOffline({ output: 'Use JWT', assertions: [{ type: 'icontains', value: 'jwt', metric: 'jwt' }] });
 * g.pass // true
 */
export async function scoreOffline(input: {
  output: string;
  assertions: EngineAssertion[];
  vars?: Record<string, string>;
}): Promise<EngineGrading> {
  const engine = await loadEngine();
  const result = await engine.assertions.runAssertions({
    // Our assertion shape is promptfoo's, including function values for `javascript`.
    test: { vars: input.vars ?? {}, assert: input.assertions as never },
    providerResponse: { output: input.output },
  });
  return toEngineGrading(result);
}

/** promptfoo's GradingResult → our plain shape. */
export function toEngineGrading(result: {
  pass: boolean;
  score: number;
  componentResults?: Array<{ pass: boolean; score: number; reason?: string; assertion?: { type: string; metric?: string } | null }>;
}): EngineGrading {
  return {
    pass: result.pass,
    score: result.score,
    components: (result.componentResults ?? []).map((c) => ({
      metric: c.assertion?.metric,
      type: c.assertion?.type ?? 'unknown',
      pass: c.pass,
      score: c.score,
      reason: c.reason,
    })),
  };
}
