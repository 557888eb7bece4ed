/** The key of one variant × model × scenario, shared by the deltas, the answer sample and the baseline's answers. */
export const deltaKey = (variantId: string, model: string, scenarioId: string) => `${variantId}\u0000${model}\u0000${scenarioId}`;
