import { describe, expect, it } from 'vitest';
import { explainYamlError } from './yaml-hint.ts';
import { isYamlError, parseYamlSource } from './yaml-source.ts';

/** The first syntax error of `text`, explained. */
function explained(text: string) {
  const src = parseYamlSource(text);
  if (!isYamlError(src)) throw new Error('expected broken YAML');
  return explainYamlError(text, src.errors[0]!);
}

describe('explainYamlError', () => {
  it('an unquoted ": " inside a value: at its line, with the value quoted', () => {
    expect(explained('id: s1\ntitle: Refunds: how long\nrequest: x\n')).toEqual({
      message: 'Nested mappings are not allowed in compact mappings; quote the value: title: "Refunds: how long"',
      line: 2,
      column: 8,
    });
    // In a list item, and for a value that holds a quote already.
    expect(explained('assert:\n  - type: icontains\n    value: say "hi": now\n').message).toMatch(
      /; quote the value: value: "say \\"hi\\": now"$/,
    );
  });

  it('a line indented under a value: points at that line, not the one above', () => {
    const e = explained('id: s1\nassert:\n  - type: icontains\n    value: refund\n      weight: 2\n');
    expect(e.line).toBe(5);
    expect(e.message).toBe(
      'line 5 is indented under the value of line 4 (Nested mappings are not allowed in compact mappings); check the indentation of line 5',
    );
    expect(explained('id: s1\n  request: x\n').line).toBe(2);
  });

  it('other indentation errors name their own line', () => {
    expect(explained('id: s1\nassert:\n  - type: icontains\n    value: refund\n   weight: 2\n')).toEqual({
      message: 'Sequence item without - indicator; check the indentation of line 5',
      line: 5,
      column: 1,
    });
    expect(explained('request:\n  x: y\n z: 1\n').message).toBe(
      'All mapping items must start at the same column; check the indentation of line 3',
    );
  });

  it('keeps line numbers of a frontmatter block (lineOffset) and leaves other errors as they are', () => {
    const text = 'name: a\ndescription: x\n  extra: y\n';
    const src = parseYamlSource(text, 1);
    if (!isYamlError(src)) throw new Error('expected broken YAML');
    expect(explainYamlError(text, src.errors[0]!, 1).line).toBe(4);
    const flow = parseYamlSource('tools: [Read, Write\n');
    if (!isYamlError(flow)) throw new Error('expected broken YAML');
    expect(explainYamlError('tools: [Read, Write\n', flow.errors[0]!)).toEqual(flow.errors[0]);
  });
});
