import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import * as z from 'zod';
import { DataFileError } from '../errors.ts';
import { Trajectory } from '../schema/trajectory.ts';
import { writeFileAtomic } from '../io/fs/atomic-write.ts';
import { issueAt } from '../shared/issue-text.ts';
import { redactDeep, redactSecrets } from '../shared/secrets.ts';
import type { ResolvedModel } from '../schema/models.ts';
import { modelEntry, recordingHash, type RecordingKey, samplingParams } from '../plan/recording-key.ts';
import { stableJson } from '../shared/stable-json.ts';
export { samplingParams, recordingHash, type RecordingKey } from '../plan/recording-key.ts';

/**
 * Recorded model answers under `evals/recordings/`, one JSON file per request, keyed by a hash of the
 * whole model entry that decides the answer (provider id and runtime, label, endpoint, the headers and
 * sampling parameters that reach the model), the messages and the repeat index: two entries of one id on
 * two servers record and replay apart. Human-readable, stable key order, no secrets (API keys, URL
 * credentials and secret-named headers are not part of the key or the file). Nothing of when or where it
 * was recorded either (no time, latency, run, cell or local path: trajectories come with paths relative
 * to the workspace), so the same answer is the same bytes on any run or machine.
 *
 * Recordings of earlier versions were keyed by provider id and sampling parameters alone (no `model` in
 * the file): they still replay for the entry they can only have come from, never for twins, which shared
 * (and overwrote) one such file. A live run records the new key beside them.
 */

const Recording = z.strictObject({
  version: z.literal(1),
  hash: z.string(),
  provider: z.string(),
  /** The model entry beyond its id; absent in recordings of earlier versions. */
  model: z
    .strictObject({ label: z.string(), endpoint: z.string().optional(), headers: z.record(z.string(), z.string()).optional() })
    .optional(),
  params: z.record(z.string(), z.unknown()),
  repeat: z.number().int().nonnegative(),
  /** sha256 of the prompt, plus its last user turn for humans reading a diff. */
  promptHash: z.string(),
  lastUserMessage: z.string(),
  response: z.strictObject({
    output: z.string(),
    tokenUsage: z.strictObject({ prompt: z.number(), completion: z.number(), total: z.number() }).optional(),
    cost: z.number().optional(),
    /** Written by earlier versions only: a latency is not part of the answer. */
    latencyMs: z.number().optional(),
    /** Agent runtimes: what the agent did, replayed with the answer. */
    trajectory: Trajectory.optional(),
    /** Agent runtimes: the bound of the cell the agent reached (maxTurns, requests, wall time); the cell fails on it. */
    limit: z.string().optional(),
  }),
  /** Written by earlier versions only: git says when a recording changed. */
  recordedAt: z.string().optional(),
});
type Recording = z.infer<typeof Recording>;

export class RecordingStore {
  /** Model entries (by `stableJson(modelEntry)`) that share a key of earlier versions with a twin. */
  private readonly twins: Set<string>;

  /**
   * @param secrets cut from every answer, trajectory and message written
   * @param models every model and grader of the eval config: twins among them never replay a recording of
   *   an earlier version, which could be either's
   */
  constructor(
    readonly dir: string,
    private readonly secrets: readonly string[] = [],
    models: readonly Pick<ResolvedModel, 'id' | 'label' | 'runtime' | 'config'>[] = [],
  ) {
    this.twins = twinEntries(models);
  }

  /** A recording's path as the user sees it: relative to the project root (`evals/recordings/…`). */
  private shown(file: string): string {
    return path
      .relative(path.resolve(this.dir, '..', '..'), file)
      .split(path.sep)
      .join('/');
  }

  private fileFor(hash: string, provider: string): string {
    const slug = provider.replace(/[^A-Za-z0-9._-]+/g, '_');
    return path.join(this.dir, slug, `${hash.slice(0, 24)}.json`);
  }

  /** The recording for `key`, else the one an earlier version wrote for it (keyed without the model entry), if only it can have written it. */
  async get(key: RecordingKey): Promise<Recording | undefined> {
    const found = this.read(key);
    if (found || !key.model || this.twins.has(stableJson(key.model))) return found;
    return this.read({ provider: key.provider, prompt: key.prompt, params: key.params, repeat: key.repeat });
  }

  private read(key: RecordingKey): Recording | undefined {
    const hash = recordingHash(key);
    const file = this.fileFor(hash, key.provider);
    let text: string;
    try {
      text = readRecordingFile(file);
    } catch {
      return undefined;
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (err) {
      throw new DataFileError(`broken JSON in recording: ${(err as Error).message}; delete it or re-record with --record`, {
        file: this.shown(file),
      });
    }
    const parsed = Recording.safeParse(json, { reportInput: true });
    if (!parsed.success || parsed.data.hash !== hash) {
      throw new DataFileError(
        `not a valid recording${parsed.success ? ' (hash does not match its request)' : `: ${issueAt(parsed.error.issues[0]!, Recording)}`}; delete it or re-record with --record`,
        { file: this.shown(file) },
      );
    }
    return parsed.data;
  }

  /** Whether a recording exists for `key`. A damaged recording file throws (DataFileError) instead of reading as "not recorded". */
  async has(key: RecordingKey): Promise<boolean> {
    return (await this.get(key)) !== undefined;
  }

  /**
   * Records an answer, unless the recording on disk holds the same answer already (its text, trajectory and
   * limit): then the file is left as it is, byte for byte (a re-run from promptfoo's cache, or a deterministic
   * model, changes nothing in `git status`). Returns whether it wrote.
   */
  async put(key: RecordingKey, response: Omit<Recording['response'], 'latencyMs'>): Promise<boolean> {
    const hash = recordingHash(key);
    const file = this.fileFor(hash, key.provider);
    const output = redactSecrets(response.output, this.secrets);
    const trajectory = response.trajectory ? redactDeep(response.trajectory, this.secrets) : undefined;
    const limit = response.limit === undefined ? undefined : redactSecrets(response.limit, this.secrets);
    const was = (await this.existing(file, hash))?.response;
    const same = (a: unknown, b: unknown) => stableJson(a ?? null) === stableJson(b ?? null);
    if (was?.output === output && same(was.trajectory, trajectory) && same(was.limit, limit)) return false;
    const recording: Recording = {
      version: 1,
      hash,
      provider: key.provider,
      ...(key.model ? { model: redactDeep(key.model, this.secrets) } : {}),
      params: key.params,
      repeat: key.repeat,
      promptHash: createHash('sha256').update(key.prompt).digest('hex'),
      lastUserMessage: redactSecrets(lastUserMessage(key.prompt), this.secrets),
      response: {
        output,
        ...(response.tokenUsage ? { tokenUsage: response.tokenUsage } : {}),
        ...(response.cost !== undefined ? { cost: response.cost } : {}),
        ...(trajectory ? { trajectory } : {}),
        ...(limit !== undefined ? { limit } : {}),
      },
    };
    await writeFileAtomic(file, `${stableJson(recording, 2)}\n`);
    return true;
  }

  /** The valid recording in `file`, or undefined when there is none or it is damaged (a put replaces it). */
  private async existing(file: string, hash: string): Promise<Recording | undefined> {
    try {
      const parsed = Recording.safeParse(JSON.parse(readRecordingFile(file)));
      return parsed.success && parsed.data.hash === hash ? parsed.data : undefined;
    } catch {
      return undefined;
    }
  }
}

/**
 * The model entries that share an earlier version's key (provider id and sampling parameters) with
 * another entry: that key's one recording holds whichever of them was recorded last.
 */
function twinEntries(models: readonly Pick<ResolvedModel, 'id' | 'label' | 'runtime' | 'config'>[]): Set<string> {
  const byEarlierKey = new Map<string, Set<string>>();
  for (const m of models) {
    const earlier = stableJson([m.runtime === 'chat' ? m.id : `${m.runtime}:${m.id}`, samplingParams(m.config)]);
    byEarlierKey.set(earlier, (byEarlierKey.get(earlier) ?? new Set()).add(stableJson(modelEntry(m))));
  }
  return new Set([...byEarlierKey.values()].filter((entries) => entries.size > 1).flatMap((entries) => [...entries]));
}

/**
 * A recording's text, read synchronously: a few KB, read whole in tens of microseconds, where an
 * asynchronous read costs four thread-pool round trips (open, stat, read, close). A replay reads
 * every recording twice (is it there? then its answer).
 */
function readRecordingFile(file: string): string {
  return readFileSync(file, 'utf8');
}

function lastUserMessage(prompt: string): string {
  try {
    const messages = JSON.parse(prompt) as Array<{ role: string; content: string }>;
    const last = [...messages].reverse().find((m) => m.role === 'user');
    return (last?.content ?? '').slice(0, 500);
  } catch {
    return prompt.slice(-500);
  }
}
