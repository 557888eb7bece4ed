import type { Context } from '../context.ts';

// Placeholder while the command is being built; replaced by its implementation.
export async function blessCommand(ctx: Context, _opts: Record<string, unknown>): Promise<number> {
  ctx.err('agent-evals bless: not implemented yet');
  return 2;
}
