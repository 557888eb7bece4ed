import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../test/support/project-fixture.ts';
import { OPENCODE_VERSION } from '../execute/runtimes/opencode.ts';
import { versionText } from './version.ts';

describe('versionText: agent-evals --version names the runtimes it is pinned to', () => {
  it('says the Claude Agent SDK version package.json installs and the OpenCode version install-runtime installs', () => {
    const pkg = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as {
      optionalDependencies: Record<string, string>;
    };
    const lines = versionText('9.9.9').split('\n');
    expect(lines[0]).toBe('agent-evals 9.9.9');
    expect(lines[1]).toMatch(
      new RegExp(
        `^Claude Code runtime: @anthropic-ai/claude-agent-sdk ${pkg.optionalDependencies['@anthropic-ai/claude-agent-sdk']!.replace(/\./g, '\\.')} \\(pinned`,
      ),
    );
    expect(lines[2]).toContain(`OpenCode runtime: opencode-ai ${OPENCODE_VERSION}, @opencode-ai/sdk ${OPENCODE_VERSION} (pinned`);
  });
});
