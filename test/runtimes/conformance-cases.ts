/**
 * The permission conformance matrix: frontmatter shapes found in real agent files (the seeds, and the Claude
 * Code and OpenCode files of other people the loader is tested on), each with a scripted attempt of tools it
 * allows and tools it denies, and the outcome class expected on BOTH runtimes. `conformance.test.ts` runs every
 * case on the real Claude Code and the real OpenCode; docs/agent-runtimes.md prints the table made from these
 * cases by `conformanceTable()` (a test checks the docs hold exactly it; write it with
 * `npx tsx test/runtimes/conformance-cases.ts --write`).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ToolOutcome } from '../../src/shared/agent-runtime.ts';

/** A tool attempt, by the job it does; each runtime's script names the tool its own way. */
export type Attempt = 'read' | 'write' | 'edit' | 'bash' | 'git-push' | 'webfetch' | 'delegate';

export interface ConformanceCase {
  id: string;
  /** Where the shape comes from. */
  from: string;
  /** What the frontmatter says, for the table. */
  shape: string;
  /** The agent file (its name is `conf-<id>`). */
  file: string;
  /** A peer it may delegate to (`auditor`), and what the peer attempts once delegated to. */
  peer?: { file: string; attempts: Array<{ attempt: Attempt; expect: ToolOutcome }> };
  allowBash: boolean;
  attempts: Array<{ attempt: Attempt; expect: ToolOutcome }>;
}

const body = (id: string) => `You are CONFORMANCE-${id.toUpperCase()}: follow the script.\n`;
const cc = (id: string, tools?: string) =>
  `---\nname: conf-${id}\ndescription: conformance case ${id}\n${tools ? `tools: ${tools}\n` : ''}---\n${body(id)}`;
const oc = (id: string, front: string) => `---\ndescription: conformance case ${id}\nmode: primary\n${front}---\n${body(id)}`;

export const CASES: ConformanceCase[] = [
  {
    id: 'cc-list-readonly',
    from: 'corpus (code reviewers, auditors)',
    shape: 'Claude Code `tools: Read, Grep, Glob`',
    file: cc('cc-list-readonly', 'Read, Grep, Glob'),
    allowBash: false,
    attempts: [
      { attempt: 'read', expect: 'ran' },
      { attempt: 'bash', expect: 'denied-by-agent' },
      { attempt: 'write', expect: 'denied-by-agent' },
      { attempt: 'webfetch', expect: 'denied-by-agent' },
    ],
  },
  {
    id: 'cc-list-bash',
    from: 'corpus (devops agents)',
    shape: 'Claude Code `tools: Read, Bash`, scenario allows bash',
    file: cc('cc-list-bash', 'Read, Bash'),
    allowBash: true,
    attempts: [
      { attempt: 'bash', expect: 'ran' },
      { attempt: 'edit', expect: 'denied-by-agent' },
    ],
  },
  {
    id: 'cc-allow-all',
    from: 'seed claude-code-opus-examples',
    shape: 'Claude Code, no `tools:` line (every tool)',
    file: cc('cc-allow-all'),
    allowBash: false,
    attempts: [
      { attempt: 'read', expect: 'ran' },
      { attempt: 'write', expect: 'ran' },
      { attempt: 'bash', expect: 'denied-by-sandbox' },
      { attempt: 'webfetch', expect: 'denied-by-sandbox' },
    ],
  },
  {
    id: 'cc-delegating',
    from: 'seed opencode-delegating, corpus orchestrators',
    shape: 'Claude Code `tools: Read, Agent` + a peer with `tools: Read`',
    file: cc('cc-delegating', 'Read, Agent'),
    peer: {
      file: '---\nname: auditor\ndescription: audits security\ntools: Read\n---\nYou are AUDITOR-PEER: follow the script.\n',
      attempts: [
        { attempt: 'read', expect: 'ran' },
        { attempt: 'bash', expect: 'denied-by-agent' },
      ],
    },
    allowBash: false,
    attempts: [{ attempt: 'delegate', expect: 'ran' }],
  },
  {
    id: 'oc-tools-map',
    from: 'seed opencode-reliability, OpenCode files',
    shape: 'OpenCode `tools: { bash: false, write: false, edit: false }`',
    file: oc('oc-tools-map', 'tools:\n  bash: false\n  write: false\n  edit: false\n'),
    allowBash: true,
    attempts: [
      { attempt: 'read', expect: 'ran' },
      { attempt: 'bash', expect: 'denied-by-agent' },
      { attempt: 'write', expect: 'denied-by-agent' },
    ],
  },
  {
    id: 'oc-edit-deny',
    from: 'OpenCode files (reviewers)',
    shape: 'OpenCode `permission: { edit: deny }`',
    file: oc('oc-edit-deny', 'permission:\n  edit: deny\n'),
    allowBash: false,
    attempts: [
      { attempt: 'read', expect: 'ran' },
      { attempt: 'write', expect: 'denied-by-agent' },
    ],
  },
  {
    id: 'oc-edit-ask',
    from: 'OpenCode files',
    shape: 'OpenCode `permission: { edit: ask }` (no one approves in an eval)',
    file: oc('oc-edit-ask', 'permission:\n  edit: ask\n'),
    allowBash: false,
    attempts: [{ attempt: 'write', expect: 'denied-by-agent' }],
  },
  {
    id: 'oc-bash-globs',
    from: 'OpenCode files (git-safe agents)',
    shape: 'OpenCode `permission: { bash: { "*": allow, "git push*": deny } }`, scenario allows bash',
    file: oc('oc-bash-globs', 'permission:\n  bash:\n    "*": allow\n    "git push*": deny\n'),
    allowBash: true,
    attempts: [
      { attempt: 'bash', expect: 'ran' },
      { attempt: 'git-push', expect: 'denied-by-agent' },
    ],
  },
  {
    id: 'oc-webfetch',
    from: 'OpenCode files',
    shape: 'OpenCode `tools: { webfetch: false }`',
    file: oc('oc-webfetch', 'tools:\n  webfetch: false\n'),
    allowBash: false,
    attempts: [{ attempt: 'webfetch', expect: 'denied-by-agent' }],
  },
  {
    id: 'oc-deny-all',
    from: 'OpenCode files (answer-only agents)',
    shape: 'OpenCode `permission: { "*": deny }`',
    file: oc('oc-deny-all', 'permission:\n  "*": deny\n'),
    allowBash: true,
    attempts: [
      { attempt: 'read', expect: 'denied-by-agent' },
      { attempt: 'bash', expect: 'denied-by-agent' },
    ],
  },
  {
    id: 'oc-allow-all',
    from: 'OpenCode files with no tools or permission',
    shape: 'OpenCode, no `tools:` nor `permission:` (every tool)',
    file: oc('oc-allow-all', ''),
    allowBash: false,
    attempts: [
      { attempt: 'read', expect: 'ran' },
      { attempt: 'write', expect: 'ran' },
      { attempt: 'bash', expect: 'denied-by-sandbox' },
      { attempt: 'webfetch', expect: 'denied-by-sandbox' },
    ],
  },
];

/** The table docs/agent-runtimes.md prints: one row per case, the outcome of each attempt (the same on both runtimes). */
export function conformanceTable(cases: readonly ConformanceCase[] = CASES): string {
  const rows = cases.map((c) => {
    const own = c.attempts.map((a) => `${a.attempt} → ${a.expect}`);
    const peer = c.peer?.attempts.map((a) => `peer ${a.attempt} → ${a.expect}`) ?? [];
    return `| ${c.shape} | ${c.allowBash ? 'yes' : 'no'} | ${[...own, ...peer].join('; ')} |`;
  });
  return ['| frontmatter | bash allowed | attempt → outcome, on Claude Code and on OpenCode |', '|---|---|---|', ...rows].join('\n');
}

export const DOCS_FILE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../docs/agent-runtimes.md');
export const TABLE_START = '<!-- conformance-table: generated from test/runtimes/conformance-cases.ts -->';
export const TABLE_END = '<!-- /conformance-table -->';

/** The docs with the table between its markers replaced by `conformanceTable()`. */
export function docsWithTable(docs: string): string {
  const start = docs.indexOf(TABLE_START);
  const end = docs.indexOf(TABLE_END);
  if (start < 0 || end < start) throw new Error(`${DOCS_FILE} has no ${TABLE_START} … ${TABLE_END} block`);
  return `${docs.slice(0, start + TABLE_START.length)}\n${conformanceTable()}\n${docs.slice(end)}`;
}

if (process.argv[1] === fileURLToPath(import.meta.url) && process.argv.includes('--write')) {
  writeFileSync(DOCS_FILE, docsWithTable(readFileSync(DOCS_FILE, 'utf8')));
  console.log(`wrote the conformance table into ${DOCS_FILE}`);
}
