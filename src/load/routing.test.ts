import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDirs } from '../../test/support/temp-dirs.ts';
import { UserErrors, type UserError } from '../errors.ts';
import { loadRoutingSuites } from './routing.ts';
import { routingScenarios } from './routing-scenarios.ts';

const tempDir = tempDirs('agent-evals-routing-');
const AGENTS = ['api', 'db', 'sec', 'docs'];

function project(files: Record<string, string>): string {
  const root = tempDir();
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    writeFileSync(path.join(root, rel), text);
  }
  return root;
}

async function errorsOf(files: Record<string, string>, opts: { files?: string[] } = {}): Promise<string[]> {
  try {
    await loadRoutingSuites(project(files), { agentNames: AGENTS, ...opts, configFile: 'evals/routing.yaml' });
  } catch (err) {
    const e = err as UserError;
    expect(e.exitCode).toBe(2);
    return e instanceof UserErrors ? e.errors.map((x) => x.message) : [e.message];
  }
  throw new Error('expected the suite to fail to load');
}

const SUITE = `agents: [api, db, sec, docs]
cases:
  - id: schema
    request: Design the tables for orders
    expect: db
    not: [api]
  - id: login
    request: Design the login endpoint
    expect: api
    tags: [auth]
    note: endpoint design, not a security review
  - id: hello
    request: What does HTTP 418 mean?
    expect: none
  - id: audit
    request: Review this handler for injection
    expect: sec
`;

describe('loadRoutingSuites', () => {
  it('reads a YAML suite: agents, cases with their lines, the suite named by its file', async () => {
    const root = project({ 'routing/backend.yaml': SUITE });
    const { suites, warnings } = await loadRoutingSuites(root, { agentNames: AGENTS });
    expect(suites).toHaveLength(1);
    const s = suites[0]!;
    expect(s.name).toBe('backend');
    expect(s.agents).toEqual(AGENTS);
    expect(s.cases.map((c) => [c.id, c.expect, c.line])).toEqual([
      ['schema', 'db', 3],
      ['login', 'api', 7],
      ['hello', 'none', 12],
      ['audit', 'sec', 15],
    ]);
    // `docs` is in the suite and no case expects it: a warning at its `agents:` entry.
    expect(warnings).toEqual([
      'routing/backend.yaml:1: agents: "docs" is expected by no case of suite "backend": its recall is never measured; add a case that it should take',
    ]);
  });

  it('reads a CSV suite: one case per row, agents from the expectations', async () => {
    const csv =
      'id,request,expect,tags,not\nschema,Design the tables,db,data|sql,api\nlogin,Design the login endpoint,api,,db|none\nhi,Say hi,none,,\n';
    const { suites } = await loadRoutingSuites(project({ 'routing/small.csv': csv }), { agentNames: AGENTS });
    expect(suites[0]!.agents).toEqual(['db', 'api']);
    expect(suites[0]!.cases.map((c) => [c.id, c.row, c.tags, c.not])).toEqual([
      ['schema', 2, ['data', 'sql'], ['api']],
      ['login', 3, [], ['db', 'none']],
      ['hi', 4, [], undefined],
    ]);
  });

  it('loads only the files the eval config names, and a name that matches none is an error naming the config field', async () => {
    const root = project({ 'routing/backend.yaml': SUITE, 'routing/other.yaml': 'broken: [' });
    const { suites } = await loadRoutingSuites(root, { files: ['routing/backend.yaml'], agentNames: AGENTS });
    expect(suites.map((s) => s.name)).toEqual(['backend']);
    expect(await errorsOf({ 'routing/backend.yaml': SUITE }, { files: ['routing/backend.yml'] })).toEqual([
      'evals/routing.yaml: routing[0]: "routing/backend.yml" matches no routing suite; did you mean "routing/backend.yaml"?; expected a file under routing/ (.yaml, .yml or .csv)',
    ]);
  });

  it('names file, line and field for each problem in a YAML suite', async () => {
    const bad = `agents: [api, dbb]
cases:
  - id: one
    request: Design the tables
    expect: databse
  - id: one
    request: Something else
    expect: api
    nott: [db]
  - id: three
    request: design   the TABLES
    expect: api
`;
    expect(await errorsOf({ 'routing/b.yaml': bad })).toEqual(['routing/b.yaml:9:5: cases[1]: unknown field "nott"; did you mean "not"?']);
    const fixed = bad.replace('    nott: [db]\n', '');
    expect(await errorsOf({ 'routing/b.yaml': fixed })).toEqual([
      'routing/b.yaml:5:13: cases[0].expect: "databse" is not an agent of the suite; expected one of api, dbb, none',
      'routing/b.yaml:6:9: cases[1].id: duplicate case id "one" (also routing/b.yaml:3:9)',
      'routing/b.yaml:11:13: cases[2].expect: the same request as case "one" (routing/b.yaml:4:14) expects "databse" there and "api" here; expected one decision per request',
      'routing/b.yaml:1: agents[1]: "dbb" is no agent found; did you mean "db"?; expected the name of an agent under the agents folders',
    ]);
  });

  it('names file, row, column and field for a CSV problem', async () => {
    expect(await errorsOf({ 'routing/c.csv': 'id,request,expcted\na,b,db\n' })).toEqual([
      'routing/c.csv:row 1:column 3: expcted: unknown column "expcted"; did you mean "expect"?; expected id, request, expect, tags, note, not',
      'routing/c.csv:row 1: missing required column "expect"; the header must name id, request, expect',
    ]);
    expect(await errorsOf({ 'routing/c.csv': 'id,request,expect\na,Design the tables,db\nb,,api\n' })).toEqual([
      'routing/c.csv:row 3:column 2: request: empty cell; expected a string',
    ]);
  });

  it('a broken YAML suite is one line at its place', async () => {
    expect(await errorsOf({ 'routing/y.yaml': 'agents: [api, db\ncases: []\n' })).toHaveLength(1);
  });
});

describe('routingScenarios', () => {
  it('makes each case a scenario of its suite: id, tags, decision assertion, references, agentic', async () => {
    const root = project({ 'routing/backend.yaml': SUITE });
    const { suites } = await loadRoutingSuites(root, { agentNames: AGENTS });
    const [schema, , hello] = routingScenarios(suites, []);
    expect(schema!.id).toBe('backend/schema');
    expect(schema!.tags).toEqual(['routing', 'routing:backend']);
    expect(schema!.agents).toEqual(AGENTS);
    expect(schema!.agentic).toBe(true);
    expect(schema!.assert).toEqual([{ type: 'regex', value: '^db(\\n|$)', id: 'routing', weight: 1, critical: true }]);
    expect(schema!.examples).toEqual({ pass: [{ label: 'expect db', text: 'db' }], fail: [{ label: 'not api', text: 'api' }] });
    expect(schema!.routing).toMatchObject({ suite: 'backend', case: 'schema', expected: 'db', missing: AGENTS });
    expect(hello!.assert[0]).toMatchObject({ value: '^none(\\n|$)' });
  });
});
