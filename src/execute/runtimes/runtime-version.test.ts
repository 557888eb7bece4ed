import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../../test/support/project-fixture.ts';
import { installedRuntimeVersion, packageVersionOf } from './runtime-version.ts';

const root = mkdtempSync(path.join(tmpdir(), 'agent-evals-rtv-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('installedRuntimeVersion: the program version a routing case is fingerprinted with, read without running it', () => {
  it('is the Claude Code version the SDK bundles, for claude-code', () => {
    const sdk = JSON.parse(readFileSync(path.join(REPO_ROOT, 'node_modules/@anthropic-ai/claude-agent-sdk/package.json'), 'utf8')) as {
      claudeCodeVersion: string;
    };
    expect(installedRuntimeVersion('claude-code')).toBe(sdk.claudeCodeVersion);
  });

  it("is the version of the package holding the binary, for opencode; '' for a binary in no package", () => {
    const pkg = path.join(root, 'node_modules', 'opencode-linux-x64');
    mkdirSync(path.join(pkg, 'bin'), { recursive: true });
    writeFileSync(path.join(pkg, 'package.json'), JSON.stringify({ name: 'opencode-linux-x64', version: '9.8.7' }));
    writeFileSync(path.join(pkg, 'bin', 'opencode'), '');
    expect(packageVersionOf(path.join(pkg, 'bin', 'opencode'))).toBe('9.8.7');
    expect(installedRuntimeVersion('opencode', { env: { AGENT_EVALS_OPENCODE_BIN: path.join(pkg, 'bin', 'opencode') } })).toBe('9.8.7');
    const loose = path.join(root, 'loose', 'deeper', 'still', 'opencode');
    mkdirSync(path.dirname(loose), { recursive: true });
    writeFileSync(loose, '');
    expect(packageVersionOf(loose)).toBe('');
  });
});
