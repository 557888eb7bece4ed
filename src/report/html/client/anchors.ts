/**
 * Opens every `<details>` around the element a `#hash` names, then scrolls to it: the drill-downs (a
 * scenario, a cell, a folded prompt) start closed, and some browsers jump to an anchor inside a closed
 * `<details>` without opening it.
 */
function openAnchor(hash: string): void {
  const target = document.getElementById(decodeURIComponent(hash.slice(1)));
  for (let el: HTMLElement | null = target; el; el = el.parentElement) if (el instanceof HTMLDetailsElement) el.open = true;
  target?.scrollIntoView();
}

/**
 * Opens the target of the page's address on load and on every hash change, and on a click on an in-page
 * link already in the address (which changes no hash, so fires no `hashchange`).
 */
export function followAnchors(): void {
  window.addEventListener('hashchange', () => openAnchor(location.hash));
  document.addEventListener('click', (event) => {
    const link = event.target instanceof Element ? event.target.closest<HTMLAnchorElement>('a[href^="#"]') : null;
    if (link && link.hash === location.hash) openAnchor(link.hash);
  });
  if (location.hash) openAnchor(location.hash);
}
