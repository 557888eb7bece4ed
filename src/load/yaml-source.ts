import { LineCounter, parseDocument, isMap, isNode, isScalar, visit, type Document } from 'yaml';
import type { z } from 'zod';
import type { Place } from '../errors.ts';
import { describeIssueText, formatPath } from '../shared/issue-text.ts';

/** Alias expansions allowed per document: a "billion laughs" file must be refused, not expanded. */
const MAX_ALIAS_COUNT = 100;

/**
 * YAML text parsed with positions kept, so that a zod issue at `assert[2].value` can be reported at
 * the line where that value is written.
 */
export interface YamlSource {
  data: unknown;
  /** 1-based line (and column) of the node at `path`, or of its closest existing ancestor. */
  placeOf(path: readonly PropertyKey[]): { line?: number; column?: number };
  /**
   * Like `placeOf`, but for a map entry points at its key: `tools:` followed by an indented block has
   * its value on the next line, and a message about the entry belongs on the key's line.
   */
  keyPlaceOf(path: readonly PropertyKey[]): { line?: number; column?: number };
}

export interface YamlSyntaxError {
  message: string;
  line?: number;
  column?: number;
}

/**
 * Parses YAML strictly. `lineOffset` is added to every line (a frontmatter block starts after `---`).
 * Returns the syntax errors instead of throwing so callers can decide how to report them.
 *
 * @example
 * const src = parseYamlSource('a:\n  b: 1\n');
 * src.placeOf(['a', 'b']) // { line: 2, column: 3 }
 */
export function parseYamlSource(text: string, lineOffset = 0): YamlSource | { errors: YamlSyntaxError[] } {
  const lineCounter = new LineCounter();
  const doc: Document = parseDocument(text, { lineCounter, prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    return {
      errors: doc.errors.map((e) => {
        const pos = e.linePos?.[0];
        return {
          message: (e.message.split('\n')[0] ?? e.message).replace(/ at line \d+, column \d+:?$/, ''),
          line: pos ? pos.line + lineOffset : undefined,
          column: pos?.col,
        };
      }),
    };
  }
  const at = (offset: number) => {
    const pos = lineCounter.linePos(offset);
    return { line: pos.line + lineOffset, column: pos.col };
  };
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT }) as unknown;
  } catch (err) {
    // yaml throws a ReferenceError ("Excessive alias count …") when aliases expand past the limit.
    if (!(err instanceof ReferenceError)) throw err;
    let first: { line?: number; column?: number } = {};
    visit(doc, {
      Alias(_key, node) {
        if (node.range) first = at(node.range[0]);
        return visit.BREAK;
      },
    });
    return { errors: [{ message: `too many YAML aliases (more than ${MAX_ALIAS_COUNT}); expected plain YAML`, ...first }] };
  }
  const placeOf = (path: readonly PropertyKey[]) => {
    for (let n = path.length; n >= 0; n--) {
      const node = doc.getIn(path.slice(0, n) as unknown[], true);
      // For a map entry, point at the key's value node; `range[0]` is its start offset.
      if (isNode(node) && node.range) return at(node.range[0]);
    }
    return {};
  };
  const keyPlaceOf = (path: readonly PropertyKey[]) => {
    const parent = path.length > 0 ? doc.getIn(path.slice(0, -1) as unknown[], true) : undefined;
    if (isMap(parent)) {
      const last = path[path.length - 1];
      const pair = parent.items.find((p) => (isScalar(p.key) ? p.key.value : p.key) === last);
      if (isNode(pair?.key) && pair.key.range) return at(pair.key.range[0]);
    }
    return placeOf(path);
  };
  return { data, placeOf, keyPlaceOf };
}

export function isYamlError(src: YamlSource | { errors: YamlSyntaxError[] }): src is { errors: YamlSyntaxError[] } {
  return 'errors' in src;
}

/** One zod issue of `schema` → message + place, with the expectation said plainly (shared/issue-text.ts). */
export function describeZodIssue(
  issue: z.core.$ZodIssue,
  src: YamlSource,
  file: string,
  schema: z.ZodType,
): { message: string; place: Place } {
  const field = formatPath(issue.path);
  // An unknown key is reported where the key is written, not where its enclosing map starts (1:1 at top level).
  const at = issue.code === 'unrecognized_keys' ? src.keyPlaceOf([...issue.path, issue.keys[0]!]) : src.placeOf(issue.path);
  const place: Place = { file, field: field || undefined, ...at };
  return { message: describeIssueText(issue, schema), place };
}
