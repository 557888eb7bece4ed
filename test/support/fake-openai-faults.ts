/**
 * Deterministic fault choice for the fake OpenAI server (issue 7). Pure: given the profile, the
 * request's arrival index among targeted requests and its context, say which fault (if any) to inject.
 */
import { FAULT_KINDS, type FaultKind, type FaultProfile, type ReplyContext } from './fake-openai-types.ts';

/** mulberry32: a tiny, well-mixed 32-bit PRNG; one draw per (seed, index) keeps faults order-stable. */
function unitFromSeed(seed: number, index: number): number {
  let t = (Math.imul(seed | 0, 0x9e3779b1) ^ Math.imul(index + 1, 0x85ebca6b)) >>> 0;
  t = (t + 0x6d2b79f5) >>> 0;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}

/** Throws when rates are negative, unknown, or add up to more than 1 (a typo should fail loudly). */
export function validateFaultProfile(profile: FaultProfile): void {
  const rates = profile.rates ?? {};
  let sum = 0;
  for (const [kind, rate] of Object.entries(rates)) {
    if (!(FAULT_KINDS as readonly string[]).includes(kind)) {
      throw new Error(`fake-openai: unknown fault kind "${kind}" (expected one of ${FAULT_KINDS.join(', ')})`);
    }
    if (typeof rate !== 'number' || !(rate >= 0 && rate <= 1)) {
      throw new Error(`fake-openai: fault rate for "${kind}" must be a number in 0..1, got ${String(rate)}`);
    }
    sum += rate;
  }
  if (sum > 1 + 1e-9) throw new Error(`fake-openai: fault rates add up to ${sum}, more than 1`);
}

/**
 * The fault for the `index`-th targeted request, or null to answer normally.
 *
 * @example
 * pickFault({ rates: { 'server-error': 0.3 }, seed: 7 }, 12, ctx) // same answer every time
 */
export function pickFault(profile: FaultProfile, index: number, ctx: ReplyContext): FaultKind | null {
  const { schedule } = profile;
  if (typeof schedule === 'function') return schedule(index, ctx);
  if (schedule) return schedule[index] ?? null;
  const draw = unitFromSeed(profile.seed ?? 0, index);
  let edge = 0;
  for (const kind of FAULT_KINDS) {
    edge += profile.rates?.[kind] ?? 0;
    if (draw < edge) return kind;
  }
  return null;
}

/** Uniform spread of `total` faults over kinds, e.g. "30% faults" split evenly across all kinds. */
export function evenRates(total: number, kinds: readonly FaultKind[] = FAULT_KINDS): Partial<Record<FaultKind, number>> {
  return Object.fromEntries(kinds.map((kind) => [kind, total / kinds.length]));
}
