/**
 * Pure: a panel of graders' grades of one answer → one grading, each model-graded assertion decided by
 * the graders' majority. A majority means more than half of the panel, counting a grader that failed
 * to grade: a tie, or too many failures, decides nothing and is a grading error (the cell is not
 * measured), never a pass or a fail the graders did not give.
 */

/** One component of promptfoo's GradingResult, as far as the panel reads and writes it. */
export interface PanelComponent {
  pass: boolean;
  score: number;
  reason?: string;
  assertion?: { type: string; metric?: string } | null;
  metadata?: Record<string, unknown>;
}

export interface PanelGrading {
  pass: boolean;
  score: number;
  componentResults?: PanelComponent[];
}

interface Vote {
  grader: string;
  pass?: boolean;
  score?: number;
  reason?: string;
}

/**
 * Merges the panel's gradings: `gradings[0]` graded every assertion with the first grader, each later
 * one only the model-graded assertions with its grader. Components not graded by a model pass through.
 *
 * @example
 * decidePanel(['a', 'b', 'c'], [gradingA, gradingB, gradingC], (metric) => metric === 'tone')
 * // the `tone` component: pass when two of the three graders passed it, with `metadata.votes`
 */
export function decidePanel(
  graders: readonly string[],
  gradings: readonly PanelGrading[],
  isModelGraded: (metric: string) => boolean,
): PanelGrading {
  const components = (gradings[0]?.componentResults ?? []).map((c) => {
    const metric = c.assertion?.metric;
    if (metric === undefined || !isModelGraded(metric)) return c;
    const votes = graders.map((grader, i) =>
      voteOf(
        grader,
        gradings[i]?.componentResults?.find((o) => o.assertion?.metric === metric),
      ),
    );
    // The metadata is the panel's own: the first grader's failure (graderError) is one vote, not the verdict.
    const decided = majority(votes);
    return { ...decided, assertion: c.assertion, metadata: { ...decided.metadata, votes } };
  });
  return {
    pass: components.every((c) => c.pass),
    score: components.length ? components.reduce((sum, c) => sum + c.score, 0) / components.length : 0,
    componentResults: components,
  };
}

function voteOf(grader: string, c: PanelComponent | undefined): Vote {
  if (!c) return { grader, reason: 'not graded' };
  const reason = c.reason ? { reason: c.reason } : {};
  if (c.metadata?.graderError === true) return { grader, ...reason };
  return { grader, pass: c.pass, score: Math.min(1, Math.max(0, c.score)), ...reason };
}

/** The decided component: the side more than half of the panel took, or a grading error. */
function majority(votes: Vote[]): PanelComponent {
  const n = votes.length;
  const passes = votes.filter((v) => v.pass === true);
  const fails = votes.filter((v) => v.pass === false);
  const side = passes.length * 2 > n ? passes : fails.length * 2 > n ? fails : undefined;
  if (!side) {
    const failed = n - passes.length - fails.length;
    return {
      pass: false,
      score: 0,
      reason: `no majority of the ${n} graders: ${passes.length} pass, ${fails.length} fail${failed ? `, ${failed} could not grade` : ''}`,
      metadata: { graderError: true },
    };
  }
  const pass = side === passes;
  const score = side.reduce((sum, v) => sum + (v.score ?? Number(pass)), 0) / side.length;
  const why = side.find((v) => v.reason)?.reason;
  return { pass, score, reason: `${side.length} of ${n} graders: ${pass ? 'pass' : 'fail'}${why ? `. ${why}` : ''}` };
}
