/**
 * The control arm's names (issue 28): with `control:` on, each agent gets one extra variant, the bare
 * model with no agent prompt, whose id is `<agent>@control` and whose label in reports is `(no agent)`.
 * The suffix is reserved: a loaded variant whose id ends with it is refused (`plan/control-variants.ts`),
 * so an id with the suffix is always a control, in this run and in any run read back later.
 */

export const CONTROL_SUFFIX = '@control';
export const CONTROL_LABEL = '(no agent)';

/** @example controlVariantId('reviewer') // 'reviewer@control' */
export function controlVariantId(agent: string): string {
  return `${agent}${CONTROL_SUFFIX}`;
}

/** @example isControlVariantId('reviewer@control') // true */
export function isControlVariantId(variantId: string): boolean {
  return variantId.endsWith(CONTROL_SUFFIX);
}
