/**
 * The one table that says what an agent file's tools and permissions mean on the other runtime (pure).
 * Read both ways: a Claude Code `tools:` list becomes an OpenCode `tools:` map; an OpenCode `tools:` map and
 * `permission:` rules become a Claude Code tool list plus rules the harness enforces on every call (with
 * OpenCode's own matching: last matching rule wins). What has no equivalent on the other runtime is named in
 * `approximated`, which the cell and the report show.
 *
 * @example
 * claudeToolsOnOpenCode(['Read', 'Grep', 'Agent']).switches.task; // true
 * openCodeGrantsOnClaudeCode({ bash: false }, []).tools; // ['Read', 'Write', 'Edit', 'MultiEdit', 'Grep', 'Glob', …] (no 'Bash')
 */

/** One row: a Claude Code tool and the OpenCode tool (and permission) it is. */
interface ToolRow {
  claude: string;
  /** The OpenCode tool; undefined when OpenCode has none. */
  opencode?: string;
}

/**
 * Claude Code tool → OpenCode tool. `Task` is the older name of `Agent`; `MultiEdit` edits like `edit`.
 * Tools missing here have no OpenCode equivalent (`NotebookEdit`, `TaskCreate`, `SendMessage`, `Monitor`…).
 */
const TOOL_TABLE: readonly ToolRow[] = [
  { claude: 'Read', opencode: 'read' },
  { claude: 'Write', opencode: 'write' },
  { claude: 'Edit', opencode: 'edit' },
  { claude: 'MultiEdit', opencode: 'edit' },
  { claude: 'Bash', opencode: 'bash' },
  { claude: 'Grep', opencode: 'grep' },
  { claude: 'Glob', opencode: 'glob' },
  { claude: 'LS', opencode: 'list' },
  { claude: 'WebFetch', opencode: 'webfetch' },
  { claude: 'WebSearch', opencode: 'websearch' },
  { claude: 'Agent', opencode: 'task' },
  { claude: 'Task', opencode: 'task' },
  { claude: 'TodoWrite', opencode: 'todowrite' },
  { claude: 'Skill', opencode: 'skill' },
  { claude: 'LSP', opencode: 'lsp' },
  { claude: 'AskUserQuestion', opencode: 'question' },
];

/** OpenCode tool → the Claude Code tools that do its job (its permission's tools on Claude Code). */
const OPENCODE_TO_CLAUDE: Readonly<Record<string, readonly string[]>> = {
  read: ['Read'],
  write: ['Write'],
  edit: ['Edit', 'MultiEdit'],
  multiedit: ['MultiEdit'],
  patch: ['Edit'],
  apply_patch: ['Edit'],
  bash: ['Bash'],
  grep: ['Grep'],
  glob: ['Glob'],
  webfetch: ['WebFetch'],
  websearch: ['WebSearch'],
  task: ['Agent', 'Task'],
  todowrite: ['TodoWrite'],
  todoread: [],
  skill: ['Skill'],
  lsp: ['LSP'],
  question: ['AskUserQuestion'],
};

/** The tools OpenCode 1.18 gives an agent whose file switches none off (what its `tools:` map overrides). */
export const OPENCODE_DEFAULT_TOOLS = ['bash', 'edit', 'glob', 'grep', 'read', 'skill', 'task', 'todowrite', 'webfetch', 'write'] as const;

/** OpenCode governs these tools with one permission, `edit`: switching one off switches off writing. */
const OPENCODE_EDIT_TOOLS = ['edit', 'write', 'patch', 'apply_patch', 'multiedit'] as const;

/** The OpenCode permission a tool is governed by. */
function openCodePermissionOf(tool: string): string {
  return (OPENCODE_EDIT_TOOLS as readonly string[]).includes(tool) ? 'edit' : tool;
}

/** A Claude Code tool list on OpenCode: a `tools:` map naming every OpenCode tool, and what could not be kept. */
export function claudeToolsOnOpenCode(tools: readonly string[]): { switches: Record<string, boolean>; approximated: string[] } {
  const enabled = new Set<string>();
  const approximated: string[] = [];
  for (const tool of tools) {
    const row = TOOL_TABLE.find((r) => r.claude === tool);
    if (row?.opencode) enabled.add(row.opencode);
    else if (tool.startsWith('mcp__')) approximated.push(`${tool}: no MCP server runs in a cell`);
    else approximated.push(`${tool}: OpenCode has no such tool`);
  }
  // One permission governs writing on OpenCode: a file that may edit or write gets all of it.
  if ([...enabled].some((t) => (OPENCODE_EDIT_TOOLS as readonly string[]).includes(t))) {
    for (const t of ['edit', 'write', 'patch']) enabled.add(t);
    const granted = tools.filter((t) => ['Edit', 'Write', 'MultiEdit'].includes(t));
    if (granted.length && !(tools.includes('Edit') && tools.includes('Write')))
      approximated.push(`${granted.join(', ')}: OpenCode grants edit and write together`);
  }
  const names = new Set<string>([...OPENCODE_DEFAULT_TOOLS, 'list', 'patch', 'todoread', 'websearch', ...enabled]);
  const switches = Object.fromEntries([...names].sort().map((t) => [t, enabled.has(t)]));
  return { switches, approximated };
}

/** An OpenCode permission rule as the harness keeps it (tool = the permission key). */
interface GrantRule {
  tool: string;
  pattern: string;
  action: 'allow' | 'ask' | 'deny';
}

/**
 * An OpenCode file's tools on Claude Code: the Claude Code tools it is offered (OpenCode's default set, less the
 * tools its map switches off and the permissions it denies outright), the rules to hold every call to (its
 * `tools:` switches as `deny` rules, then its `permission:` rules, in file order), and what has no equivalent.
 */
export function openCodeGrantsOnClaudeCode(
  switches: Readonly<Record<string, boolean>> | undefined,
  permissions: readonly GrantRule[],
): { tools: string[]; rules: GrantRule[]; approximated: string[] } {
  const approximated: string[] = [];
  const rules: GrantRule[] = [];
  const enabled = new Set<string>(OPENCODE_DEFAULT_TOOLS);
  for (const [tool, on] of Object.entries(switches ?? {})) {
    const permission = openCodePermissionOf(tool);
    if (on) enabled.add(tool);
    else rules.push({ tool: permission, pattern: '*', action: 'deny' });
    if (!(tool in OPENCODE_TO_CLAUDE) && tool !== 'list') approximated.push(`tools.${tool}: Claude Code has no such tool`);
  }
  rules.push(...permissions);
  for (const rule of permissions) {
    // Paths outside the workspace are refused to every agent on both runtimes: that rule needs no translation.
    const known = rule.tool === '*' || rule.tool in OPENCODE_TO_CLAUDE || rule.tool === 'external_directory';
    if (!known) approximated.push(`permission.${rule.tool}: Claude Code has no equivalent; not enforced`);
  }
  const tools: string[] = [];
  for (const tool of enabled) {
    if (wholeToolDenied(openCodePermissionOf(tool), rules)) continue;
    for (const claude of OPENCODE_TO_CLAUDE[tool] ?? []) if (!tools.includes(claude)) tools.push(claude);
  }
  return { tools, rules, approximated: [...new Set(approximated)] };
}

/** OpenCode hides a tool when the last rule for its permission denies every pattern. */
function wholeToolDenied(permission: string, rules: readonly GrantRule[]): boolean {
  const last = rules.filter((r) => r.tool === permission || r.tool === '*').at(-1);
  return last?.pattern === '*' && last.action === 'deny';
}

/**
 * The OpenCode permission and patterns a Claude Code tool call is checked against, as OpenCode would check the
 * same call: paths relative to the workspace, a shell command and each command of a `&&` / `||` / `;` / `|`
 * chain, a search's pattern, a URL, a subagent's name.
 */
export function claudeCallAsOpenCode(
  tool: string,
  input: Record<string, unknown>,
  relative: (file: string) => string,
): {
  permission: string;
  patterns: string[];
} {
  const str = (v: unknown) => (typeof v === 'string' ? v : '');
  switch (tool) {
    case 'Bash': {
      const command = str(input.command).trim();
      const parts = command
        .split(/&&|\|\||;|\|/)
        .map((p) => p.trim())
        .filter(Boolean);
      return { permission: 'bash', patterns: [...new Set([command, ...parts])] };
    }
    case 'Edit':
    case 'Write':
    case 'MultiEdit':
    case 'NotebookEdit':
      return { permission: 'edit', patterns: [relative(str(input.file_path ?? input.notebook_path))] };
    case 'Read':
      return { permission: 'read', patterns: [relative(str(input.file_path))] };
    case 'Grep':
    case 'Glob':
      return { permission: tool.toLowerCase(), patterns: [str(input.pattern) || '*'] };
    case 'WebFetch':
      return { permission: 'webfetch', patterns: [str(input.url) || '*'] };
    case 'WebSearch':
      return { permission: 'websearch', patterns: [str(input.query) || '*'] };
    case 'Agent':
    case 'Task':
      return { permission: 'task', patterns: [str(input.subagent_type) || 'general-purpose'] };
    case 'Skill':
      return { permission: 'skill', patterns: [str(input.skill ?? input.name) || '*'] };
    default: {
      const row = TOOL_TABLE.find((r) => r.claude === tool);
      return { permission: row?.opencode ?? tool.toLowerCase(), patterns: ['*'] };
    }
  }
}

/**
 * One name for a tool across runtimes, for assertions: Claude Code's name mapped through the table (`Agent` and
 * `Task` → `task`, `LS` → `list`, `MultiEdit` → `edit`), any other name lower-cased (`Read` → `read`).
 *
 * @example canonicalToolName('Agent') === canonicalToolName('task') // true
 */
export function canonicalToolName(tool: string): string {
  const row = TOOL_TABLE.find((r) => r.claude === tool);
  return (row?.opencode ?? tool).toLowerCase();
}
