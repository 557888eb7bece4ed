/**
 * The OpenCode server pool is started before the first cell: a cell's own timeout never pays a server's
 * start-up. Counted in servers started (bubblewrap sandboxes of this runtime's home), not in milliseconds.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOpenCodeRuntime } from '../../src/execute/runtimes/opencode.ts';
import type { AgentRuntime } from '../../src/shared/agent-runtime.ts';
import { type FakeOpenAIStreamServer, startFakeOpenAIStream } from '../support/fake-openai-stream-server.ts';
import { processesMatching } from './escape-kit.ts';
import { agentFromFile, cellInput, FIXTURES, openCodeMissing, tempCell } from './opencode-support.ts';

const missing = openCodeMissing();
if (missing) console.warn(`[opencode warm-up test] ${missing}`);

describe.skipIf(Boolean(missing))('opencode runtime: servers started before the cells', { timeout: 240_000 }, () => {
  let server: FakeOpenAIStreamServer;
  let runtime: AgentRuntime;
  const home = mkdtempSync(path.join(tmpdir(), 'agent-evals-oc-warm-'));
  /** The sandboxes (one per server) of this runtime: the distinct `sandbox-<n>` folders its bubblewrap processes bind. */
  const sandboxes = () =>
    new Set(
      processesMatching(new RegExp(`^\\S*bwrap .*${home}/sandbox-\\d+`)).map((p) => new RegExp(`${home}/(sandbox-\\d+)`).exec(p)?.[1]),
    ).size;
  beforeAll(async () => {
    server = await startFakeOpenAIStream();
    runtime = createOpenCodeRuntime({ env: process.env, homeDir: home });
  });
  afterAll(async () => {
    await runtime?.close();
    await server?.close();
    rmSync(home, { recursive: true, force: true });
  });

  it('prepare(2) starts two servers; two cells at once then start none', async () => {
    expect(sandboxes()).toBe(0);
    await runtime.prepare?.(2);
    expect(sandboxes()).toBe(2);
    server.configure({ rules: [{ reply: { text: 'ok' } }] });
    const agent = agentFromFile(path.join(FIXTURES, 'reader.md'), 'reader');
    const cells = [tempCell({ 'README.md': 'a\n' }), tempCell({ 'README.md': 'b\n' })];
    try {
      const outs = await Promise.all(cells.map((c) => runtime.runCell(cellInput(agent, c, server.url))));
      expect(outs.map((o) => o.error)).toEqual([undefined, undefined]);
      expect(sandboxes()).toBe(2);
    } finally {
      for (const c of cells) c[Symbol.dispose]();
    }
  });
});
