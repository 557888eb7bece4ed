// The grader panel is resolved before the run (here) and after it (finish/): it lives in schema/graders.ts.
export { duplicateGraderLabel, type GraderPanel, resolveGraders } from '../schema/graders.ts';
