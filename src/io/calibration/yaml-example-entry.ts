import { isDeepStrictEqual } from 'node:util';
import { isMap, isNode, isPair, isSeq, parse, parseDocument, type Node, type YAMLMap, type YAMLSeq } from 'yaml';
import { ScenarioError } from '../../errors.ts';

/** A reference example as a scenario file lists it: paths relative to the scenario file. */
export interface ExampleEntry {
  label?: string;
  /** The answer, a `.md` file. */
  file: string;
  /** What the agent did, a `.json` file; absent for an answer-only example. */
  trajectory?: string;
}

interface AddedExample {
  /** The scenario file's new text. */
  text: string;
  /** Index of the new entry in `examples.<side>`. */
  index: number;
  /** 1-based line of the new entry. */
  line: number;
}

/**
 * Adds one entry to `examples.<side>` of scenario `scenarioId` in a YAML scenario file's text, by
 * inserting text only: every other byte (comments, quoting, blank lines, flow or block style, CRLF, a
 * BOM) stays as the user wrote it. A block list gets a `- { … }` line under its last item, a flow
 * list `, { … }` after its last item; missing `examples:` or `<side>:` keys are added after the last
 * entry of their map. The result is parsed again and must hold exactly the old data plus the entry,
 * else nothing is returned (a one-line error): a file is never rewritten into something else.
 *
 * @example
 * addExampleToYaml('id: a\n…\nexamples:\n  pass: [a.md]\n', 'f.yaml', 'a', 'pass', { file: 'examples/a.pass.md' })
 * // { text: 'id: a\n…\nexamples:\n  pass: [a.md, examples/a.pass.md]\n', index: 1, line: 4 }
 */
export function addExampleToYaml(text: string, file: string, scenarioId: string, side: 'pass' | 'fail', entry: ExampleEntry): AddedExample {
  const bom = text.startsWith('\uFEFF') ? '\uFEFF' : '';
  const body = text.slice(bom.length);
  const eol = body.includes('\r\n') ? '\r\n' : '\n';
  const doc = parseDocument(body, { uniqueKeys: true });
  if (doc.errors.length) throw new ScenarioError(`broken YAML: ${doc.errors[0]!.message.split('\n')[0]}`, { file });
  const scenario = findScenario(doc.contents, scenarioId);
  if (!scenario) throw new ScenarioError(`no scenario "${scenarioId}" in this file any more; expected it where the run found it`, { file });

  const item = renderEntry(entry);
  const at = new Source(body, eol);
  const examples = scenario.get('examples', true);
  const list = isMap(examples) ? examples.get(side, true) : undefined;
  let edit: { pos: number; insert: string };
  if (isSeq(list)) edit = at.appendItem(list, item);
  else if (isMap(examples)) edit = at.appendPair(examples, side, [`- ${item}`], `[${item}]`);
  else if (examples === undefined) edit = at.appendPair(scenario, 'examples', [`${side}:`, `  - ${item}`], `{ ${side}: [${item}] }`);
  else throw new ScenarioError('expected a map of pass and fail examples', { file, field: 'examples' });

  const next = body.slice(0, edit.pos) + edit.insert + body.slice(edit.pos);
  return { text: bom + next, ...checkEdit(body, next, { file, scenarioId, side, entry }) };
}

/** The scenario's map: the whole document, or the item of its `scenarios:` list with this id. */
function findScenario(contents: unknown, id: string): YAMLMap | undefined {
  if (!isMap(contents)) return undefined;
  const list = contents.get('scenarios', true);
  if (isSeq(list)) return list.items.find((s): s is YAMLMap => isMap(s) && s.get('id') === id);
  return contents.get('id') === id ? contents : undefined;
}

/** `{ label: …, file: …, trajectory: … }`, or the bare path of an answer-only example without a label. */
export function renderEntry(entry: ExampleEntry): string {
  if (entry.label === undefined && entry.trajectory === undefined) return scalar(entry.file);
  const parts = [
    ...(entry.label !== undefined ? [`label: ${scalar(entry.label)}`] : []),
    `file: ${scalar(entry.file)}`,
    ...(entry.trajectory !== undefined ? [`trajectory: ${scalar(entry.trajectory)}`] : []),
  ];
  return `{ ${parts.join(', ')} }`;
}

/** A plain scalar where YAML reads it back as this very string (also inside a flow list), else JSON's quoting. */
function scalar(value: string): string {
  return /^[A-Za-z0-9_./][A-Za-z0-9_./-]*$/.test(value) && parse(value) === value ? value : JSON.stringify(value);
}

/** Offsets into the scenario file's text, for inserting lines that match what is around them. */
class Source {
  constructor(
    private readonly text: string,
    private readonly eol: string,
  ) {}

  /** A new last item of a list: its own `- ` line in a block list, `, item` in a flow list. */
  appendItem(list: YAMLSeq, item: string): { pos: number; insert: string } {
    const last = list.items.at(-1);
    if (list.flow) {
      if (isNode(last) && last.range) return { pos: last.range[1], insert: `, ${item}` };
      return { pos: this.closing(list, ']'), insert: item };
    }
    if (!isNode(last) || !last.range) throw new Error('a block list without items');
    const start = last.range[0];
    const prefix = this.text.slice(this.lineStart(start), start);
    const dash = /^ *- +$/.test(prefix) ? prefix : `${' '.repeat(this.column(list.range![0]))}- `;
    return { pos: this.lineEnd(contentEnd(last)), insert: `${this.eol}${dash}${item}` };
  }

  /** A new last entry `key:` of a map: block lines indented as its first key, or `, key: flow` in a flow map. */
  appendPair(map: YAMLMap, key: string, blockLines: string[], flow: string): { pos: number; insert: string } {
    const last = map.items.at(-1);
    if (map.flow) {
      const end = last ? contentEnd(last) : undefined;
      return end !== undefined ? { pos: end, insert: `, ${key}: ${flow}` } : { pos: this.closing(map, '}'), insert: `${key}: ${flow}` };
    }
    const first = map.items[0];
    if (!first || !isNode(first.key) || !first.key.range) throw new Error('a block map without keys');
    const indent = ' '.repeat(this.column(first.key.range[0]));
    const lines = [`${key}:`, ...blockLines.map((l) => `  ${l}`)].map((l) => `${this.eol}${indent}${l}`);
    return { pos: this.lineEnd(contentEnd(last!)), insert: lines.join('') };
  }

  private lineStart(pos: number): number {
    return this.text.lastIndexOf('\n', pos - 1) + 1;
  }

  private column(pos: number): number {
    return pos - this.lineStart(pos);
  }

  /** Where the line holding the text just before `pos` ends (before its `\r\n` or `\n`; trailing comment included). */
  private lineEnd(pos: number): number {
    if (this.text[pos - 1] === '\n') return this.text[pos - 2] === '\r' ? pos - 2 : pos - 1;
    const nl = this.text.indexOf('\n', pos);
    if (nl < 0) return this.text.length;
    return this.text[nl - 1] === '\r' ? nl - 1 : nl;
  }

  /** The offset of an empty flow collection's closing bracket. */
  private closing(node: YAMLSeq | YAMLMap, bracket: string): number {
    const end = node.range![1];
    return this.text.lastIndexOf(bracket, end - 1);
  }
}

/** Where a node's own text ends: a block collection ends with its last item (not the comments after it). */
function contentEnd(node: unknown): number {
  if (isPair(node)) return contentEnd(isNode(node.value) && node.value.range ? node.value : node.key);
  if ((isMap(node) || isSeq(node)) && !node.flow && node.items.length) return contentEnd(node.items.at(-1));
  if (isNode(node) && node.range) return (node as Node).range![1];
  throw new Error('a YAML node without a position');
}

/** The edit must read back as the old data plus the entry, at the end of `examples.<side>`. */
function checkEdit(
  before: string,
  after: string,
  e: { file: string; scenarioId: string; side: 'pass' | 'fail'; entry: ExampleEntry },
): { index: number; line: number } {
  const expected = parseDocument(before).toJS() as unknown;
  const scenario = scenarioData(expected, e.scenarioId)!;
  const examples = (scenario.examples ??= {}) as Record<string, unknown[]>;
  const list = (examples[e.side] ??= []);
  const entry = e.entry.label === undefined && e.entry.trajectory === undefined ? e.entry.file : { ...e.entry };
  list.push(entry);
  const doc = parseDocument(after, { uniqueKeys: true });
  if (doc.errors.length || !isDeepStrictEqual(doc.toJS(), expected)) {
    throw new ScenarioError(
      `could not add the example without rewriting the file; expected to add ${renderEntry(e.entry)} to examples.${e.side} by hand`,
      { file: e.file },
    );
  }
  // The data matched, so the scenario and its list are there.
  const added = findScenario(doc.contents, e.scenarioId)!.getIn(['examples', e.side], true) as YAMLSeq;
  const node = added.items.at(-1) as Node;
  return { index: list.length - 1, line: after.slice(0, node.range![0]).split('\n').length };
}

function scenarioData(data: unknown, id: string): Record<string, unknown> | undefined {
  const obj = data as { scenarios?: unknown; id?: unknown };
  if (Array.isArray(obj.scenarios)) return obj.scenarios.find((s: { id?: unknown }) => s?.id === id) as Record<string, unknown>;
  return obj.id === id ? (obj as Record<string, unknown>) : undefined;
}
