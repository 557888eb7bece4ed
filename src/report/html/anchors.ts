/**
 * Element ids shared by the parts of the HTML report that link to each other (gate rows → drill-down
 * cells, gate rows → prompt diffs, the table of contents → sections). One function per target, so a
 * link and its target can never disagree. Ids are attribute- and URL-safe whatever the input holds.
 */

/** FNV-1a, 32 bits, base 36: enough to keep two ids apart when their slugs collide. */
function shortHash(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0).toString(36);
}

const slug = (text: string) => text.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 40);

const id = (prefix: string, parts: string[]) => `${prefix}-${slug(parts[0]!)}-${shortHash(parts.join('\u0000'))}`;

/** @example scenarioAnchor('scenario-3') // 's-scenario-3-1x2y3z' */
export const scenarioAnchor = (scenarioId: string) => id('s', [scenarioId]);

/** One variant × model of one scenario in the drill-down. */
export const cellAnchor = (scenarioId: string, variantId: string, model: string) => id('c', [scenarioId, variantId, model]);

/** A variant's prompt diff against the baseline's prompt. */
export const promptDiffAnchor = (variantId: string) => id('pd', [variantId]);

/** A gate row (variant × model). */
export const gateRowAnchor = (variantId: string, model: string) => id('g', [variantId, model]);

/** A routing suite × variant × model's figures, in the Routing section. */
export const routingAnchor = (suite: string, variantId: string, model: string) => id('r', [suite, variantId, model]);
