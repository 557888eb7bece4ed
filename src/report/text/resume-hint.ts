/** The options of an interrupted `eval` that its resume command repeats (`commands/eval/settings.ts`'s EvalOptions fit it). */
export interface ResumeOptions {
  config: string;
  agent?: readonly string[];
  scenario?: readonly string[];
  tag?: readonly string[];
  model?: readonly string[];
  repeat?: number;
  shard?: string;
  /** Not repeated: it does not decide which cells run. */
  concurrency?: number;
  changedSince?: string;
  ci?: boolean;
  baseline?: string;
  /** The run's budget (`--budget-usd`): a run interrupted under a budget resumes under it. */
  budgetUsd?: number;
}

/** The config `eval` reads without `-c` (program.ts's default). */
const DEFAULT_CONFIG = 'evals/default.yaml';

/**
 * The command that finishes an interrupted run (pure): `npx agent-evals eval`, the config and every
 * option that decides the run's cells (`--resume` refuses a run planned otherwise, plan/resume-check.ts),
 * `--ci` and `--baseline` (the run ends as it was started), then `--resume <id>`. `npx` runs the local
 * bin, in a user's repository and in this one alike. Arguments the shell would change are quoted.
 *
 * @example
 * resumeCommand({ config: 'evals/ci.yaml', repeat: 1 }, '20260101-120000-ab12')
 * // 'npx agent-evals eval -c evals/ci.yaml --repeat 1 --resume 20260101-120000-ab12'
 */
export function resumeCommand(opts: ResumeOptions, runId: string): string {
  const args = ['eval'];
  if (opts.config !== DEFAULT_CONFIG) args.push('-c', opts.config);
  for (const [flag, values] of [
    ['--agent', opts.agent],
    ['--scenario', opts.scenario],
    ['--tag', opts.tag],
    ['--model', opts.model],
  ] as const)
    for (const v of values ?? []) args.push(flag, v);
  if (opts.repeat !== undefined) args.push('--repeat', String(opts.repeat));
  if (opts.shard) args.push('--shard', opts.shard);
  if (opts.changedSince) args.push('--changed-since', opts.changedSince);
  if (opts.ci) args.push('--ci');
  if (opts.baseline) args.push('--baseline', opts.baseline);
  if (opts.budgetUsd !== undefined) args.push('--budget-usd', String(opts.budgetUsd));
  args.push('--resume', runId);
  return ['npx', 'agent-evals', ...args.map(shellWord)].join(' ');
}

/** A word as a POSIX shell reads it back: plain when safe, otherwise single-quoted. */
function shellWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}
