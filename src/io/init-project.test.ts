import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ensureIgnored, IGNORED } from './init-project.ts';

const root = mkdtempSync(path.join(tmpdir(), 'init-ignore-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('ensureIgnored: the .gitignore lines agent-evals needs', () => {
  it('makes .gitignore when there is none', async () => {
    const dir = mkdtempSync(path.join(root, 'a-'));
    expect(await ensureIgnored(dir)).toBe('wrote');
    const lines = readFileSync(path.join(dir, '.gitignore'), 'utf8').split('\n');
    for (const line of IGNORED) expect(lines).toContain(line);
  });

  it('adds only the lines an existing one lacks, keeping what is there; a second time changes nothing', async () => {
    const dir = mkdtempSync(path.join(root, 'b-'));
    writeFileSync(path.join(dir, '.gitignore'), 'node_modules\n.promptfoo\n.env');
    expect(await ensureIgnored(dir)).toBe('updated');
    const text = readFileSync(path.join(dir, '.gitignore'), 'utf8');
    expect(text.startsWith('node_modules\n.promptfoo\n.env\n')).toBe(true);
    expect(text).toContain('reports/runs/\n');
    expect(text).not.toContain('.promptfoo/\n'); // `.promptfoo` already ignores it
    expect(await ensureIgnored(dir)).toBe('kept');
    expect(readFileSync(path.join(dir, '.gitignore'), 'utf8')).toBe(text);
  });
});
