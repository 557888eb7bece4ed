import type { Context } from '../context.ts';
import { ProviderUnavailableError } from '../errors.ts';
import type { GraderPanel } from '../schema/graders.ts';
import type { ResolvedModel } from '../schema/models.ts';
import type { RunMeta } from '../schema/run-meta.ts';
import { checkModel, type Readiness } from './credentials.ts';

/** A model that cannot run here, and why. */
export type Unavailable = [label: string, readiness: Extract<Readiness, { ok: false }>];

const PROBE_TIMEOUT_MS = 15_000;

/**
 * Which models can run here, each checked once before any call (none on replay). With `ci` or on a
 * record run, one that cannot is an error.
 *
 * @example
 * const readiness = await probeModels(ctx, { models, graders: plan.grader?.members ?? [], mode: 'live', timeoutMs: 60_000 });
 */
export async function probeModels(
  ctx: Context,
  input: { models: Iterable<ResolvedModel>; graders: readonly ResolvedModel[]; mode: RunMeta['mode']; ci?: boolean; timeoutMs: number },
): Promise<Map<string, Readiness>> {
  const { mode, ci } = input;
  const readiness = new Map<string, Readiness>();
  if (mode === 'replay') return readiness;
  const models = [...new Map([...input.models].map((m) => [m.label, m])).values()];
  // The eval's patience, up to 15 s an attempt: a listing endpoint answers fast when a server is there,
  // and a closed network must not hold the eval for three whole model timeouts.
  const timeoutMs = Math.min(input.timeoutMs, PROBE_TIMEOUT_MS);
  const probe = async (m: ResolvedModel) => readiness.set(m.label, await checkModel(m, { env: ctx.env, timeoutMs }));
  await Promise.all([...models, ...input.graders].map(probe));
  const unavailable = unavailableOf(readiness);
  for (const [label, r] of unavailable) ctx.err(`model ${label}: cannot run: ${r.reason}; ${r.howTo}`);
  if ((ci || mode === 'record') && unavailable.length > 0) {
    const why = ci ? 'a gate that runs nothing is worse than none' : 'a record run takes fresh answers, never old recordings';
    throw new ProviderUnavailableError(
      `${ci ? '--ci' : '--record'}: ${unavailable.length} configured model(s) cannot run (${unavailable.map(([l]) => l).join(', ')}); ${why}`,
    );
  }
  return readiness;
}

/** The models the probes found cannot run. */
export function unavailableOf(readiness: Map<string, Readiness>): Unavailable[] {
  return [...readiness].filter((e): e is Unavailable => !e[1].ok);
}

/** A panel grades only whole: a rubric decided by the graders that happened to run is not the verdict configured. */
export function graderCanRun(grader: GraderPanel | undefined, mode: RunMeta['mode'], readiness: Map<string, Readiness>): boolean {
  return grader ? mode === 'replay' || grader.members.every((m) => readiness.get(m.label)?.ok === true) : false;
}
