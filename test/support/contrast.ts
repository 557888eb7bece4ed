/**
 * WCAG contrast of every visible text element matched by `selector` (SVG text left out) against the first
 * opaque background behind it. Runs in the page: pass it to `page.evaluate` with the selector.
 * @example const { checked, low } = await page.evaluate(lowContrastTexts, '#routing *')
 */
export function lowContrastTexts(selector: string): { checked: number; low: string[] } {
  const rgb = (c: string) => (c.match(/[\d.]+/g) ?? []).map(Number);
  const lum = ([r, g, b]: number[]) =>
    [r!, g!, b!]
      .map((v) => (v / 255 <= 0.03928 ? v / 255 / 12.92 : ((v / 255 + 0.055) / 1.055) ** 2.4))
      .reduce((s, v, i) => s + v * [0.2126, 0.7152, 0.0722][i]!, 0);
  const background = (el: Element | null): number[] => {
    for (; el; el = el.parentElement) {
      const c = rgb(getComputedStyle(el).backgroundColor);
      if (c.length === 3 || (c.length === 4 && c[3]! > 0.9)) return c.slice(0, 3);
    }
    return [255, 255, 255];
  };
  const low: string[] = [];
  let checked = 0;
  for (const el of document.querySelectorAll(selector)) {
    const own = [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent!.trim());
    if (!own || !(el as HTMLElement).offsetParent || el.closest('svg')) continue;
    checked++;
    const fg = lum(rgb(getComputedStyle(el).color));
    const bg = lum(background(el));
    const ratio = (Math.max(fg, bg) + 0.05) / (Math.min(fg, bg) + 0.05);
    if (ratio < 4.5) low.push(`${el.tagName}.${el.className} "${el.textContent!.trim().slice(0, 30)}" ${ratio.toFixed(2)}:1`);
  }
  return { checked, low };
}
