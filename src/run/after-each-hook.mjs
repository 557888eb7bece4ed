// promptfoo extension hook (file://…:afterEach): hands each finished row to the run that planned it,
// so results are appended to results.jsonl as each cell finishes, not when the whole eval ends.
export function afterEach(context) {
  const sinks = globalThis[Symbol.for('agent-evals.row-sinks')];
  const runKey = context?.result?.vars?.__run;
  if (sinks && runKey) sinks.get(runKey)?.(context.result);
}
