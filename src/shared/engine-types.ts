/**
 * The engine's vocabulary as plain data, so that only `execute/` imports promptfoo itself.
 * These shapes match promptfoo's `Assertion` and `GradingResult` closely enough to be passed through.
 */

/** What a JavaScript assertion function receives and returns (promptfoo's custom assertion contract). */
export type AssertionFunction = (
  output: string,
  context: { vars?: Record<string, unknown> },
) => { pass: boolean; score: number; reason: string } | Promise<{ pass: boolean; score: number; reason: string }>;

/** One assertion in promptfoo's terms. `metric` carries our assertion id, so results map back. */
export interface EngineAssertion {
  /** promptfoo assertion type: `contains`, `regex`, `javascript`, `llm-rubric`, … */
  type: string;
  value?: string | string[] | number | AssertionFunction;
  /** Our assertion id; promptfoo reports it back as `metric` / in `namedScores`. */
  metric: string;
  weight?: number;
  threshold?: number;
}

export interface EngineComponentResult {
  metric?: string;
  type: string;
  pass: boolean;
  score: number;
  reason?: string;
  /** The grader model failed (promptfoo sets `metadata.graderError`): not a judgement of the answer. */
  graderError?: boolean;
  /** A panel of graders: each one's grade of this assertion (the component is their majority). */
  votes?: Array<{ grader: string; pass?: boolean; score?: number; reason?: string }>;
}

export interface EngineGrading {
  pass: boolean;
  score: number;
  components: EngineComponentResult[];
}
