import type { EvalSelection } from '../../plan/plan-eval.ts';
import type { ResumeOptions } from '../../report/text/resume-hint.ts';
import type { RunMeta } from '../../schema/run-meta.ts';

/** `eval`'s options as the command line gives them. */
export interface EvalOptions extends EvalSelection {
  config: string;
  dryRun?: boolean;
  replay?: boolean;
  record?: boolean;
  resume?: string | boolean;
  ci?: boolean;
  changedSince?: string;
  baseline?: string;
  /** `--budget-usd`: the run's USD budget, over the config's `budget.usd` (docs/planning-and-budgets.md). */
  budgetUsd?: number;
}

/**
 * `eval`'s options, resolved once into what each stage takes: the loader its config and refs, the
 * planner the selection, the run folder what to resume, the execute stage the mode asked for, the finish
 * stage the gate and baseline. No stage after this one reads the command line's options.
 */
export interface EvalSettings {
  load: { config: string; changedSince?: string; baseline?: string; ci?: boolean };
  selection: EvalSelection;
  dryRun: boolean;
  /** `--replay` or `--record` (absent: a live run, or the resumed run's mode). */
  asked?: RunMeta['mode'];
  /** `--resume`: a run id, or the latest run (true). */
  resume?: string | true;
  /** `--budget-usd`: the run's USD budget, over the config's `budget.usd`. */
  budgetUsd?: number;
  /** `--resume --budget-usd <more>`: the flag is what the resume may spend on top of what the run spent. */
  budgetOnTop: boolean;
  finish: { ci?: boolean; baselineRef?: string };
  /** What the command that finishes this run if it is interrupted repeats (`resumeCommand`): its config and the options its cells depend on. */
  resumeWith: ResumeOptions;
}

/**
 * @example
 * evalSettings({ config: 'evals/ci.yaml', ci: true, repeat: 2 }).selection // { repeat: 2 }
 */
export function evalSettings(opts: EvalOptions): EvalSettings {
  const { agent, scenario, tag, model, repeat, concurrency, shard } = opts;
  const selection = Object.fromEntries(
    Object.entries({ agent, scenario, tag, model, repeat, concurrency, shard }).filter(([, v]) => v !== undefined),
  ) as EvalSelection;
  const asked: RunMeta['mode'] | undefined = opts.replay ? 'replay' : opts.record ? 'record' : undefined;
  const resume = opts.resume || undefined;
  return {
    load: { config: opts.config, changedSince: opts.changedSince, baseline: opts.baseline, ci: opts.ci },
    selection,
    dryRun: Boolean(opts.dryRun),
    ...(asked ? { asked } : {}),
    ...(resume !== undefined ? { resume } : {}),
    ...(opts.budgetUsd !== undefined ? { budgetUsd: opts.budgetUsd } : {}),
    budgetOnTop: Boolean(opts.resume) && opts.budgetUsd !== undefined,
    finish: { ci: opts.ci, baselineRef: opts.baseline },
    resumeWith: opts,
  };
}
