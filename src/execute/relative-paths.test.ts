import { describe, expect, it } from 'vitest';
import type { TrajectoryRecord } from '../schema/trajectory.ts';
import { relativeToWorkspace, relativizeTrajectory } from './relative-paths.ts';

const WS = '/tmp/p/reports/runs/2026-01-01T00-00-00Z-ab12/cells/0f3c/workspace';
const ALIAS = '/tmp/oc/srv-1/work';

describe('relativeToWorkspace', () => {
  const rel = (text: string) => relativeToWorkspace(text, [WS, ALIAS]);

  it('makes a path under the workspace relative, and the workspace itself `.`', () => {
    expect(rel(`${WS}/README.md`)).toBe('README.md');
    expect(rel(`${WS}/src/routes/orders.ts`)).toBe('src/routes/orders.ts');
    expect(rel(WS)).toBe('.');
    expect(rel(`${WS}/`)).toBe('./');
    expect(rel(`cd ${WS} && ls ${WS}/src`)).toBe('cd . && ls src');
  });

  it('rewrites every occurrence, in any text, for each of the workspace paths', () => {
    expect(rel(`${WS}/a.ts:3: x\n${ALIAS}/b.ts:9: y\n"${WS}"`)).toBe('a.ts:3: x\nb.ts:9: y\n"."');
    expect(rel(`File does not exist: ${ALIAS}/missing.txt.`)).toBe('File does not exist: missing.txt.');
  });

  it('leaves a folder that only starts like the workspace, and any other path, as it is', () => {
    expect(rel(`${WS}2/x.ts`)).toBe(`${WS}2/x.ts`);
    expect(rel(`${WS}-old`)).toBe(`${WS}-old`);
    expect(rel('/etc/passwd')).toBe('/etc/passwd');
    expect(rel('/tmp/p/reports/runs')).toBe('/tmp/p/reports/runs');
  });

  it('prefers the longest workspace path when one lies inside another', () => {
    expect(relativeToWorkspace('/a/ws/inner/x', ['/a/ws', '/a/ws/inner'])).toBe('x');
  });

  it('ignores empty and root paths (they would match everything)', () => {
    expect(relativeToWorkspace('/etc/passwd', ['', '/'])).toBe('/etc/passwd');
  });
});

describe('relativizeTrajectory', () => {
  it('rewrites tool inputs (nested), outputs, reasons, delegation prompts, files read, the diff and final files', () => {
    const t: TrajectoryRecord = {
      runtime: 'claude-code',
      toolCalls: [
        { index: 0, tool: 'Read', input: { file_path: `${WS}/README.md` }, outcome: 'ran', turn: 1, output: `1\t# See ${WS}/docs` },
        { index: 1, tool: 'Glob', input: { pattern: '**/*.ts', path: WS }, outcome: 'ran', turn: 2, output: `${WS}/a.ts\n${WS}/b.ts` },
        {
          index: 2,
          tool: 'MultiEdit',
          input: { edits: [{ file_path: `${ALIAS}/x.ts`, old: 'a', n: 1, flag: true, none: null }] },
          outcome: 'denied-by-sandbox',
          reason: `outside ${WS}: /etc/passwd`,
          turn: 3,
        },
      ],
      delegations: [{ agent: 'auditor', prompt: `Review ${WS}/src/auth.ts`, callIndex: 2 }],
      turns: 3,
      filesRead: ['README.md', `${WS}/docs/x.md`],
      workspaceDiff: `--- a/notes.md\n+++ b/notes.md\n+see ${WS}/README.md\n`,
      filesChanged: ['notes.md'],
      finalFiles: { 'notes.md': `see ${WS}/README.md\n` },
    };
    const out = relativizeTrajectory(t, [WS, ALIAS]);
    expect(out.toolCalls.map((c) => c.input)).toEqual([
      { file_path: 'README.md' },
      { pattern: '**/*.ts', path: '.' },
      { edits: [{ file_path: 'x.ts', old: 'a', n: 1, flag: true, none: null }] },
    ]);
    expect(out.toolCalls.map((c) => c.output)).toEqual(['1\t# See docs', 'a.ts\nb.ts', undefined]);
    expect(out.toolCalls[2]!.reason).toBe('outside .: /etc/passwd');
    expect(out.delegations[0]!.prompt).toBe('Review src/auth.ts');
    expect(out.filesRead).toEqual(['README.md', 'docs/x.md']);
    expect(out.workspaceDiff).toBe('--- a/notes.md\n+++ b/notes.md\n+see README.md\n');
    expect(out.finalFiles).toEqual({ 'notes.md': 'see README.md\n' });
    expect(JSON.stringify(out)).not.toContain('/tmp/');
    // Nothing else changes, and the input is not mutated.
    expect({ ...out, toolCalls: [], delegations: [], filesRead: [], workspaceDiff: '', finalFiles: {} }).toEqual({
      ...t,
      toolCalls: [],
      delegations: [],
      filesRead: [],
      workspaceDiff: '',
      finalFiles: {},
    });
    expect(t.toolCalls[0]!.input.file_path).toBe(`${WS}/README.md`);
  });
});
