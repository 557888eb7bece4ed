import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { git } from '../../../test/support/ci-project.ts';
import { tempDirs } from '../../../test/support/temp-dirs.ts';
import { uncommittedInputs } from './uncommitted-inputs.ts';

const tempDir = tempDirs('agent-evals-uncommitted-');
const write = (file: string, text = 'x\n') => {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, text);
};

describe('uncommittedInputs', () => {
  it('lists changed input files of a project in a subfolder, relative to the project, and nothing else', async () => {
    const repo = tempDir();
    const root = path.join(repo, 'evals-project');
    for (const f of ['agents/a/v.md', 'scenarios/s1.yaml', 'evals/default.yaml', 'notes.md']) write(path.join(root, f));
    write(path.join(repo, 'agents/elsewhere.md'));
    git(repo, 'init', '-q');
    git(repo, 'add', '.');
    git(repo, 'commit', '-q', '-m', 'inputs');
    expect(await uncommittedInputs(root)).toEqual([]);

    write(path.join(root, 'agents/a/v.md'), 'edited\n');
    write(path.join(root, 'scenarios/café ü.yaml'));
    write(path.join(root, 'notes.md'), 'edited\n');
    write(path.join(root, 'config/other.yaml'));
    write(path.join(repo, 'agents/elsewhere.md'), 'edited\n');
    expect(await uncommittedInputs(root)).toEqual(['agents/a/v.md', 'scenarios/café ü.yaml']);
    expect(await uncommittedInputs(root, ['config/other.yaml'])).toEqual(['agents/a/v.md', 'config/other.yaml', 'scenarios/café ü.yaml']);
  });

  it('is undefined outside a git repository', async () => {
    const root = tempDir();
    write(path.join(root, 'agents/a/v.md'));
    expect(await uncommittedInputs(root)).toBeUndefined();
  });
});
