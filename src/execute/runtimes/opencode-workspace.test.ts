import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { RuntimeAgent } from '../../shared/agent-runtime.ts';
import { prepareWorkspace } from './opencode-workspace.ts';

const root = mkdtempSync(path.join(tmpdir(), 'oc-ws-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const agent = (name: string): RuntimeAgent => ({
  name,
  description: 'd',
  dialect: 'opencode',
  systemPrompt: 'p',
  fileText: '---\ndescription: d\n---\np\n',
  tools: [],
  permissions: [],
});
const setup = (workspace: string, name = 'a') => ({
  workspace,
  agent: agent(name),
  model: { id: 'm', apiBaseUrl: 'http://127.0.0.1:41001/v1' },
  apiKey: 'placeholder',
});

/** A workspace copy and, beside it, a file of the user's the harness must never write. */
function fixture(name: string) {
  const ws = path.join(root, name, 'workspace');
  mkdirSync(ws, { recursive: true });
  const outside = path.join(root, name, 'users-file');
  writeFileSync(outside, 'USER DATA\n');
  return { ws, outside };
}

describe("the harness's OpenCode files never go through a link or out of the workspace (it writes them outside the jail)", () => {
  it.each(['opencode.json', '.opencode', '.git'])(
    'refuses a workspace whose %s is a symlink, naming it, and writes nothing outside',
    (entry) => {
      const { ws, outside } = fixture(`link-${entry}`);
      if (entry === '.opencode') {
        mkdirSync(path.join(root, `link-${entry}`, 'elsewhere'));
        symlinkSync(path.join(root, `link-${entry}`, 'elsewhere'), path.join(ws, entry));
      } else symlinkSync(outside, path.join(ws, entry));
      expect(() => prepareWorkspace(setup(ws))).toThrow(new RegExp(`symlink at ${entry.replace('.', '\\.')}`));
      expect(readFileSync(outside, 'utf8')).toBe('USER DATA\n');
    },
  );

  it('refuses an agent name that leads out of .opencode/agent/', () => {
    const { ws } = fixture('name');
    expect(() => prepareWorkspace(setup(ws, '../../../escaped'))).toThrow(/agent name/);
  });
});
