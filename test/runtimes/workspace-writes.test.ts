/**
 * Issue 23 on the real programs: what an agent with a shell does to its workspace copy is seen, on Claude Code
 * and on OpenCode, through the path a run takes (`prepareSandbox` → `runtime.runCell` → `diffSandbox`, as
 * `src/execute/agent-cells.ts` does): an append past the first 64 KB of a file, a folder, a symlink, a FIFO, a
 * mode change, and writes in `.opencode/`, `.claude/`, `opencode.jsonc` and `.git` (on OpenCode, the `.git` the
 * harness made). And a cell that only reads leaves an empty diff: neither program writes there on its own.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgentRuntime, RuntimeAgent, RuntimeCellInput } from '../../src/shared/agent-runtime.ts';
import { fileContains, noWrites } from '../../src/assertions/trajectory-checks.ts';
import { createClaudeCodeRuntime } from '../../src/execute/runtimes/claude-code.ts';
import { createOpenCodeRuntime } from '../../src/execute/runtimes/opencode.ts';
import { diffSandbox, prepareSandbox, removeSandbox } from '../../src/execute/workspace.ts';
import type { TrajectoryRecord } from '../../src/schema/trajectory.ts';
import { FAKE_ANTHROPIC_KEY, type FakeAnthropicServer, startFakeAnthropic } from '../support/fake-anthropic-server.ts';
import { type FakeOpenAIStreamServer, startFakeOpenAIStream } from '../support/fake-openai-stream-server.ts';
import { openCodeMissing } from './opencode-support.ts';

/** 70,000 bytes: the append lands past the first 64 KB. */
const BIG = `${'x'.repeat(69)}\n`.repeat(1000);

/**
 * One shell call doing every write. `ln -s /etc etc-link` names its target base64-encoded: Claude Code's word
 * screen refuses an absolute path in a command (an early refusal), and what is under test here is the diff.
 */
const WRITES = [
  'echo TAMPERED >> big.txt',
  'mkdir d',
  'echo L2V0Yw== | base64 -d | xargs -I T ln -s T etc-link',
  'mkfifo f',
  'chmod +x run.sh',
  'mkdir -p .opencode && echo x > .opencode/notes.md',
  'echo {} > opencode.jsonc',
  'mkdir -p .claude && echo {} > .claude/settings.json',
  'git config user.name x 2>/dev/null',
  'mkdir -p .git && echo x > .git/evil',
].join('; ');
const SEEN_ON_BOTH = [
  '.claude/settings.json',
  '.git/evil',
  '.opencode/notes.md',
  'big.txt',
  'd',
  'etc-link',
  'f',
  'opencode.jsonc',
  'run.sh',
];

const agent = (dialect: 'claude-code' | 'opencode'): RuntimeAgent => ({
  name: 'writer',
  description: 'follows its script',
  dialect,
  systemPrompt: 'WORKSPACE-WRITER: you follow the script.',
  fileText:
    dialect === 'claude-code'
      ? '---\nname: writer\ndescription: follows its script\n---\nWORKSPACE-WRITER: you follow the script.\n'
      : '---\ndescription: follows its script\nmode: primary\ntools:\n  bash: true\n  read: true\npermission:\n  bash: allow\n---\nWORKSPACE-WRITER: you follow the script.\n',
  tools: dialect === 'claude-code' ? [] : ['bash', 'read'],
  permissions: dialect === 'claude-code' ? [] : [{ tool: 'bash', pattern: '*', action: 'allow' }],
});

interface Harness {
  name: 'claude-code' | 'opencode';
  skip: string;
  start(): AgentRuntime;
  /** The model runs `command` in its shell on turn 1, then answers. */
  script(command: string): void;
  model(): RuntimeCellInput['model'];
  /** Seen on this runtime beyond SEEN_ON_BOTH: OpenCode's cell has the harness's `.git`, so `git config` writes its config. */
  alsoSeen: string[];
}

let anthropic: FakeAnthropicServer;
let openai: FakeOpenAIStreamServer;
beforeAll(async () => {
  [anthropic, openai] = await Promise.all([startFakeAnthropic(), startFakeOpenAIStream()]);
});
afterAll(async () => {
  await Promise.all([anthropic?.close(), openai?.close()]);
});

const claude: Harness = {
  name: 'claude-code',
  skip: '',
  start: () => createClaudeCodeRuntime({ bashTimeoutMs: 20_000 }),
  script(command) {
    anthropic.reset();
    const steps = [{ toolCalls: [{ name: 'Bash', input: { command, description: 'step' } }] }, { text: 'done' }];
    anthropic.configure({ rules: [{ system: 'WORKSPACE-WRITER', reply: (ctx) => steps[Math.min(ctx.turn, 2) - 1]! }] });
  },
  model: () => ({ id: 'claude-test-model', apiBaseUrl: anthropic.origin, apiKey: FAKE_ANTHROPIC_KEY }),
  alsoSeen: [],
};

const openCode: Harness = {
  name: 'opencode',
  skip: openCodeMissing(),
  start: () => createOpenCodeRuntime({ env: process.env }),
  script(command) {
    openai.reset();
    const steps = [{ toolCalls: [{ name: 'bash', arguments: { command, description: 'step' } }] }, { text: 'done' }];
    openai.configure({ rules: [{ system: 'WORKSPACE-WRITER', reply: (ctx) => steps[Math.min(ctx.turn, 2) - 1]! }] });
  },
  model: () => ({ id: 'test-model', apiBaseUrl: openai.url, apiKey: 'test-key' }),
  alsoSeen: ['.git/config'],
};

if (openCode.skip) console.warn(`[workspace-writes opencode tests] ${openCode.skip}`);

describe.each([claude, openCode])('the workspace diff on $name (real program, bubblewrap)', (h) => {
  describe.skipIf(Boolean(h.skip))('', { timeout: 240_000 }, () => {
    let runtime: AgentRuntime;
    let root: string;
    let cells = 0;
    beforeAll(() => {
      runtime = h.start();
      root = mkdtempSync(path.join(tmpdir(), 'agent-evals-ws-writes-'));
      const source = path.join(root, 'scenario', 'workspaces', 'svc');
      mkdirSync(source, { recursive: true });
      writeFileSync(path.join(source, 'README.md'), '# A service\n');
      writeFileSync(path.join(source, 'big.txt'), BIG);
      writeFileSync(path.join(source, 'run.sh'), 'echo hi\n', { mode: 0o644 });
    });
    afterAll(async () => {
      await runtime?.close();
      rmSync(root, { recursive: true, force: true });
    });

    /** One cell as a run makes it: a fresh copy, the program in it, the diff, the copy removed. */
    async function runCell(command: string): Promise<TrajectoryRecord> {
      h.script(command);
      const cellDir = path.join(root, 'run', 'cells', String(++cells));
      const box = await prepareSandbox(path.join(root, 'scenario', 'workspaces', 'svc'), cellDir);
      try {
        const out = await runtime.runCell({
          agent: agent(h.name),
          request: 'Follow your script.',
          model: h.model(),
          workspace: box.workspace,
          sandboxHome: box.home,
          allowBash: true,
          limits: { maxTurns: 6, maxRequests: 12, wallTimeMs: 90_000 },
        });
        expect(out.error).toBeUndefined();
        const call = out.trajectory.toolCalls[0];
        expect(call?.outcome, `${call?.reason ?? ''} ${call?.output ?? ''}`).toBe('ran');
        return { ...out.trajectory, ...(await diffSandbox(box)) };
      } finally {
        await removeSandbox(cellDir);
      }
    }

    const judge = (f: ReturnType<typeof noWrites>, t: TrajectoryRecord) => f('', { vars: { __trajectory: t, __workspace: {} } });

    it('sees every write of the shell: past 64 KB, a folder, a symlink, a FIFO, a mode, .opencode/, .claude/, opencode.jsonc, .git', async () => {
      const t = await runCell(WRITES);
      expect(t.filesChanged).toEqual([...SEEN_ON_BOTH, ...h.alsoSeen].sort());
      expect(t.workspaceDiff).toMatch(/^\+TAMPERED$/m);
      expect(t.workspaceDiff).toMatch(/^new symlink etc-link -> \/etc$/m);
      expect(t.workspaceDiff).toMatch(/^new fifo f$/m);
      expect(t.workspaceDiff).toMatch(/^mode 100644 → 100755 run\.sh$/m);
      expect(await judge(noWrites(), t)).toMatchObject({ pass: false });
      expect(await judge(fileContains('big.txt', 'TAMPERED'), t)).toMatchObject({ pass: true });
    });

    it('a cell that only reads leaves an empty diff: the program writes nothing into the workspace itself', async () => {
      const t = await runCell('cat README.md; git status 2>&1 | head -1');
      expect(t.filesChanged).toEqual([]);
      expect(t.workspaceDiff).toBe('');
      expect(await judge(noWrites(), t)).toMatchObject({ pass: true });
    });
  });
});
