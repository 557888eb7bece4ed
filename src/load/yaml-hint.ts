import type { YamlSyntaxError } from './yaml-source.ts';

/** The parser's words for "a `: ` inside a plain value" and for "a line indented under a value". */
const COMPACT = 'Nested mappings are not allowed in compact mappings';
/** Errors about a line's own indentation: they already point at the line to fix. */
const INDENTATION =
  /^(Sequence item without - indicator|All mapping items must start at the same column|A block sequence may not be used as an implicit map key|Implicit map keys need to be followed by map values|Bad indentation)/;

/**
 * A YAML syntax error as the `yaml` parser words it, with what to do about the two mistakes people make
 * by hand: an unquoted `: ` inside a value (quote the value: the line and the quoted value are named) and
 * a line indented under a value (the parser blames the line above; this points at the indented line).
 * `lineOffset` is the one given to `parseYamlSource` (a frontmatter block starts after `---`).
 *
 * @example
 * explainYamlError('title: Refunds: how long\n', { message: 'Nested mappings are not allowed in compact mappings', line: 1, column: 8 })
 * // { message: '…; quote the value: title: "Refunds: how long"', line: 1, column: 8 }
 */
export function explainYamlError(text: string, error: YamlSyntaxError, lineOffset = 0): YamlSyntaxError {
  if (error.line === undefined) return error;
  if (INDENTATION.test(error.message)) return { ...error, message: `${error.message}; check the indentation of line ${error.line}` };
  if (!error.message.startsWith(COMPACT)) return error;
  const lines = text.split('\n');
  const index = error.line - lineOffset - 1;
  const here = lines[index] ?? '';
  const column = error.column ?? 1;
  const value = here.slice(column - 1).trimEnd();
  if (/:( |$)/.test(value)) {
    const key = here
      .slice(0, column - 1)
      .trim()
      .replace(/^-\s+/, '');
    return { ...error, message: `${error.message}; quote the value: ${key} ${JSON.stringify(value)}` };
  }
  const next = lines.findIndex((l, i) => i > index && l.trim() !== '' && !l.trim().startsWith('#'));
  if (next !== -1 && indentOf(lines[next]!) > indentOf(here)) {
    const line = next + 1 + lineOffset;
    return {
      message: `line ${line} is indented under the value of line ${error.line} (${error.message}); check the indentation of line ${line}`,
      line,
      column: indentOf(lines[next]!) + 1,
    };
  }
  return { ...error, message: `${error.message}; quote the value if it holds ": ", or check the indentation of line ${error.line}` };
}

function indentOf(line: string): number {
  return /^ */.exec(line)![0].length;
}
