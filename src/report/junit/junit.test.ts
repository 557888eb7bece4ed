import { describe, expect, it } from 'vitest';
import { renderJunit } from './junit.ts';
import { syntheticResults } from '../../../test/support/report-synthetic.ts';
import type { CellResult } from '../../schema/result.ts';

interface Node {
  name: string;
  attrs: Record<string, string>;
  children: Node[];
  text: string;
}

/** Just enough of an XML parser to check structure: elements, attributes, text, the five entities. */
function parseXml(xml: string): Node {
  const decode = (s: string) =>
    s.replace(/&(lt|gt|amp|quot|apos);/g, (_, e: string) => ({ lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" })[e]!);
  const body = xml.replace(/^<\?xml[^?]*\?>\s*/, '');
  const root: Node = { name: '#root', attrs: {}, children: [], text: '' };
  const stack = [root];
  const token = /<(\/?)([A-Za-z][\w.-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>|([^<]+)/gy;
  let m: RegExpExecArray | null;
  let consumed = 0;
  while ((m = token.exec(body))) {
    consumed = token.lastIndex;
    const [, close, name, attrText, selfClose, text] = m;
    const top = stack.at(-1)!;
    if (text !== undefined) {
      expect(text).not.toMatch(/[<>]|&(?!(lt|gt|amp|quot|apos);)/);
      top.text += decode(text);
    } else if (close) {
      expect(top.name, `closing </${name}>`).toBe(name);
      stack.pop();
    } else {
      const attrs: Record<string, string> = {};
      for (const a of attrText!.matchAll(/([\w:-]+)="([^"]*)"/g)) attrs[a[1]!] = decode(a[2]!);
      const node: Node = { name: name!, attrs, children: [], text: '' };
      top.children.push(node);
      if (!selfClose) stack.push(node);
    }
  }
  expect(consumed, 'whole document parsed').toBe(body.length);
  expect(stack).toHaveLength(1);
  expect(root.children.filter((c) => c.name !== '#text')).toHaveLength(1);
  return root.children[0]!;
}

/** The shape the common JUnit XSD (Jenkins/Ant junit-10) requires. */
function checkJunitShape(doc: Node) {
  expect(doc.name).toBe('testsuites');
  let tests = 0;
  let failures = 0;
  let errors = 0;
  for (const suite of doc.children) {
    expect(suite.name).toBe('testsuite');
    expect(suite.attrs).toHaveProperty('name');
    const cases = suite.children.filter((c) => c.name === 'testcase');
    expect(suite.children.every((c) => c.name === 'testcase')).toBe(true);
    expect(Number(suite.attrs.tests)).toBe(cases.length);
    const count = (tag: string) => cases.filter((c) => c.children.some((x) => x.name === tag)).length;
    expect(Number(suite.attrs.failures)).toBe(count('failure'));
    expect(Number(suite.attrs.errors)).toBe(count('error'));
    expect(Number(suite.attrs.skipped)).toBe(count('skipped'));
    for (const c of cases) {
      expect(c.attrs.name).toBeTruthy();
      expect(c.attrs.time).toMatch(/^\d+\.\d{3}$/);
      for (const child of c.children) expect(['skipped', 'error', 'failure', 'system-out', 'system-err']).toContain(child.name);
      expect(c.children.filter((x) => ['skipped', 'error', 'failure'].includes(x.name)).length).toBeLessThanOrEqual(1);
    }
    tests += cases.length;
    failures += count('failure');
    errors += count('error');
  }
  expect(Number(doc.attrs.tests)).toBe(tests);
  expect(Number(doc.attrs.failures)).toBe(failures);
  expect(Number(doc.attrs.errors)).toBe(errors);
}

const cell = (over: Partial<CellResult>): CellResult => ({
  ...syntheticResults({ variants: ['v'], models: ['m'], scenarios: 1, repeats: 1 })[0]!,
  status: 'pass',
  ...over,
});

describe('renderJunit', () => {
  it('has one testcase per scenario × variant × model with repeats aggregated', () => {
    const results = syntheticResults({ variants: ['a', 'b'], models: ['m1', 'm2', 'm3'], scenarios: 4, repeats: 5 });
    const doc = parseXml(renderJunit('run-1', results));
    checkJunitShape(doc);
    expect(doc.children).toHaveLength(6);
    expect(Number(doc.attrs.tests)).toBe(2 * 3 * 4);
  });

  it('reports a failed repeat as a failure with the pass rate and the failing assertion', () => {
    const results = [
      cell({ repeat: 0, status: 'pass' }),
      cell({
        repeat: 1,
        status: 'fail',
        assertions: [{ id: 'cites-line', kind: 'regex', pass: false, score: 0, weight: 1, critical: true, reason: 'no line number' }],
      }),
      cell({ repeat: 2, status: 'error', error: 'HTTP 500' }),
    ];
    const doc = parseXml(renderJunit('run-1', results));
    checkJunitShape(doc);
    const tc = doc.children[0]!.children[0]!;
    expect(tc.children.map((c) => c.name)).toEqual(['failure']);
    expect(tc.children[0]!.attrs.message).toBe('pass rate 1/2 (50%), 1 provider error over 3 repeats');
    expect(tc.children[0]!.text).toBe('repeat 1: cites-line (critical): no line number');
  });

  it('reports provider errors without failures as an error, and never-run cases as skipped', () => {
    const doc = parseXml(
      renderJunit('run-1', [
        cell({ scenarioId: 's-err', repeat: 0, status: 'pass' }),
        cell({ scenarioId: 's-err', repeat: 1, status: 'error', error: 'timeout after 60 s' }),
        cell({ scenarioId: 's-off', status: 'not-run', error: 'OPENAI_API_KEY is not set' }),
        cell({ scenarioId: 's-ok', status: 'pass' }),
      ]),
    );
    checkJunitShape(doc);
    const byName = Object.fromEntries(doc.children[0]!.children.map((c) => [c.attrs.name, c]));
    expect(byName['s-err']!.children[0]!.name).toBe('error');
    expect(byName['s-err']!.children[0]!.text).toBe('repeat 1: timeout after 60 s');
    expect(byName['s-off']!.children[0]).toMatchObject({ name: 'skipped', attrs: { message: 'not run: OPENAI_API_KEY is not set' } });
    expect(byName['s-ok']!.children[0]).toMatchObject({ name: 'system-out', text: 'pass rate 1/1 (100%) over 1 repeat' });
    expect(doc.attrs).toMatchObject({ tests: '3', failures: '0', errors: '1', skipped: '1' });
  });

  it('names each suite and class with the agent once: `backend-architect/x @ m`, never `backend-architect/backend-architect/x @ m`', () => {
    const doc = parseXml(
      renderJunit('run-1', [
        cell({ agent: 'backend-architect', variantId: 'backend-architect/x', model: 'm' }),
        cell({ agent: 'reviewer', variantId: 'terse', model: 'm' }),
        cell({ agent: 'solo', variantId: 'solo', model: 'm' }),
      ]),
    );
    checkJunitShape(doc);
    expect(doc.children.map((s) => s.attrs.name)).toEqual(['backend-architect/x @ m', 'reviewer/terse @ m', 'solo @ m']);
    expect(doc.children.map((s) => s.children[0]!.attrs.classname)).toEqual(['backend-architect/x.m', 'reviewer/terse.m', 'solo.m']);
  });

  it('escapes markup, quotes and characters XML cannot hold', () => {
    const nasty = `<script>alert("x")</script> & ]]> 'q' \u0001\u001b`;
    const doc = parseXml(
      renderJunit('run-1', [
        cell({
          scenarioId: `s<&"'>`,
          variantId: 'v"><x',
          status: 'fail',
          assertions: [{ id: 'a&b', kind: 'contains', pass: false, score: 0, weight: 1, critical: false, reason: nasty }],
        }),
      ]),
    );
    checkJunitShape(doc);
    const tc = doc.children[0]!.children[0]!;
    expect(tc.attrs.name).toBe(`s<&"'>`);
    expect(tc.attrs.classname).toBe('reviewer/v"><x.m');
    expect(tc.children[0]!.text).toBe(`repeat 0: a&b: <script>alert("x")</script> & ]]> 'q' ␁␛`);
  });
});
