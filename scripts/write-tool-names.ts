/**
 * Writes src/lint/claude-code-tools.ts: the tool names the installed Claude Agent SDK defines (its
 * `BUILTIN_TOOL_NAMES`, and the older names in `LEGACY_TOOL_NAME_ALIASES` it still accepts), so lint knows what
 * Claude Code knows rather than a list kept by hand. Run after upgrading the SDK: `npx tsx scripts/write-tool-names.ts`
 * (a test fails while the file and the installed SDK disagree).
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const TARGET = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../src/lint/claude-code-tools.ts');

/** The file's text for the SDK's names. */
export function toolNamesModule(
  sdk: { BUILTIN_TOOL_NAMES: readonly string[]; LEGACY_TOOL_NAME_ALIASES: Record<string, string> },
  version: string,
): string {
  const list = (names: readonly string[]) => names.map((n) => `  ${JSON.stringify(n)},`).join('\n');
  return `/**
 * The tool names of the Claude Agent SDK ${version}, read from the SDK by scripts/write-tool-names.ts (do not edit
 * by hand; a test checks it against the installed SDK).
 */
export const CLAUDE_CODE_TOOL_NAMES: readonly string[] = [
${list([...sdk.BUILTIN_TOOL_NAMES].sort())}
];

/** Older names Claude Code still accepts, and the tool each now is. */
export const CLAUDE_CODE_LEGACY_NAMES: Readonly<Record<string, string>> = {
${Object.entries(sdk.LEGACY_TOOL_NAME_ALIASES)
  .sort(([a], [b]) => a.localeCompare(b))
  .map(([k, v]) => `  ${JSON.stringify(k)}: ${JSON.stringify(v)},`)
  .join('\n')}
};
`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const sdk = await import('@anthropic-ai/claude-agent-sdk');
  const { readFileSync } = await import('node:fs');
  const pkg = path.resolve(path.dirname(TARGET), '../../node_modules/@anthropic-ai/claude-agent-sdk/package.json');
  const { version } = JSON.parse(readFileSync(pkg, 'utf8')) as { version: string };
  writeFileSync(TARGET, toolNamesModule(sdk as never, version));
  const { execFileSync } = await import('node:child_process');
  execFileSync('npx', ['biome', 'format', '--write', TARGET], { stdio: 'ignore' });
  console.log(`wrote ${path.relative(process.cwd(), TARGET)}`);
}
