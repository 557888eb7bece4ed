import type { Context } from '../context.ts';

// Placeholder while the command is being built; replaced by its implementation.
export async function gateCommand(ctx: Context, _opts: Record<string, unknown>): Promise<number> {
  ctx.err('agent-evals gate: not implemented yet');
  return 2;
}
