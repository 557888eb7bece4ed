import type { Context } from '../context.ts';
import { UsageError } from '../errors.ts';
import { INSTALLABLE_RUNTIMES, installRuntime, isInstallableRuntime } from '../execute/runtimes/runtime-install.ts';

/**
 * `agent-evals install-runtime <name>`: installs the program an agent runtime drives, at its pinned version
 * (`opencode` into the project's `.agent-evals/runtimes/opencode/`, `claude-code`'s SDK when npm left it out).
 * Idempotent: prints where it already is.
 *
 * @example
 * await installRuntimeCommand(ctx, { runtime: 'opencode' }); // "installed opencode-ai@1.18.33 …: <binary>"
 */
export async function installRuntimeCommand(ctx: Context, opts: { runtime: string }): Promise<number> {
  if (!isInstallableRuntime(opts.runtime))
    throw new UsageError(`install-runtime: unknown runtime '${opts.runtime}'; expected one of: ${INSTALLABLE_RUNTIMES.join(', ')}`);
  const outcome = await installRuntime(opts.runtime, { root: ctx.root, env: ctx.env, progress: ctx.err });
  ctx.out(`${outcome.installed ? 'installed' : 'already installed'} ${outcome.packages.join(' ')}: ${outcome.where}`);
  return 0;
}
