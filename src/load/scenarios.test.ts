import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { tempDirs } from '../../test/support/temp-dirs.ts';
import { describe, expect, it } from 'vitest';
import { UserErrors, type UserError } from '../errors.ts';
import { scenarioAppliesTo } from '../plan/matrix.ts';
import { loadScenarios, type LoadedScenario } from './scenarios.ts';
import { splitCell } from './scenario-csv.ts';

const fixture = (name: string) => path.resolve(import.meta.dirname, '../../test/fixtures/scenarios', name);
const load = (name: string, agentNames = ['backend-architect']) => loadScenarios(fixture(name), { agentNames });

/** The error lines a load produces, as the CLI prints them. */
async function loadErrors(name: string): Promise<string[]> {
  try {
    await load(name);
  } catch (err) {
    const e = err as UserError;
    expect(e.exitCode).toBe(2);
    return e instanceof UserErrors ? e.errors.map((x) => x.message) : [e.message];
  }
  throw new Error(`expected ${name} to fail to load`);
}

const byId = (scenarios: LoadedScenario[], id: string) => scenarios.find((s) => s.id === id)!;

describe('loadScenarios: YAML', () => {
  it('reads one scenario per file and lists under `scenarios:`, normalized', async () => {
    const { scenarios, warnings } = await load('yaml-basic');
    expect(scenarios.map((s) => s.id).sort()).toEqual(['conversation', 'second', 'single']);
    // `backend-*` matches; `other-agent` names nothing that exists.
    expect(warnings).toEqual([
      'scenarios/group/list.yml:4: scenarios[0].agent[1]: "other-agent" matches no agent or variant; scenario "conversation" will not run for it',
    ]);

    const single = byId(scenarios, 'single');
    expect(single.file).toBe('scenarios/single.yaml');
    expect(single.line).toBe(2);
    expect(single.agents).toBeUndefined();
    expect(single.messages).toEqual([{ role: 'user', content: 'How should I store sessions?' }]);
    expect(single.vars).toEqual({ region: 'eu', replicas: '3' });
    expect(single.weight).toBe(1);
    expect(single.threshold).toBeUndefined();
    // Derived ids are unique; an explicit id is kept.
    expect(single.assert.map((a) => a.id)).toEqual(['mentions-jwt-session', 'mentions-jwt', 'says-redis']);
    expect(single.assert[1]).toMatchObject({ weight: 2, critical: false });
    expect(single.assert[2]).toMatchObject({ critical: true, type: 'icontains' });
    // A path example is read from next to the file, its calibration header removed; inline stays inline.
    expect(single.examples.pass).toEqual([
      { label: 'scenarios/group/good.md', text: 'Use server-side sessions in Redis, keyed by a random id; a JWT is an alternative.' },
      { label: 'inline good', text: 'Keep sessions in Redis; or use a JWT.' },
    ]);
    expect(single.examples.fail).toEqual([{ label: 'fail[0]', text: 'Store them in a global variable.\nThat is all.' }]);
    expect(single.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(single.assertionsHash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('keeps a conversation, its agent patterns and threshold', async () => {
    const { scenarios } = await load('yaml-basic');
    const conv = byId(scenarios, 'conversation');
    expect(conv.file).toBe('scenarios/group/list.yml');
    expect(conv.line).toBe(2);
    expect(conv.messages.map((m) => m.role)).toEqual(['system', 'user', 'assistant', 'user']);
    expect(conv.agents).toEqual(['backend-*', 'other-agent']);
    expect(conv.threshold).toBe(0.5);
    expect(conv.tags).toEqual(['multi-turn']);
    expect(byId(scenarios, 'second').line).toBe(19);
  });

  it('hashes what is asked apart from how it is judged', async () => {
    const { scenarios } = await load('yaml-basic');
    const hashes = new Set(scenarios.map((s) => s.hash));
    expect(hashes.size).toBe(3);
    const again = await load('yaml-basic');
    expect(again.scenarios.map((s) => [s.hash, s.assertionsHash])).toEqual(scenarios.map((s) => [s.hash, s.assertionsHash]));
  });
});

describe('loadScenarios: CSV', () => {
  it('reads rows with quoted multi-line cells and |-separated values', async () => {
    const { scenarios } = await load('csv-basic');
    const one = byId(scenarios, 'csv-one');
    expect(one.file).toBe('scenarios/suite.csv');
    expect(one.row).toBe(2);
    expect(one.line).toBe(2);
    expect(one.messages).toEqual([{ role: 'user', content: 'A request with a comma, and\na second line' }]);
    expect(one.agents).toEqual(['backend-architect']);
    expect(one.tags).toEqual(['api', 'csv']);
    expect(one.assert.map((a) => [a.id, a.type, 'value' in a ? a.value : undefined, a.critical])).toEqual([
      ['mentions-jwt-oauth2-refresh-token', 'mentions', ['JWT', 'OAuth2', 'refresh token'], true],
      ['contains-429', 'contains', '429', false],
      ['contains-retry-after', 'contains', 'Retry-After', false],
      // A pattern cell is taken as written: `|` is the regex's own.
      ['regex-a-b-c', 'regex', 'a\\|b|c', true],
      ['has-code-block-sql', 'has-code-block', 'sql', false],
      ['has-code-block-mermaid', 'has-code-block', 'mermaid', false],
      ['word-count', 'word-count', undefined, false],
      ['asks-clarifying-questions', 'asks-clarifying-questions', undefined, false],
    ]);
    expect(one.assert[6]).toMatchObject({ min: 10, max: 200 });
    expect(one.assert[7]).toMatchObject({ min: 2 });
    expect(one.examples.pass).toEqual([{ label: 'scenarios/examples/good.md', text: 'Use JWT.' }]);
    // A multi-line example cell is one inline answer, `|` and all.
    expect(one.examples.fail).toEqual([{ label: 'fail[0]', text: 'Just use cookies.\nNo tokens | no limits.' }]);

    const two = byId(scenarios, 'csv-two');
    expect(two.row).toBe(3);
    expect(two.line).toBe(5); // row 2 spans lines 2-4
    expect(two.agents).toBeUndefined();
    expect(two.assert.map((a) => a.type)).toEqual(['is-json']);
    expect(two.examples.pass[0]!.text).toBe('{"a": 1}');
  });

  it('splits cells on | with \\| as a literal bar', () => {
    expect(splitCell('a | b|| c\\|d ')).toEqual(['a', 'b', 'c|d']);
  });
});

describe('loadScenarios: bad input', () => {
  it('broken YAML → file:line', async () => {
    const [line, ...rest] = await loadErrors('broken-yaml');
    expect(rest).toEqual([]);
    expect(line).toMatch(/^scenarios\/broken\.yaml:3:\d+: broken YAML: /);
  });

  it('CSV missing required column → file:row', async () => {
    expect(await loadErrors('csv-missing-column')).toEqual([
      'scenarios/s.csv:row 1: missing required column "request"; the header must name id, title, request',
    ]);
  });

  it('CSV unknown column → file:row:column with the closest name', async () => {
    const [line] = await loadErrors('csv-unknown-column');
    expect(line).toBe(
      'scenarios/s.csv:row 1:column 4: mention: unknown column "mention"; did you mean "mentions"?; expected id, title, agent, tags, request, weight, threshold, critical, pass, fail or an assertion kind',
    );
  });

  it('CSV bad cell → file:row:column, other rows still checked', async () => {
    expect(await loadErrors('csv-bad-cell')).toEqual([
      'scenarios/s.csv:row 3:column 4: word-count: expected a range of words like 200-800, 200- or -800, got "lots"',
    ]);
  });

  it('duplicate ids name both places', async () => {
    expect(await loadErrors('duplicate-ids')).toEqual([
      'scenarios/b.csv:row 3: id: duplicate scenario id "same", also defined at scenarios/a.yaml:1',
    ]);
  });

  it('unknown assertion kind names the file, the place and the closest kind', async () => {
    expect(await loadErrors('unknown-kind')).toEqual([
      'scenarios/u.yaml:7:11: assert[1].type: unknown assertion kind "mention"; did you mean "mentions"?',
    ]);
  });

  it('an agent that matches nothing is a warning naming it at its `agent:` line, and an error for --ci', async () => {
    const { scenarios, warnings, unknownAgents } = await load('agent-nomatch', [
      'backend-architect',
      'backend-architect/opencode-reliability',
    ]);
    expect(scenarios).toHaveLength(1);
    expect(warnings).toEqual([
      'scenarios/a.yaml:3: agent: "backend-architekt" matches no agent or variant; did you mean "backend-architect"?; scenario "for-nobody" will not run for it',
    ]);
    expect(unknownAgents.map((e) => e.message)).toEqual([
      'scenarios/a.yaml:3: agent: "backend-architekt" matches no agent or variant; did you mean "backend-architect"?; expected the name of an agent or variant, or a glob matching one',
    ]);
  });

  it('schema problems are reported at the line of the field, all at once', async () => {
    const { mkdtemp, mkdir, writeFile } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const root = await mkdtemp(path.join(tmpdir(), 'scen-'));
    await mkdir(path.join(root, 'scenarios'));
    await writeFile(
      path.join(root, 'scenarios', 'x.yaml'),
      'id: x\ntitle: X\nrequest: hi\nmessages:\n  - role: user\n    content: hi\n  - role: assistant\n    content: yo\nassert:\n  - type: regex\n    value: "(unclosed"\n    colour: red\nexamples:\n  pass: [missing.md]\n',
    );
    await expect(loadScenarios(root, { agentNames: [] })).rejects.toThrow(UserErrors);
    const err = await loadScenarios(root, { agentNames: [] }).catch((e: UserErrors) => e.errors.map((x) => x.message));
    expect(err).toEqual([
      'scenarios/x.yaml:11:12: assert[0].value: expected a valid regular expression',
      'scenarios/x.yaml:12:5: assert[0]: unknown field "colour"; expected one of type, id, weight, critical, value, min, max, threshold, tool, pattern, file',
      'scenarios/x.yaml:3:10: request: expected exactly one of "request" or "messages"',
      'scenarios/x.yaml:7:11: messages[1].role: expected the conversation to end with a user turn, got "assistant"',
    ]);
  });
});

describe('scenarioAppliesTo', () => {
  it('matches every agent when unset, else names, variant ids and globs', () => {
    expect(scenarioAppliesTo({ agents: undefined }, 'anything')).toBe(true);
    expect(scenarioAppliesTo({ agents: ['backend-*'] }, 'backend-architect')).toBe(true);
    expect(
      scenarioAppliesTo({ agents: ['backend-architect/opencode-*'] }, 'backend-architect', 'backend-architect/opencode-reliability'),
    ).toBe(true);
    expect(scenarioAppliesTo({ agents: ['frontend'] }, 'backend-architect', 'backend-architect/x')).toBe(false);
  });
});

describe('loadScenarios: peers (agents a scenario lets the agent delegate to)', () => {
  const tempDir = tempDirs('scen-peers-');
  const project = (files: Record<string, string>) => {
    const root = tempDir();
    for (const [rel, text] of Object.entries(files)) {
      mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
      writeFileSync(path.join(root, rel), text);
    }
    return root;
  };
  const scenario = (peers: string) =>
    `id: s\ntitle: S\nrequest: review it\npeers: ${peers}\nassert:\n  - { type: delegates-to, value: auditor }\n`;
  const auditor = '---\nname: auditor\ndescription: Reviews security.\ntools: Read, Grep\n---\nYou audit code.\n';
  const dbPeer = '---\ndescription: Reviews schemas.\nmode: subagent\ntools:\n  write: false\n---\nYou review schemas.\n';

  it('loads each peer file with the agent loader; the peers are part of what is asked (the hash)', async () => {
    const files = { 'scenarios/a/s.yaml': scenario('[peers/auditor.md, peers/db-engineer.md]'), 'scenarios/a/peers/auditor.md': auditor };
    const root = project({ ...files, 'scenarios/a/peers/db-engineer.md': dbPeer });
    const [s] = (await loadScenarios(root, { agentNames: [] })).scenarios;
    expect(s!.peers!.map((p) => [p.name, p.dialect, p.file, p.tools])).toEqual([
      ['auditor', 'claude-code', 'scenarios/a/peers/auditor.md', ['Read', 'Grep']],
      ['db-engineer', 'opencode', 'scenarios/a/peers/db-engineer.md', []],
    ]);
    expect(s!.agentic).toBe(true);
    const edited = project({ ...files, 'scenarios/a/peers/db-engineer.md': dbPeer.replace('schemas.\n', 'schemas and indexes.\n') });
    const [t] = (await loadScenarios(edited, { agentNames: [] })).scenarios;
    expect(t!.hash).not.toBe(s!.hash);
    expect(t!.assertionsHash).toBe(s!.assertionsHash);
  });

  it('a missing, broken, primary or twice-named peer is a one-line error naming the scenario field and the peer file', async () => {
    const root = project({
      'scenarios/s.yaml': scenario('[peers/none.md, peers/bad.md, peers/main.md, peers/auditor.md, other/auditor.md]'),
      'scenarios/t.yaml': scenario('[peers/x.txt]').replace('id: s', 'id: t'),
      'scenarios/peers/bad.md': '---\nname: bad\ntools: { read: yes }\n---\nYou are bad.\n',
      'scenarios/peers/main.md': '---\ndescription: Main.\nmode: primary\n---\nYou lead.\n',
      'scenarios/peers/auditor.md': auditor,
      'scenarios/other/auditor.md': auditor,
    });
    const errors = await loadScenarios(root, { agentNames: [] }).then(
      () => [],
      (e: UserErrors) => e.errors.map((x) => x.message),
    );
    expect(errors).toEqual([
      'scenarios/s.yaml:4:9: peers[0]: not found; expected the peer agent file "peers/none.md"',
      'scenarios/s.yaml:4:24: peers[1]: scenarios/peers/bad.md:3:16: tools.read: expected boolean, got "yes"',
      'scenarios/s.yaml:4:38: peers[2]: scenarios/peers/main.md:3: mode: a peer is delegated to; expected "subagent" or "all", got "primary"',
      'scenarios/s.yaml:4:71: peers[4]: scenarios/other/auditor.md: peer name "auditor" is also the name of scenarios/peers/auditor.md',
      'scenarios/t.yaml:4:9: peers[0]: expected a path ending in .md',
    ]);
  });
});
