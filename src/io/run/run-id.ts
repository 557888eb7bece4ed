import path from 'node:path';
import { UsageError } from '../../errors.ts';
import { listRunIds, runsRoot } from './run-store.ts';

/**
 * Run ids are folder names under `reports/runs/`, never paths: a `/`, a `\`, `..` or a leading `.`
 * would let `--out`, `--resume`, `--run` or `bless <id>` reach outside (or hide a folder). Letters,
 * digits, `.`, `_` and `-`, starting with a letter or digit, at most 100 characters; generated ids
 * (`20261121-223000-a1b2`) are of this form.
 */
const RUN_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

/**
 * True when `id` can name a run folder.
 *
 * @example
 * isRunIdName('20261121-223000-a1b2') // true
 * isRunIdName('../../tmp/escape') // false
 */
export function isRunIdName(id: string): boolean {
  return RUN_ID.test(id);
}

/**
 * Throws a one-line usage error (exit 2) unless `id` can name a run folder; `option` says where the
 * id came from (`merge --out`, `eval --resume`).
 *
 * @example
 * assertRunIdName(opts.out, 'merge --out');
 */
export function assertRunIdName(id: string, option: string): void {
  if (isRunIdName(id)) return;
  throw new UsageError(
    `${option}: ${JSON.stringify(id.length > 60 ? `${id.slice(0, 60)}…` : id)} is not a run id; expected a name of letters, digits, '.', '_' and '-' (no '/', no leading '.')`,
  );
}

/**
 * The run id a command works on: the one given (it must exist) or the latest in reports/runs/.
 * @example await resolveRunId(root, undefined) // '20261121-223000-a1b2'
 */
export async function resolveRunId(root: string, runId: string | undefined): Promise<string> {
  const ids = await listRunIds(root);
  if (runId === undefined) {
    const latest = ids.at(-1);
    if (!latest) throw new UsageError(`no runs in ${path.relative(root, runsRoot(root)) || '.'}: run \`agent-evals eval\` first`);
    return latest;
  }
  assertRunIdName(runId, 'run id');
  if (!ids.includes(runId)) throw new UsageError(`no run "${runId}" in reports/runs/ (see the folder names there)`);
  return runId;
}
