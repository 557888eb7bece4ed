import type { Context } from '../context.ts';
import { ensureIgnored, IGNORED, packageWorkflows, writeSchemas, writeStarterFiles } from '../init/init-project.ts';
import { loadAgents } from '../load/discover-agents.ts';
import { starterFiles } from '../init/starter-files.ts';

/**
 * `agent-evals init`: in a repository that already holds agents (`.claude/agents/`, `.opencode/`,
 * `opencode.json`, `agents/`), adds an eval config, an example scenario, the JSON schemas they point at, the two GitHub
 * workflows, and the `.gitignore` lines agent-evals needs. Touches no file that exists but `.gitignore`, which only gains the lines it lacks.
 */
export async function initCommand(ctx: Context): Promise<number> {
  const { variants } = await loadAgents(ctx.root);
  const agentNames = [...new Set(variants.map((v) => v.name))];
  const files = starterFiles({ agentNames, workflows: await packageWorkflows() });
  const { written, kept } = await writeStarterFiles(ctx.root, files);
  for (const file of written) ctx.out(`wrote ${file}`);
  for (const file of kept) ctx.out(`kept  ${file} (it exists)`);
  const schemas = await writeSchemas(ctx.root);
  for (const file of schemas.written) ctx.out(`wrote ${file}`);
  for (const file of schemas.updated) ctx.out(`updated ${file} (the schema of this agent-evals version)`);
  for (const file of schemas.kept) ctx.out(`kept  ${file} (it exists and is not an agent-evals schema)`);
  const ignored = await ensureIgnored(ctx.root);
  if (ignored !== 'kept')
    ctx.out(`${ignored === 'wrote' ? 'made' : 'updated'} .gitignore: ${IGNORED.join(' ')} (only the lines it lacked)`);
  if (agentNames.length === 0)
    ctx.err(
      'warning: no agents found in agents/, .claude/agents/, .opencode/agent(s)/ or opencode.json: add one, then `agent-evals agents`',
    );
  else ctx.out(`${agentNames.length} agent${agentNames.length === 1 ? '' : 's'} found: ${agentNames.join(', ')}`);
  ctx.out('next: `npx agent-evals calibrate`, then `npx agent-evals eval` (needs a model API key; see evals/default.yaml)');
  return 0;
}
