import type { Context } from '../context.ts';

// Placeholder while the command is being built; replaced by its implementation.
export async function calibrateCommand(ctx: Context, _opts: Record<string, unknown>): Promise<number> {
  ctx.err('agent-evals calibrate: not implemented yet');
  return 2;
}
