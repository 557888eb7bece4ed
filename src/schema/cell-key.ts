import { createHash } from 'node:crypto';

/** Stable cell key: same variant, model, scenario and repeat → same id, on every machine. */
export function cellKey(variantId: string, modelLabel: string, scenarioId: string, repeat: number): string {
  return createHash('sha256').update(`${variantId}\u0000${modelLabel}\u0000${scenarioId}\u0000${repeat}`).digest('hex').slice(0, 20);
}
