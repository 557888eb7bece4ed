import { describe, expect, it } from 'vitest';
import { addExampleToYaml, renderEntry, type ExampleEntry } from './yaml-example-entry.ts';

const recorded: ExampleEntry = {
  label: 'reads-first',
  file: 'examples/s.pass-reads-first.md',
  trajectory: 'examples/s.pass-reads-first.trajectory.json',
};
const ITEM = '{ label: reads-first, file: examples/s.pass-reads-first.md, trajectory: examples/s.pass-reads-first.trajectory.json }';
const add = (text: string, side: 'pass' | 'fail' = 'pass', entry = recorded, id = 's') =>
  addExampleToYaml(text, 'scenarios/s.yaml', id, side, entry);

describe('addExampleToYaml: inserts one entry, every other byte kept', () => {
  it('a block list: a new `- ` line under its last item, after its trailing comment, before comments that follow', () => {
    const text = 'id: s  # the id\nexamples:\n  pass:\n    -   examples/a.md   # by hand\n    # - examples/old.md\n  fail: [no]\n';
    expect(add(text)).toEqual({
      text: `id: s  # the id\nexamples:\n  pass:\n    -   examples/a.md   # by hand\n    -   ${ITEM}\n    # - examples/old.md\n  fail: [no]\n`,
      index: 1,
      line: 5,
    });
  });

  it('a flow list: `, item` after its last item; an empty one gets the item', () => {
    expect(add('id: s\nexamples:\n  fail: [ "x" , y ]  # two\n', 'fail').text).toBe(
      `id: s\nexamples:\n  fail: [ "x" , y, ${ITEM} ]  # two\n`,
    );
    expect(add('id: s\nexamples: { pass: [], fail: [x] }\n').text).toBe(`id: s\nexamples: { pass: [${ITEM}], fail: [x] }\n`);
  });

  it('no `pass:` yet: added after the last key of examples, indented as its keys', () => {
    expect(add('id: s\nexamples:\n    fail:\n      - x.md\n# end\n')).toEqual({
      text: `id: s\nexamples:\n    fail:\n      - x.md\n    pass:\n      - ${ITEM}\n# end\n`,
      index: 0,
      line: 6,
    });
  });

  it('no `examples:` yet: added after the last entry of the scenario, even when it is a block scalar', () => {
    const text = 'id: s\nrequest: |\n  Review it.\n  Carefully.\n\n# trailing comment\n';
    expect(add(text).text).toBe(`id: s\nrequest: |\n  Review it.\n  Carefully.\nexamples:\n  pass:\n    - ${ITEM}\n\n# trailing comment\n`);
  });

  it('a scenario in a `scenarios:` list: only that one, indented as its keys', () => {
    const text = 'scenarios:\n  - id: a\n    title: A\n  - id: s\n    title: S\n    examples:\n      fail: [x]\n  - id: c\n    title: C\n';
    expect(add(text, 'fail').text).toBe(
      `scenarios:\n  - id: a\n    title: A\n  - id: s\n    title: S\n    examples:\n      fail: [x, ${ITEM}]\n  - id: c\n    title: C\n`,
    );
    expect(add(text, 'pass', { file: 'examples/c.md' }, 'c').text).toBe(`${text}    examples:\n      pass:\n        - examples/c.md\n`);
  });

  it('keeps CRLF line endings, a BOM, and a file without a final newline', () => {
    expect(add('\uFEFFid: s\r\nexamples:\r\n  pass:\r\n    - a.md\r\n').text).toBe(
      `\uFEFFid: s\r\nexamples:\r\n  pass:\r\n    - a.md\r\n    - ${ITEM}\r\n`,
    );
    expect(add('id: s\ntitle: S').text).toBe(`id: s\ntitle: S\nexamples:\n  pass:\n    - ${ITEM}`);
  });

  it('a flow scenario map gets a flow entry', () => {
    expect(add('{ id: s, title: S }\n').text).toBe(`{ id: s, title: S, examples: { pass: [${ITEM}] } }\n`);
  });

  it('refuses a scenario the file no longer holds, or broken YAML, in one line', () => {
    expect(() => add('id: other\n')).toThrow('scenarios/s.yaml: no scenario "s" in this file any more');
    expect(() => add('id: s\n  bad: [\n')).toThrow(/^scenarios\/s\.yaml: broken YAML: /);
  });
});

describe('renderEntry', () => {
  it('quotes only what YAML would read differently', () => {
    expect(renderEntry({ file: 'examples/a.pass.md' })).toBe('examples/a.pass.md');
    expect(renderEntry({ label: 'says no', file: 'examples/a b.md' })).toBe('{ label: "says no", file: "examples/a b.md" }');
    expect(renderEntry({ label: 'true', file: 'x.md' })).toBe('{ label: "true", file: x.md }');
    expect(renderEntry({ label: '1.5', file: 'x.md', trajectory: 'x.json' })).toBe('{ label: "1.5", file: x.md, trajectory: x.json }');
  });
});
