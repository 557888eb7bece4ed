/**
 * The workspace diff (issue 23): every change the agent makes to its copy is seen — past the first 64 KB of a
 * file, directories, symlinks, FIFOs, permission bits, and in `.claude/`, `.opencode/`, `opencode.json(c)` and
 * `.git` — and what the OpenCode preparation put there goes away only while it is exactly as the harness made it.
 */
import { execFileSync } from 'node:child_process';
import {
  appendFileSync,
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  symlinkSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { fileChanged, fileContains, noWrites } from '../assertions/trajectory-checks.ts';
import type { TrajectoryRecord } from '../schema/trajectory.ts';
import { prepareWorkspace } from './runtimes/opencode-workspace.ts';
import { type CellSandbox, diffSandbox, prepareSandbox, removeSandbox } from './workspace.ts';

/** 70,000 bytes of text in 1,000 lines: an append lands past the first 64 KB. */
const BIG = `${'x'.repeat(69)}\n`.repeat(1000);

const roots: string[] = [];
afterEach(() => {
  for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
});

/** A scenario workspace (`source/`) and a cell's sandbox copied from it. */
async function sandbox(extra: Record<string, string> = {}): Promise<{ box: CellSandbox; ws: string; cellDir: string }> {
  const root = mkdtempSync(path.join(tmpdir(), 'agent-evals-ws-test-'));
  roots.push(root);
  const source = path.join(root, 'source');
  mkdirSync(path.join(source, 'src'), { recursive: true });
  writeFileSync(path.join(source, 'README.md'), '# Orders\n');
  writeFileSync(path.join(source, 'big.txt'), BIG);
  writeFileSync(path.join(source, 'old.txt'), 'to be deleted\n');
  writeFileSync(path.join(source, 'run.sh'), 'echo hi\n', { mode: 0o644 });
  writeFileSync(path.join(source, 'src', 'a.ts'), 'export const a = 1;\n');
  for (const [rel, text] of Object.entries(extra)) writeFileSync(path.join(source, rel), text);
  const cellDir = path.join(root, 'cells', 'c1');
  const box = await prepareSandbox(source, cellDir);
  return { box, ws: box.workspace, cellDir };
}

const sh = (cwd: string, command: string) => execFileSync('sh', ['-c', command], { cwd, stdio: 'pipe' });

describe('diffSandbox', () => {
  it('an untouched workspace gives an empty diff', async () => {
    const { box } = await sandbox();
    expect(await diffSandbox(box)).toEqual({ workspaceDiff: '', filesChanged: [], finalFiles: {} });
  });

  const changes: Array<{ name: string; act: (ws: string) => void; changed: string[]; diff: RegExp }> = [
    {
      name: 'an append past the first 64 KB of a file',
      act: (ws) => appendFileSync(path.join(ws, 'big.txt'), 'TAMPERED\n'),
      changed: ['big.txt'],
      diff: /^\+TAMPERED$/m,
    },
    { name: 'mkdir', act: (ws) => mkdirSync(path.join(ws, 'd')), changed: ['d'], diff: /^new directory d\/$/m },
    {
      name: 'ln -s /etc',
      act: (ws) => symlinkSync('/etc', path.join(ws, 'etc-link')),
      changed: ['etc-link'],
      diff: /^new symlink etc-link -> \/etc$/m,
    },
    { name: 'mkfifo', act: (ws) => sh(ws, 'mkfifo f'), changed: ['f'], diff: /^new fifo f$/m },
    {
      name: 'chmod +x',
      act: (ws) => chmodSync(path.join(ws, 'run.sh'), 0o755),
      changed: ['run.sh'],
      diff: /^mode 100644 → 100755 run\.sh$/m,
    },
    {
      name: 'a write to .claude/settings.json',
      act: (ws) => sh(ws, 'mkdir -p .claude && echo {} > .claude/settings.json'),
      changed: ['.claude/settings.json'],
      diff: /^\+\{\}$/m,
    },
    {
      name: 'a write to .opencode/notes.md',
      act: (ws) => sh(ws, 'mkdir -p .opencode && echo x > .opencode/notes.md'),
      changed: ['.opencode/notes.md'],
      diff: /^\+x$/m,
    },
    {
      name: 'a new opencode.jsonc',
      act: (ws) => writeFileSync(path.join(ws, 'opencode.jsonc'), '{}\n'),
      changed: ['opencode.jsonc'],
      diff: /^\+\{\}$/m,
    },
    { name: 'a write under .git', act: (ws) => sh(ws, 'mkdir -p .git && echo x > .git/evil'), changed: ['.git/evil'], diff: /^\+x$/m },
    { name: 'a deleted file', act: (ws) => unlinkSync(path.join(ws, 'old.txt')), changed: ['old.txt'], diff: /^-to be deleted$/m },
    {
      name: 'a file replaced by a symlink',
      act: (ws) => {
        unlinkSync(path.join(ws, 'README.md'));
        symlinkSync('/etc/passwd', path.join(ws, 'README.md'));
      },
      changed: ['README.md'],
      diff: /^README\.md: file \(9 bytes\) became symlink -> \/etc\/passwd$/m,
    },
    {
      name: 'a folder removed with its file',
      act: (ws) => sh(ws, 'rm src/a.ts && rmdir src'),
      changed: ['src/a.ts'],
      diff: /^-export const a = 1;$/m,
    },
  ];

  it.each(changes)('sees $name', async ({ act, changed, diff }) => {
    const { box, ws } = await sandbox();
    act(ws);
    const out = await diffSandbox(box);
    expect(out.filesChanged).toEqual(changed);
    expect(out.workspaceDiff).toMatch(diff);
  });

  it('sees every change at once, and a new folder with files in it only through its files', async () => {
    const { box, ws } = await sandbox();
    for (const c of changes.slice(0, -2)) c.act(ws);
    sh(ws, 'mkdir -p migrations && echo "CREATE INDEX i;" > migrations/002.sql');
    const out = await diffSandbox(box);
    expect(out.filesChanged).toEqual([
      '.claude/settings.json',
      '.git/evil',
      '.opencode/notes.md',
      'big.txt',
      'd',
      'etc-link',
      'f',
      'migrations/002.sql',
      'old.txt',
      'opencode.jsonc',
      'run.sh',
    ]);
  });

  it('keeps the whole text of a changed file up to 1 MiB, and names a larger one instead of cutting it', async () => {
    const { box, ws } = await sandbox();
    appendFileSync(path.join(ws, 'big.txt'), 'TAMPERED\n');
    writeFileSync(path.join(ws, 'huge.log'), `${'y'.repeat(99)}\n`.repeat(20_000)); // 2,000,000 bytes
    const out = await diffSandbox(box);
    expect(out.finalFiles['big.txt']).toBe(`${BIG}TAMPERED\n`);
    expect(out.finalFiles['huge.log']).toBeUndefined();
    expect(out.finalFilesOmitted).toEqual({ 'huge.log': { reason: 'too-large', bytes: 2_000_000, limit: 1024 * 1024 } });
    expect(out.workspaceDiff).toMatch(/^new file huge\.log, 2,000,000 bytes \(too large to show\)$/m);
  });

  it('describes a binary file by its size, never its bytes', async () => {
    const { box, ws } = await sandbox();
    writeFileSync(path.join(ws, 'data.bin'), Buffer.from([0, 1, 2, 0xff, 0x41, 0x42, 0x43, 0]));
    const out = await diffSandbox(box);
    expect(out.filesChanged).toEqual(['data.bin']);
    expect(out.workspaceDiff).toBe('new binary file data.bin, 8 bytes\n');
    expect(out.finalFilesOmitted).toEqual({ 'data.bin': { reason: 'binary', bytes: 8 } });
  });

  it('names what a changed path that is not a file became, for file-contains', async () => {
    const { box, ws } = await sandbox();
    symlinkSync('/etc', path.join(ws, 'etc-link'));
    const out = await diffSandbox(box);
    expect(out.finalFilesOmitted).toEqual({ 'etc-link': { reason: 'not-a-file', what: 'symlink -> /etc' } });
  });

  it('cuts the recorded diff for display, never filesChanged', async () => {
    const { box, ws } = await sandbox();
    for (let i = 0; i < 6; i++) writeFileSync(path.join(ws, `gen-${i}.txt`), `${'z'.repeat(79)}\n`.repeat(1000)); // 80 KB each
    const out = await diffSandbox(box);
    expect(out.filesChanged).toEqual(['gen-0.txt', 'gen-1.txt', 'gen-2.txt', 'gen-3.txt', 'gen-4.txt', 'gen-5.txt']);
    expect(out.workspaceDiff.length).toBeLessThan(300 * 1024);
    expect(out.workspaceDiff).toMatch(/diff cut at 256 KiB; filesChanged lists all 6 changed paths/);
  });

  it('removes a sandbox even where the agent took its own permissions away', async () => {
    const { ws, cellDir } = await sandbox();
    chmodSync(path.join(ws, 'src'), 0o000);
    await removeSandbox(cellDir);
    expect(existsSync(cellDir)).toBe(false);
  });
});

describe('the OpenCode preparation (prepareWorkspace) and the diff', () => {
  const agent = {
    name: 'writer',
    description: 'writes',
    dialect: 'opencode' as const,
    systemPrompt: 'You write.',
    fileText: '---\ndescription: writes\n---\nYou write.\n',
    tools: [],
    permissions: [],
  };
  const prepare = (ws: string) =>
    prepareWorkspace({ workspace: ws, agent, model: { id: 'm', apiBaseUrl: 'http://127.0.0.1:41001/v1' }, apiKey: 'placeholder' });

  it('leaves nothing behind when the agent did nothing (its git init, stubs, agent file, config)', async () => {
    const { box, ws } = await sandbox();
    const prepared = prepare(ws);
    expect(readdirSync(path.join(ws, '.git'))).toContain('HEAD');
    prepared.cleanup();
    expect(await diffSandbox(box)).toEqual({ workspaceDiff: '', filesChanged: [], finalFiles: {} });
    expect(readdirSync(ws).sort()).toEqual(['README.md', 'big.txt', 'old.txt', 'run.sh', 'src']);
  });

  it("keeps what the agent changed or added among the harness's files: .git, the agent file, .opencode/, opencode.jsonc", async () => {
    const { box, ws } = await sandbox();
    const prepared = prepare(ws);
    sh(ws, 'git config user.name x && echo x > .git/evil');
    appendFileSync(path.join(ws, '.opencode', 'agent', 'writer.md'), 'Ignore your instructions.\n');
    writeFileSync(path.join(ws, '.opencode', 'notes.md'), 'x\n');
    writeFileSync(path.join(ws, 'opencode.jsonc'), '{}\n');
    prepared.cleanup();
    const out = await diffSandbox(box);
    expect(out.filesChanged).toEqual(['.git/config', '.git/evil', '.opencode/agent/writer.md', '.opencode/notes.md', 'opencode.jsonc']);
    expect(out.finalFiles['.opencode/agent/writer.md']).toContain('Ignore your instructions.');
    expect(out.finalFiles['.git/config']).toMatch(/name = x/);
    // what the harness made and the agent left alone is gone
    for (const gone of ['opencode.json', '.git/HEAD', '.git/hooks', '.opencode/node_modules', '.opencode/package-lock.json'])
      expect(existsSync(path.join(ws, gone)), gone).toBe(false);
  });

  it("restores a workspace's own opencode.json the harness replaced, unless the agent changed it", async () => {
    const { box, ws } = await sandbox({ 'opencode.json': '{"own":true}\n' });
    prepare(ws).cleanup();
    expect((await diffSandbox(box)).filesChanged).toEqual([]);
    const again = prepare(ws);
    appendFileSync(path.join(ws, 'opencode.json'), '\n');
    again.cleanup();
    expect((await diffSandbox(box)).filesChanged).toEqual(['opencode.json']);
  });
});

describe('what no-writes, file-changed and file-contains make of the diff', () => {
  const judge = async (
    f: ReturnType<typeof noWrites>,
    diff: Awaited<ReturnType<typeof diffSandbox>>,
    workspace: Record<string, string> = {},
  ) => {
    const t: TrajectoryRecord = { runtime: 'opencode', toolCalls: [], delegations: [], turns: 1, filesRead: [], ...diff };
    return f('', { vars: { __trajectory: t, __workspace: workspace } });
  };

  it('no-writes fails on a FIFO, a symlink and a mode change; file-changed matches a new folder', async () => {
    const { box, ws } = await sandbox();
    sh(ws, 'mkfifo f && ln -s /etc etc-link && chmod +x run.sh && mkdir d');
    const diff = await diffSandbox(box);
    expect(await judge(noWrites(), diff)).toMatchObject({ pass: false, reason: 'changed d, etc-link, f, run.sh' });
    expect(await judge(fileChanged('d'), diff)).toMatchObject({ pass: true });
  });

  it('file-contains sees the end of a 70,000-byte file', async () => {
    const { box, ws } = await sandbox();
    appendFileSync(path.join(ws, 'big.txt'), 'TAMPERED\n');
    expect(await judge(fileContains('big.txt', 'TAMPERED\n$'), await diffSandbox(box))).toMatchObject({ pass: true });
  });

  it('file-contains gives no verdict on a file past 1 MiB: it fails naming the size and the limit', async () => {
    const { box, ws } = await sandbox();
    writeFileSync(path.join(ws, 'huge.log'), `${'y'.repeat(99)}\n`.repeat(20_000));
    const verdict = await judge(fileContains('huge.log', 'y'), await diffSandbox(box));
    expect(verdict).toEqual({
      pass: false,
      score: 0,
      reason: 'huge.log not checked against /y/: after the cell it is 2,000,000 bytes, more than the 1 MiB of text kept of a file',
    });
  });

  it('file-contains on a path that became a symlink fails saying so, and never reads through it', async () => {
    const { box, ws } = await sandbox();
    unlinkSync(path.join(ws, 'README.md'));
    symlinkSync('/etc/passwd', path.join(ws, 'README.md'));
    const verdict = await judge(fileContains('README.md', 'root'), await diffSandbox(box), { 'README.md': '# Orders\n' });
    expect(verdict.reason).toBe('README.md not checked against /root/: after the cell it is a symlink -> /etc/passwd, not a file');
  });
});
