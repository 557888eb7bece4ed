/**
 * Agents defined inline in `opencode.json` / `opencode.jsonc` under `agent.<name>`, as OpenCode reads
 * them: `prompt` (inline text or `{file:./path}`, relative to the config file), `description`, `mode`,
 * `model`, `temperature`, `top_p`, `tools`, `permission`; `disable: true` leaves an agent out.
 * Each becomes the same variant an `.opencode/agent/<name>.md` file would, with lines pointing into the
 * JSON file. jsonc-parser (the parser OpenCode and VS Code use) reads comments and trailing commas and
 * gives each node's offset.
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import { findNodeAtLocation, getNodeValue, type Node, type ParseError, parseTree, printParseErrorCode } from 'jsonc-parser';
import { stringify } from 'yaml';
import { isUserError } from '../errors.ts';
import { stableJson } from '../shared/stable-json.ts';
import { type AgentFile, buildAgentFile, problem } from './agents.ts';
import { decodeText, readInputFile, relPath } from './files.ts';
import type { YamlSource } from './yaml-source.ts';

/** Every agent of one `opencode.json`, or the one problem that stops reading it. */
export async function readOpenCodeJsonAgents(root: string, abs: string): Promise<AgentFile[]> {
  const file = relPath(root, abs);
  let text: string;
  try {
    text = decodeText(await readInputFile(abs, file), file);
  } catch (err) {
    if (isUserError(err)) return [{ file, problems: [problem('file-read', file, err.detail, err.place)] }];
    throw err;
  }
  const errors: ParseError[] = [];
  const tree = parseTree(text, errors, { allowTrailingComma: true, disallowComments: false });
  const lineOf = lineLocator(text);
  if (errors.length > 0 || !tree) {
    const first = errors[0];
    const place = first ? lineOf(first.offset) : { line: 1, column: 1 };
    const what = first ? (PARSE_ERRORS[printParseErrorCode(first.error)] ?? printParseErrorCode(first.error)) : 'the file is empty';
    return [{ file, problems: [problem('json-syntax', file, `broken JSON: ${what}`, place)] }];
  }
  const agents = findNodeAtLocation(tree, ['agent']);
  if (!agents) return [];
  if (agents.type !== 'object') {
    const message = 'expected a map of agent names to agent definitions';
    return [{ file, problems: [problem('field-type', file, message, { ...lineOf(agents.offset), field: 'agent' })] }];
  }
  const files: AgentFile[] = [];
  for (const property of agents.children ?? []) {
    const [key, value] = property.children ?? [];
    if (!key || !value) continue;
    const name = String(getNodeValue(key));
    const entry = getNodeValue(value) as unknown;
    if (isDisabled(entry)) continue;
    files.push(await readEntry({ root, abs, file, text, tree, name, entry, lineOf }));
  }
  return files;
}

/** jsonc-parser's error codes, as a reader would say them. */
const PARSE_ERRORS: Record<string, string> = {
  InvalidSymbol: 'unexpected character; expected a JSON value (are property names and strings in double quotes?)',
  PropertyNameExpected: 'expected a property name in double quotes',
  ValueExpected: 'expected a value',
  ColonExpected: 'expected ":" after the property name',
  CommaExpected: 'expected "," between entries',
  CloseBraceExpected: 'expected "}" to close the object',
  CloseBracketExpected: 'expected "]" to close the list',
  EndOfFileExpected: 'unexpected text after the end of the JSON value',
  UnexpectedEndOfString: 'a string is not closed',
  UnexpectedEndOfComment: 'a comment is not closed',
  InvalidEscapeCharacter: 'invalid escape in a string',
};

interface Entry {
  root: string;
  abs: string;
  file: string;
  text: string;
  tree: Node;
  name: string;
  entry: unknown;
  lineOf: (offset: number) => { line: number; column: number };
}

async function readEntry(e: Entry): Promise<AgentFile> {
  const at = (p: readonly PropertyKey[]) => ['agent', e.name, ...p.map(String)];
  const source = jsonSource(e.tree, at, e.lineOf, e.entry);
  const field = `agent.${e.name}`;
  if (typeof e.entry !== 'object' || e.entry === null || Array.isArray(e.entry)) {
    const place = { ...source.placeOf([]), field };
    return { file: e.file, problems: [problem('field-type', e.file, 'expected an agent definition (a JSON object)', place)] };
  }
  const { prompt, disable: _disable, ...frontmatter } = e.entry as Record<string, unknown>;
  const body = await promptText(prompt, e);
  if (typeof body !== 'string') return { file: e.file, problems: [{ ...body, field: `${field}.prompt` }] };
  const promptLine = source.keyPlaceOf(['prompt']).line ?? source.placeOf([]).line ?? 1;
  return buildAgentFile({
    file: e.file,
    id: e.name,
    origin: e.file,
    frontmatter,
    source,
    body,
    bodyLine: promptLine,
    fileText: `---\n${stringify(frontmatter).trimEnd()}\n---\n\n${body.trim()}\n`,
    contentHash: createHash('sha256')
      .update(stableJson({ agent: e.name, definition: frontmatter, prompt: body }))
      .digest('hex'),
    dialect: 'opencode',
    emptyBody: `empty prompt; expected the agent's system prompt in ${field}.prompt, as text or {file:./path}`,
    problems: [],
  });
}

/** The agent's prompt: inline text, or the text of `{file:./path}` (relative to the config file). */
async function promptText(prompt: unknown, e: Entry): Promise<string | ReturnType<typeof problem>> {
  if (prompt === undefined) return '';
  const line = e.lineOf(findNodeAtLocation(e.tree, ['agent', e.name, 'prompt'])?.offset ?? 0);
  if (typeof prompt !== 'string')
    return problem('field-type', e.file, `expected the system prompt as text or {file:./path}, got ${typeof prompt}`, line);
  const ref = /^\{file:(.+)\}$/.exec(prompt.trim());
  if (!ref) return prompt;
  const target = path.resolve(path.dirname(e.abs), ref[1]!.trim());
  const shown = relPath(e.root, target);
  try {
    return decodeText(await readInputFile(target, shown), shown);
  } catch (err) {
    if (isUserError(err)) return problem('file-read', e.file, `prompt file ${shown}: ${err.detail}`, line);
    throw err;
  }
}

function isDisabled(entry: unknown): boolean {
  return typeof entry === 'object' && entry !== null && (entry as { disable?: unknown }).disable === true;
}

/** Places in the JSON file for an agent's keys, in the shape the agent-file checks use. */
function jsonSource(
  tree: Node,
  at: (p: readonly PropertyKey[]) => string[],
  lineOf: (offset: number) => { line: number; column: number },
  data: unknown,
): YamlSource {
  const closest = (p: readonly PropertyKey[]): Node | undefined => {
    for (let n = p.length; n >= 0; n--) {
      const node = findNodeAtLocation(tree, at(p.slice(0, n)));
      if (node) return node;
    }
    return undefined;
  };
  return {
    data,
    placeOf: (p) => {
      const node = closest(p);
      return node ? lineOf(node.offset) : {};
    },
    keyPlaceOf: (p) => {
      const node = closest(p);
      // A value's parent is its property node, whose first child is the key.
      const key = node?.parent?.type === 'property' ? node.parent.children?.[0] : undefined;
      return key ? lineOf(key.offset) : node ? lineOf(node.offset) : {};
    },
  };
}

/** 1-based line and column of a character offset. */
function lineLocator(text: string): (offset: number) => { line: number; column: number } {
  const starts = [0];
  for (let i = 0; i < text.length; i++) if (text[i] === '\n') starts.push(i + 1);
  return (offset) => {
    let low = 0;
    let high = starts.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if (starts[mid]! <= offset) low = mid;
      else high = mid - 1;
    }
    return { line: low + 1, column: offset - starts[low]! + 1 };
  };
}
