import { loadAgents } from '../load/discover-agents.ts';
import type { Context } from '../context.ts';
import { formatTable } from '../report/text/table.ts';
import { formatFinding } from '../lint/lint.ts';

/** `agent-evals agents [--json]`: one row per variant. */
export async function agentsCommand(ctx: Context, opts: { json?: boolean }): Promise<number> {
  const { variants, warnings } = await loadAgents(ctx.root);
  for (const w of warnings) ctx.err(formatFinding({ ...w, line: w.line ?? 1 }));
  if (opts.json) {
    ctx.out(JSON.stringify(variants, null, 2));
    return 0;
  }
  const rows = variants.map((v) => [
    v.name,
    v.id,
    v.origin,
    v.dialect,
    v.modelHint ?? '-',
    v.temperature === undefined ? '-' : String(v.temperature),
    v.tools.length ? v.tools.join(',') : '-',
    String(v.promptTokens),
    v.contentHash.slice(0, 8),
  ]);
  ctx.out(formatTable(['agent', 'variant', 'from', 'dialect', 'model', 'temp', 'tools', 'tokens', 'hash'], rows));
  const agents = new Set(variants.map((v) => v.name));
  ctx.out(`${variants.length} variant${variants.length === 1 ? '' : 's'} of ${agents.size} agent${agents.size === 1 ? '' : 's'}`);
  return 0;
}
