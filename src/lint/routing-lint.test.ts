import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { memoryContext } from '../../test/support/context.ts';
import { tempDirs } from '../../test/support/temp-dirs.ts';
import { lintCommand } from '../commands/lint.ts';

const tempDir = tempDirs('agent-evals-routing-lint-');

describe('lint and routing suites', () => {
  it('warns about a suite agent that no case expects, and counts it', async () => {
    const root = tempDir();
    const write = (rel: string, text: string) => {
      mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
      writeFileSync(path.join(root, rel), text);
    };
    write('agents/a/a.md', '---\nname: a\ndescription: Use for API design.\n---\nYou are a.\n');
    write('agents/b/b.md', '---\nname: b\ndescription: Use for SQL tuning.\n---\nYou are b.\n');
    write('routing/s.yaml', 'agents: [a, b]\ncases:\n  - { id: x, request: Design an API, expect: a }\n');
    const ctx = memoryContext(root);
    expect(await lintCommand(ctx, {})).toBe(0);
    expect(ctx.stdout).toEqual([
      'warning: routing/s.yaml:1: agents: "b" is expected by no case of suite "s": its recall is never measured; add a case that it should take',
      '0 errors, 1 warning in 2 files',
    ]);
  });
});
