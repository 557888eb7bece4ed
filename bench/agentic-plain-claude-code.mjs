/**
 * The plain baseline for the agentic bench (claude-code): the same cells driven straight through the Claude
 * Agent SDK's `query()`, with no harness — each cell in a fresh copy of its workspace with its own HOME, the
 * variant's body as system prompt and its tool list, `concurrency` cells at a time. Plain JavaScript, run with
 * plain `node`, so no loader's start-up is counted against it.
 *
 * Usage: node bench/agentic-plain-claude-code.mjs <job.json>
 * job: { work, concurrency, maxTurns, model: { id, baseUrl, apiKey }, path, cells: [{ agent: { systemPrompt, tools }, request, workspace }] }
 */
import { cpSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { query } from '@anthropic-ai/claude-agent-sdk';

const job = JSON.parse(readFileSync(process.argv[2], 'utf8'));

async function runCell(cell, i) {
  const dir = path.join(job.work, 'cells', String(i));
  const workspace = path.join(dir, 'workspace');
  const home = path.join(dir, 'home');
  cpSync(cell.workspace, workspace, { recursive: true });
  mkdirSync(home, { recursive: true });
  const stream = query({
    prompt: cell.request,
    options: {
      cwd: workspace,
      model: job.model.id,
      systemPrompt: cell.agent.systemPrompt,
      settingSources: [],
      tools: cell.agent.tools.length ? cell.agent.tools : { type: 'preset', preset: 'claude_code' },
      permissionMode: 'default',
      maxTurns: job.maxTurns,
      persistSession: false,
      env: {
        PATH: job.path,
        HOME: home,
        ANTHROPIC_BASE_URL: job.model.baseUrl,
        ANTHROPIC_API_KEY: job.model.apiKey,
        CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
      },
    },
  });
  let result;
  for await (const message of stream) {
    if (message.type !== 'result') continue;
    result = message;
    break; // the answer is in: do not wait for Claude Code to wind down (the harness does not either)
  }
  rmSync(dir, { recursive: true, force: true });
  return result?.subtype === 'success' ? 'ok' : `error: ${result?.subtype ?? 'no result'}`;
}

const outcomes = [];
let next = 0;
await Promise.all(
  Array.from({ length: job.concurrency }, async () => {
    while (next < job.cells.length) {
      const i = next++;
      outcomes[i] = await runCell(job.cells[i], i);
    }
  }),
);
const failed = outcomes.filter((o) => o !== 'ok');
console.log(JSON.stringify({ cells: outcomes.length, failed: failed.length, first: failed[0] }));
