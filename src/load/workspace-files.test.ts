/**
 * Scenario workspaces are repositories: binary files are normal, a FIFO is named, and the loaded scenario holds
 * no file's contents but the few a `file-contains` assertion reads (the rest is hashed as it is read).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDirs } from '../../test/support/temp-dirs.ts';
import type { UserError } from '../errors.ts';
import { UserErrors } from '../errors.ts';
import { loadScenarios } from './scenarios.ts';

const temp = tempDirs('agent-evals-ws-');

function project(files: Record<string, string | Buffer>, assert = '  - { type: no-writes }\n'): string {
  const root = temp();
  const scenarios = path.join(root, 'scenarios');
  mkdirSync(path.join(scenarios, 'workspaces', 'svc'), { recursive: true });
  for (const [rel, data] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(scenarios, 'workspaces', 'svc', rel)), { recursive: true });
    writeFileSync(path.join(scenarios, 'workspaces', 'svc', rel), data);
  }
  writeFileSync(
    path.join(scenarios, 'agentic.yaml'),
    `id: agentic\ntitle: Agentic\nworkspace: workspaces/svc\nrequest: Review it.\nassert:\n${assert}`,
  );
  return root;
}

const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d, 0x49, 0x48, 0x44, 0x52]);

describe('scenario workspaces', () => {
  it('takes a binary file (a 16-byte logo.png) as it is', async () => {
    const { scenarios } = await loadScenarios(project({ 'README.md': '# svc\n', 'logo.png': PNG }), { agentNames: [] });
    expect(scenarios[0]!.workspace!.dir).toBe('scenarios/workspaces/svc');
    expect(Object.keys(scenarios[0]!.workspace!.files).sort()).toEqual(['README.md', 'logo.png']);
  });

  it('names a FIFO in the workspace: one error, the file named', async () => {
    const dir = project({ 'README.md': '# svc\n' });
    execFileSync('mkfifo', [path.join(dir, 'scenarios', 'workspaces', 'svc', 'pipe')]);
    const err = (await loadScenarios(dir, { agentNames: [] }).catch((e: unknown) => e)) as UserError;
    const messages = err instanceof UserErrors ? err.errors.map((e) => e.message) : [err.message];
    expect(messages).toEqual([expect.stringMatching(/workspaces\/svc\/pipe: a FIFO/)]);
  });

  it('keeps no file content in the loaded scenario but what file-contains reads; the hash still sees every byte', async () => {
    const big = 'x'.repeat(2 * 1024 * 1024);
    const files = { 'README.md': 'version 1\n', 'data/big.txt': big, 'data/other.bin': PNG };
    const assert = '  - { type: file-contains, file: README.md, value: version }\n';
    const { scenarios } = await loadScenarios(project(files, assert), { agentNames: [] });
    const s = scenarios[0]!;
    expect(JSON.stringify(s).length).toBeLessThan(64 * 1024);
    expect(s.workspace!.texts).toEqual({ 'README.md': 'version 1\n' });
    const changed = await loadScenarios(project({ ...files, 'data/big.txt': `${big}y` }, assert), { agentNames: [] });
    expect(changed.scenarios[0]!.hash).not.toBe(s.hash);
  });
});
