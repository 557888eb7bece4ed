import path from 'node:path';
import type { Context } from '../context.ts';
import { ScenarioError, UsageError } from '../errors.ts';
import { readRunCell } from '../io/run/run-cell.ts';
import { resolveRunId } from '../io/run/run-id.ts';
import { runOwner } from '../io/run/run-lock.ts';
import { runDir } from '../io/run/run-store.ts';
import { writeExample } from '../io/calibration/write-example.ts';
import { readInputFile } from '../load/files.ts';
import { loadScenarios } from '../load/scenarios.ts';
import { isScored, type CellResult } from '../schema/result.ts';
import { TRAJECTORY_KINDS } from '../schema/scenario.ts';
import { redactDeep, redactSecrets, secretValues } from '../shared/secrets.ts';

interface ExamplesAddOptions {
  /** The run (default: the latest). */
  run?: string;
  /** The cell's id, or a unique prefix of at least 6 characters. */
  cell: string;
  as: 'pass' | 'fail';
  /** The example's label; also names its files. */
  label?: string;
}

/**
 * `agent-evals examples add --cell <id> --as pass|fail [--run <id>] [--label <name>]`: makes one cell
 * of a run a reference example of its scenario. Writes the answer (`examples/<scenario>.<side>[-<label>].md`,
 * behind a calibration header), the trajectory as recorded (`….trajectory.json`; none for a chat cell:
 * an answer-only example), and adds the entry to the scenario's `examples:` with every other byte of
 * the file kept. Input problems are one line and exit 2, with nothing written.
 *
 * @example
 * await examplesAddCommand(ctx, { cell: '3f9a1c', as: 'pass', label: 'reads-first' }) // 0
 */
export async function examplesAddCommand(ctx: Context, opts: ExamplesAddOptions): Promise<number> {
  const runId = await resolveRunId(ctx.root, opts.run);
  const dir = runDir(ctx.root, runId);
  const owner = await runOwner(dir);
  if (owner) throw new UsageError(`examples add: run ${runId} is still running (pid ${owner.pid} on ${owner.host}); wait for it to finish`);
  const cell = await readRunCell(dir, `reports/runs/${runId}/results.jsonl`, opts.cell);
  if (!isScored(cell.status) || cell.output === undefined) {
    const why = cell.error ?? (cell.source === 'baseline' ? 'carried from the baseline, without its answer' : 'no answer recorded');
    throw new UsageError(
      `--cell ${opts.cell}: the cell is "${cell.status}" (${why}); expected a scored cell (pass or fail) with an answer`,
    );
  }

  const { scenarios } = await loadScenarios(ctx.root, { agentNames: [] });
  const scenario = scenarios.find((s) => s.id === cell.scenarioId);
  if (!scenario) {
    throw new UsageError(
      `--cell ${opts.cell}: its scenario "${cell.scenarioId}" is in no file under scenarios/ any more; expected the scenario file the run was made with`,
    );
  }
  if (scenario.row !== undefined || /\.csv$/i.test(scenario.file)) {
    throw new ScenarioError(
      `a CSV scenario file; expected a YAML one (CSV has no trajectory column): add the answer to its ${opts.as} column by hand`,
      { file: scenario.file, ...(scenario.row !== undefined ? { row: scenario.row } : {}) },
    );
  }
  const onAgent = scenario.assert.filter((a) => TRAJECTORY_KINDS.includes(a.type));
  if (!cell.trajectory && onAgent.length > 0) {
    throw new UsageError(
      `--cell ${opts.cell}: the cell has no trajectory (it ran as a chat model), and scenario "${scenario.id}" judges what the agent did (${onAgent[0]!.id}); expected a cell of an agent runtime`,
    );
  }

  const name = `examples/${scenario.id}.${opts.as}${opts.label !== undefined ? `-${labelSlug(opts.label)}` : ''}`;
  const secrets = secretValues(ctx.env);
  const trajectory = cell.trajectory ? redactDeep(cell.trajectory, secrets) : undefined;
  const scenarioText = (
    await readInputFile(path.join(ctx.root, scenario.file), scenario.file, {
      missing: 'not found; expected the scenario file the run was made with',
    })
  ).toString('utf8');
  const written = await writeExample({
    root: ctx.root,
    scenarioFile: scenario.file,
    scenarioText,
    scenarioId: scenario.id,
    side: opts.as,
    ...(opts.label !== undefined ? { label: opts.label } : {}),
    answer: { file: `${name}.md`, text: answerFile(runId, cell, redactSecrets(cell.output, secrets)) },
    ...(trajectory ? { trajectory: { file: `${name}.trajectory.json`, text: `${JSON.stringify(trajectory, null, 2)}\n` } } : {}),
  });

  const [answerPath, trajectoryPath] = written.files;
  ctx.out(
    `wrote ${answerPath} (the answer of cell ${cell.cellId} of run ${runId}: ${cell.variantId} @ ${cell.model}, repeat ${cell.repeat}, scored ${cell.status})`,
  );
  if (trajectory) {
    const calls = trajectory.toolCalls.length;
    ctx.out(`wrote ${trajectoryPath} (${calls} tool call${calls === 1 ? '' : 's'})`);
  } else ctx.out('no trajectory: the cell ran as a chat model (an answer-only example)');
  ctx.out(`added examples.${opts.as}[${written.index}] to ${scenario.file}:${written.line}`);
  ctx.out(`check it: agent-evals calibrate --scenario ${scenario.id}`);
  if (cell.status !== opts.as)
    ctx.err(`note: the run scored this cell ${cell.status}; calibrate shows which assertions disagree with --as ${opts.as}`);
  if (cell.scenarioHash !== scenario.hash) {
    ctx.err(
      `warning: scenario "${scenario.id}" changed since run ${runId} (its request, workspace or peers): the answer was given to the old one`,
    );
  }
  return 0;
}

/** `--label` as a file-name part: lower-case letters, digits and single dashes. */
function labelSlug(label: string): string {
  const slug = label
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60)
    .replace(/-+$/, '');
  if (!slug) throw new UsageError(`--label ${JSON.stringify(label)}: expected letters or digits (the label names the example's files)`);
  return slug;
}

/** The answer behind a calibration header (removed before it is scored) saying where it came from. */
function answerFile(runId: string, cell: CellResult, output: string): string {
  const from = `run ${runId}, cell ${cell.cellId} (${cell.variantId} @ ${cell.model}, repeat ${cell.repeat}), which the run scored ${cell.status}`;
  const header = `<!-- Calibration reference answer: recorded by \`agent-evals examples add\` from ${from.replaceAll('-->', '-- >')}. -->`;
  return `${header}\n\n${output.endsWith('\n') ? output : `${output}\n`}`;
}
