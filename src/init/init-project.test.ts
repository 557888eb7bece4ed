import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../test/support/project-fixture.ts';
import { ensureIgnored, IGNORED, SCHEMA_FILES, writeSchemas } from './init-project.ts';

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

describe('writeSchemas: the JSON schemas the starter files point at', () => {
  const shipped = (rel: string) => readFileSync(path.join(REPO_ROOT, rel), 'utf8');

  it('writes each schema the package ships; a second time changes nothing', async () => {
    const dir = mkdtempSync(path.join(root, 's-'));
    expect(await writeSchemas(dir)).toEqual({ written: SCHEMA_FILES, updated: [], kept: [] });
    for (const rel of SCHEMA_FILES) expect(readFileSync(path.join(dir, rel), 'utf8')).toBe(shipped(rel));
    expect(await writeSchemas(dir)).toEqual({ written: [], updated: [], kept: [] });
  });

  it("brings an older agent-evals schema up to date, and keeps a file of the same name that is not agent-evals'", async () => {
    const dir = mkdtempSync(path.join(root, 't-'));
    mkdirSync(path.join(dir, 'evals'));
    mkdirSync(path.join(dir, 'scenarios'));
    writeFileSync(path.join(dir, 'evals/eval.schema.json'), '{ "title": "agent-evals eval config", "type": "object" }\n');
    writeFileSync(path.join(dir, 'scenarios/scenario.schema.json'), '{ "title": "our own" }\n');
    expect(await writeSchemas(dir)).toEqual({
      written: ['scenarios/trajectory.schema.json'],
      updated: ['evals/eval.schema.json'],
      kept: ['scenarios/scenario.schema.json'],
    });
    expect(readFileSync(path.join(dir, 'evals/eval.schema.json'), 'utf8')).toBe(shipped('evals/eval.schema.json'));
    expect(readFileSync(path.join(dir, 'scenarios/scenario.schema.json'), 'utf8')).toBe('{ "title": "our own" }\n');
  });
});
