import { createHash } from 'node:crypto';
import path from 'node:path';
import picomatch from 'picomatch';
import type { z } from 'zod';
import { formatPlace, ScenarioError, UserErrors, isUserError, type Place, type UserError } from '../errors.ts';
import type { AgentVariant } from '../schema/agent.ts';
import { ASSERTION_KINDS, Scenario, TRAJECTORY_KINDS, type Assertion, type Example, type Message } from '../schema/scenario.ts';
import { Trajectory, type TrajectoryRecord } from '../schema/trajectory.ts';
import { createReadStream } from 'node:fs';
import { readdir, readlink, stat } from 'node:fs/promises';
import type { NormalizedAssertion } from '../assertions/registry.ts';
import { didYouMean } from '../shared/closest.ts';
import { stableJson } from '../shared/stable-json.ts';
import { parseAgentFile } from './agents.ts';
import { decodeText, findFiles, readInputFile, readTextFile, relPath } from './files.ts';
import { readScenarioCsv } from './scenario-csv.ts';
import { explainYamlError } from './yaml-hint.ts';
import { describeIssueText, formatPath } from '../shared/issue-text.ts';
import { isYamlError, parseYamlSource } from './yaml-source.ts';

export type { LoadedScenario, ReferenceAnswer } from '../schema/loaded-scenario.ts';
import type { LoadedScenario, ReferenceAnswer, ScenarioWorkspace } from '../schema/loaded-scenario.ts';

/** One scenario as read from a file, before validation, with a way to place a schema path. */
interface RawScenario {
  data: unknown;
  file: string;
  line: number;
  row?: number;
  placeOf(path: readonly PropertyKey[]): Place;
  /** For YAML: the place of a map key itself (where an unknown key is written). */
  keyPlaceOf?(path: readonly PropertyKey[]): Place;
}

const EXTENSIONS = ['.yaml', '.yml', '.csv'];

/**
 * Reads every scenario under `<root>/scenarios` (YAML: one scenario or a list under `scenarios:`;
 * CSV: one per row), validates and normalizes them. Every problem in every file is collected and thrown
 * as one `UserErrors` (exit 2). Warnings (an `agent` that matches none of `agentNames`) are returned.
 *
 * @example
 * const { scenarios } = await loadScenarios('/repo', { agentNames: ['backend-architect'] });
 * scenarios[0].assert[0].id // 'mentions-jwt'
 */
export async function loadScenarios(
  root: string,
  opts: { agentNames: string[] },
): Promise<{ scenarios: LoadedScenario[]; warnings: string[]; unknownAgents: UserError[] }> {
  const files = await findFiles(path.join(root, 'scenarios'), EXTENSIONS);
  const errors: UserError[] = [];
  const raws: RawScenario[] = [];
  for (const abs of files) {
    const file = relPath(root, abs);
    try {
      const { text } = await readTextFile(abs, file);
      const read = abs.toLowerCase().endsWith('.csv') ? readCsv(text, file) : readYaml(text, file);
      raws.push(...read.raws);
      errors.push(...read.errors);
    } catch (err) {
      if (!isUserError(err)) throw err;
      errors.push(err);
    }
  }
  const scenarios: LoadedScenario[] = [];
  // Where each scenario's `agent:` entries are written, for the warning about one that names nothing.
  const agentPlaces = new Map<LoadedScenario, (index: number) => Place>();
  for (const raw of raws) {
    const checked = Scenario.safeParse(raw.data, { reportInput: true });
    if (!checked.success) {
      errors.push(...checked.error.issues.map((issue) => issueError(issue, raw)));
      continue;
    }
    try {
      const scenario = await normalize(checked.data, raw, root);
      scenarios.push(scenario);
      const listed = Array.isArray(checked.data.agent);
      agentPlaces.set(scenario, (i) => raw.placeOf(listed ? ['agent', i] : ['agent']));
    } catch (err) {
      if (!isUserError(err)) throw err;
      errors.push(...(err instanceof UserErrors ? err.errors : [err]));
    }
  }
  errors.push(...duplicateIds(scenarios));
  if (errors.length === 1) throw errors[0];
  if (errors.length > 1) throw new UserErrors(errors);
  const unmatched = unmatchedAgents(scenarios, opts.agentNames, agentPlaces);
  return {
    scenarios,
    warnings: unmatched.map((u) => `${formatPlace(u.place)}${u.detail}; scenario "${u.scenarioId}" will not run for it`),
    unknownAgents: unmatched.map(
      (u) => new ScenarioError(`${u.detail}; expected the name of an agent or variant, or a glob matching one`, u.place),
    ),
  };
}

function readYaml(text: string, file: string): { raws: RawScenario[]; errors: UserError[] } {
  const src = parseYamlSource(text);
  if (isYamlError(src)) {
    // The first error only: the parser's later ones are usually the same mistake seen again.
    const e = explainYamlError(text, src.errors[0]!);
    return { raws: [], errors: [new ScenarioError(`broken YAML: ${e.message}`, { file, line: e.line, column: e.column })] };
  }
  const data = src.data;
  const at =
    (prefix: PropertyKey[]) =>
    (p: readonly PropertyKey[]): Place => {
      const full = [...prefix, ...p];
      return { file, field: formatPath(full) || undefined, ...src.placeOf(full) };
    };
  const keyAt =
    (prefix: PropertyKey[]) =>
    (p: readonly PropertyKey[]): Place => ({ ...at(prefix)(p.slice(0, -1)), ...src.keyPlaceOf([...prefix, ...p]) });
  if (data && typeof data === 'object' && !Array.isArray(data) && 'scenarios' in data) {
    const list = (data as { scenarios: unknown }).scenarios;
    const extra = Object.keys(data).filter((k) => k !== 'scenarios');
    if (!Array.isArray(list) || list.length === 0 || extra.length) {
      const why = extra.length
        ? `unknown field${extra.length > 1 ? 's' : ''} ${extra.map((k) => `"${k}"`).join(', ')} beside "scenarios"`
        : 'expected "scenarios" to be a non-empty list';
      return { raws: [], errors: [new ScenarioError(why, at([])(extra.length ? [extra[0]!] : ['scenarios']))] };
    }
    return {
      raws: list.map((item, i) => ({
        data: item,
        file,
        line: src.placeOf(['scenarios', i, 'id']).line ?? 1,
        placeOf: at(['scenarios', i]),
        keyPlaceOf: keyAt(['scenarios', i]),
      })),
      errors: [],
    };
  }
  if (data === null || data === undefined)
    return { raws: [], errors: [new ScenarioError('empty scenario file; expected a scenario or a "scenarios:" list', { file, line: 1 })] };
  return { raws: [{ data, file, line: src.placeOf(['id']).line ?? 1, placeOf: at([]), keyPlaceOf: keyAt([]) }], errors: [] };
}

function readCsv(text: string, file: string): { raws: RawScenario[]; errors: UserError[] } {
  const { rows, problems } = readScenarioCsv(text, file);
  return {
    raws: rows.map((r) => ({ data: r.data, file, line: r.line, row: r.row, placeOf: r.placeOf })),
    errors: problems.map((p) => new ScenarioError(p.message, p.place)),
  };
}

/** One zod issue as a one-line error at its place, with the closest kind for an unknown `type`. */
function issueError(issue: z.core.$ZodIssue, raw: RawScenario): UserError {
  const place =
    issue.code === 'unrecognized_keys' && raw.keyPlaceOf ? raw.keyPlaceOf([...issue.path, issue.keys[0]!]) : raw.placeOf(issue.path);
  if (issue.code === 'invalid_union' && 'discriminator' in issue && issue.discriminator === 'type') {
    const given = (issue.input as { type?: unknown } | undefined)?.type;
    const message =
      typeof given === 'string'
        ? `unknown assertion kind "${given}"${didYouMean(given, ASSERTION_KINDS)}`
        : `missing assertion "type"; expected one of ${ASSERTION_KINDS.join(', ')}`;
    return new ScenarioError(message, place);
  }
  if (raw.row !== undefined && issue.code === 'invalid_type' && issue.input === undefined) {
    return new ScenarioError(
      `empty cell; expected ${issue.expected === 'array' ? 'at least one assertion column filled in' : `a ${issue.expected}`}`,
      place,
    );
  }
  return new ScenarioError(describeIssueText(issue, Scenario), place);
}

async function normalize(s: Scenario, raw: RawScenario, root: string): Promise<LoadedScenario> {
  const messages: Message[] = s.messages ?? [{ role: 'user', content: s.request! }];
  const vars = Object.fromEntries(Object.entries(s.vars).map(([k, v]) => [k, String(v)]));
  const assert = withIds(s.assert, raw);
  const dir = path.dirname(path.join(root, raw.file));
  const errors: UserError[] = [];
  const resolveSide = async (side: 'pass' | 'fail') =>
    Promise.all(
      (s.examples?.[side] ?? []).map(async (example, i) => {
        try {
          return await resolveExample(example, dir, root, `${side}[${i}]`);
        } catch (err) {
          if (!isUserError(err)) throw err;
          errors.push(new ScenarioError(err.detail, raw.placeOf(['examples', side, i])));
          return undefined;
        }
      }),
    );
  const pass = await resolveSide('pass');
  const fail = await resolveSide('fail');
  const workspace = s.workspace
    ? await loadWorkspace(s.workspace, dir, root, fileContainsTargets(s.assert)).catch((err: unknown) => {
        if (!isUserError(err)) throw err;
        errors.push(new ScenarioError(err.detail, raw.placeOf(['workspace'])));
        return undefined;
      })
    : undefined;
  const peers = await loadPeers(s.peers, raw, dir, root, errors);
  if (errors.length) throw new UserErrors(errors);
  const present = (xs: Array<ReferenceAnswer | undefined>) => xs.filter((x): x is ReferenceAnswer => x !== undefined);
  return {
    id: s.id,
    title: s.title,
    agents: s.agent === undefined ? undefined : Array.isArray(s.agent) ? s.agent : [s.agent],
    tags: s.tags,
    messages,
    vars,
    weight: s.weight,
    threshold: s.threshold,
    assert,
    examples: { pass: present(pass), fail: present(fail) },
    file: raw.file,
    line: raw.line,
    ...(raw.row !== undefined ? { row: raw.row } : {}),
    ...(workspace ? { workspace } : {}),
    allowBash: s.allow.includes('bash'),
    ...(peers.length ? { peers } : {}),
    agentic: workspace !== undefined || peers.length > 0 || assert.some((a) => TRAJECTORY_KINDS.includes(a.type)),
    // The workspace and the peers are part of what is asked: a changed file in either is a changed scenario.
    hash: sha256(
      canonicalJson({
        messages,
        vars,
        ...(workspace ? { workspace: workspace.files, allow: s.allow } : {}),
        ...(peers.length ? { peers: Object.fromEntries(peers.map((p) => [p.file, p.fileText])) } : {}),
      }),
    ),
    assertionsHash: sha256(canonicalJson({ assert, threshold: s.threshold ?? null })),
  };
}

/** Gives every assertion an id: the one written, else `<kind>-<value slug>`, made unique with `-2`, `-3`… */
function withIds(list: Assertion[], raw: RawScenario): NormalizedAssertion[] {
  const explicit = new Map<string, number>();
  const errors: UserError[] = [];
  list.forEach((a, i) => {
    if (!a.id) return;
    const first = explicit.get(a.id);
    if (first !== undefined)
      errors.push(new ScenarioError(`duplicate assertion id "${a.id}" (also assert[${first}])`, raw.placeOf(['assert', i, 'id'])));
    else explicit.set(a.id, i);
  });
  if (errors.length) throw new UserErrors(errors);
  const used = new Set(explicit.keys());
  return list.map((a) => {
    if (a.id) return { ...a, id: a.id };
    const base = deriveId(a);
    let id = base;
    for (let n = 2; used.has(id); n++) id = `${base}-${n}`;
    used.add(id);
    return { ...a, id };
  });
}

/** `mentions: [JWT, OAuth2]` → `mentions-jwt-oauth2`; `word-count` → `word-count`. */
function deriveId(a: Assertion): string {
  const raw =
    'value' in a && a.value !== undefined ? a.value : 'tool' in a ? [a.tool, a.pattern ?? ''].join(' ') : 'file' in a ? a.file : '';
  const value = Array.isArray(raw) ? raw.join(' ') : String(raw);
  const slug = value
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  const short = slug.length > 32 ? slug.slice(0, 32).replace(/-[^-]*$/, '') : slug;
  return short ? `${a.type}-${short}` : a.type;
}

async function resolveExample(example: Example, dir: string, root: string, fallback: string): Promise<ReferenceAnswer> {
  const asFile =
    typeof example === 'string'
      ? /^[^\n]+\.md$/i.test(example.trim())
        ? example.trim()
        : undefined
      : 'file' in example
        ? example.file
        : undefined;
  const label = typeof example === 'object' && example.label ? example.label : undefined;
  const trajectory = typeof example === 'object' && example.trajectory ? await loadTrajectory(example.trajectory, dir, root) : undefined;
  const withTrajectory = trajectory ? { trajectory } : {};
  if (asFile === undefined) {
    const text = typeof example === 'string' ? example : 'text' in example ? example.text : '';
    return { label: label ?? fallback, text: text.trim(), ...withTrajectory };
  }
  const abs = path.resolve(dir, asFile);
  const shown = relPath(root, abs);
  const bytes = await readInputFile(abs, shown, { missing: `not found; expected the reference answer file "${asFile}"` });
  return { label: label ?? shown, text: stripCalibrationHeader(decodeText(bytes, shown)), ...withTrajectory };
}

/** A reference trajectory (JSON, validated like a recorded one). */
async function loadTrajectory(file: string, dir: string, root: string): Promise<TrajectoryRecord> {
  const abs = path.resolve(dir, file);
  const shown = relPath(root, abs);
  const text = decodeText(
    await readInputFile(abs, shown, { missing: `not found; expected the reference trajectory file "${file}"` }),
    shown,
  );
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new ScenarioError(`${shown}: broken JSON: ${(err as Error).message}`);
  }
  const parsed = Trajectory.safeParse(json, { reportInput: true });
  if (!parsed.success)
    throw new ScenarioError(describeIssueText(parsed.error.issues[0]!, Trajectory), {
      file: shown,
      field: formatPath(parsed.error.issues[0]!.path) || undefined,
    });
  return parsed.data;
}

/** Most files a workspace may hold, and bytes per file: a workspace is a small repository, copied per cell. */
const MAX_WORKSPACE_FILES = 500;

/**
 * A scenario's workspace folder: it must be inside the project. It is a repository (binary files are normal): each
 * file is hashed as it is read, in chunks, and only the files a `file-contains` assertion reads are kept as text,
 * so a workspace of hundreds of megabytes costs hashes, not memory. A FIFO, socket or device is refused by name
 * (no cell could copy it).
 */
export async function loadWorkspace(relDir: string, dir: string, root: string, reads: readonly string[]): Promise<ScenarioWorkspace> {
  const abs = path.resolve(dir, relDir);
  const shown = relPath(root, abs);
  if (shown.startsWith('..') || path.isAbsolute(shown))
    throw new ScenarioError(`${relDir}: outside the project; expected a folder next to the scenario file`);
  const info = await stat(abs).catch(() => undefined);
  if (!info?.isDirectory())
    throw new ScenarioError(`${relDir}: not found; expected a folder next to the scenario file (e.g. workspaces/my-service)`);
  const files: Record<string, string> = {};
  const entries = await readdir(abs, { recursive: true, withFileTypes: true });
  for (const e of entries.sort((a, b) => path.join(a.parentPath, a.name).localeCompare(path.join(b.parentPath, b.name)))) {
    const full = path.join(e.parentPath, e.name);
    const rel = path.relative(abs, full).split(path.sep).join('/');
    if (e.isDirectory()) continue;
    if (Object.keys(files).length >= MAX_WORKSPACE_FILES)
      throw new ScenarioError(`${relDir}: more than ${MAX_WORKSPACE_FILES} files; a workspace is a small repository`);
    if (e.isSymbolicLink()) files[rel] = `symlink ${await readlink(full)}`;
    else if (e.isFile()) files[rel] = `sha256 ${await hashFile(full, `${shown}/${rel}`)}`;
    else
      throw new ScenarioError(
        `${shown}/${rel}: a ${e.isFIFO() ? 'FIFO' : e.isSocket() ? 'socket' : 'device'}; expected files, folders and symlinks in a workspace (a cell copies it)`,
      );
  }
  const texts: Record<string, string> = {};
  for (const rel of reads)
    if (files[rel]?.startsWith('sha256 '))
      texts[rel] = decodeText(await readInputFile(path.join(abs, rel), `${shown}/${rel}`), `${shown}/${rel}`);
  return { dir: shown, files, texts };
}

/** The workspace files `file-contains` assertions read (their text is kept for the files the agent leaves alone). */
function fileContainsTargets(assert: readonly Assertion[]): string[] {
  return [...new Set(assert.flatMap((a) => (a.type === 'file-contains' ? [a.file] : [])))];
}

/** sha256 of a file, read in chunks; a file that cannot be read is one line naming it. */
async function hashFile(abs: string, shown: string): Promise<string> {
  const hash = createHash('sha256');
  try {
    for await (const chunk of createReadStream(abs)) hash.update(chunk as Buffer);
  } catch (err) {
    throw new ScenarioError(`${shown}: cannot read the file (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  return hash.digest('hex');
}

/**
 * A scenario's `peers:`: agent files next to it, read and checked by the agent loader. Each problem is
 * one error at `peers[i]` naming the peer file's own place; names must be unique, and a peer must be one
 * OpenCode can delegate to (its task tool offers no `mode: primary` agent).
 */
async function loadPeers(files: string[], raw: RawScenario, dir: string, root: string, errors: UserError[]): Promise<AgentVariant[]> {
  const peers: AgentVariant[] = [];
  for (const [i, file] of files.entries()) {
    const at = raw.placeOf(['peers', i]);
    try {
      const peer = await loadPeer(file, dir, root);
      const twin = peers.find((p) => p.name === peer.name);
      if (twin) errors.push(new ScenarioError(`${peer.file}: peer name "${peer.name}" is also the name of ${twin.file}`, at));
      else peers.push(peer);
    } catch (err) {
      if (!isUserError(err)) throw err;
      errors.push(new ScenarioError(err.detail, at));
    }
  }
  return peers;
}

async function loadPeer(file: string, dir: string, root: string): Promise<AgentVariant> {
  const abs = path.resolve(dir, file);
  const shown = relPath(root, abs);
  if (shown.startsWith('..') || path.isAbsolute(shown))
    throw new ScenarioError(`${file}: outside the project; expected an agent file next to the scenario file`);
  const bytes = await readInputFile(abs, shown, { missing: `not found; expected the peer agent file "${file}"` });
  const read = parseAgentFile(bytes, { file: shown, id: path.basename(abs).replace(/\.md$/i, '') });
  const problem = read.problems.find((p) => p.severity === 'error');
  if (problem) {
    const { file: where, line, column, field } = problem;
    throw new ScenarioError(`${formatPlace({ file: where, line, column, field })}${problem.message}`);
  }
  const peer = read.variant!;
  if (peer.mode === 'primary')
    throw new ScenarioError(
      `${formatPlace({ file: shown, line: peer.lines.mode, field: 'mode' })}a peer is delegated to; expected "subagent" or "all", got "primary"`,
    );
  return peer;
}

/** Reference answers start with an HTML comment labelling them as calibration material; it is not part of the answer. */
function stripCalibrationHeader(text: string): string {
  return text.replace(/^\s*<!--[\s\S]*?-->\s*/, '').trim();
}

function duplicateIds(scenarios: LoadedScenario[]): UserError[] {
  const seen = new Map<string, LoadedScenario>();
  const errors: UserError[] = [];
  for (const s of scenarios) {
    const first = seen.get(s.id);
    if (!first) {
      seen.set(s.id, s);
      continue;
    }
    errors.push(
      new ScenarioError(`duplicate scenario id "${s.id}", also defined at ${where(first)}`, {
        file: s.file,
        ...(s.row !== undefined ? { row: s.row } : { line: s.line }),
        field: 'id',
      }),
    );
  }
  return errors;
}

const where = (s: LoadedScenario) => (s.row !== undefined ? `${s.file}:row ${s.row}` : `${s.file}:${s.line}`);

/**
 * Each `agent:` entry that matches no agent or variant, placed where it is written (`agent` or
 * `agent[i]`, on its line or CSV row): a warning, or with `--ci` an error (the scenario would silently
 * not run).
 */
function unmatchedAgents(
  scenarios: LoadedScenario[],
  agentNames: string[],
  places: Map<LoadedScenario, (index: number) => Place>,
): Array<{ place: Place; detail: string; scenarioId: string }> {
  const out: Array<{ place: Place; detail: string; scenarioId: string }> = [];
  for (const s of scenarios) {
    for (const [i, pattern] of (s.agents ?? []).entries()) {
      if (agentNames.some((name) => name === pattern || picomatch.isMatch(name, pattern))) continue;
      const written = places.get(s)?.(i) ?? { file: s.file, line: s.line };
      // The line (or row) is the place; a column inside a flow list would only add noise.
      const { column: _column, ...place } = written;
      out.push({ place, detail: `"${pattern}" matches no agent or variant${didYouMean(pattern, agentNames)}`, scenarioId: s.id });
    }
  }
  return out;
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** JSON with object keys sorted, so that equal data hashes equally whatever the key order. */
function canonicalJson(value: unknown): string {
  return stableJson(value);
}
