import { showWordDiff } from './diff-panel.ts';

/** The answer shown in the repeat a "compare" box belongs to ('' when that repeat has none). */
function answerOf(pick: HTMLInputElement): string {
  return pick.closest('.rep')?.querySelector('pre.out')?.textContent ?? '';
}

/**
 * The "compare" boxes beside the answers: the last two picked (in the order picked) get a word diff in the
 * panel; a third pick unticks the oldest, and the panel's close button unticks both and hides it.
 */
export function compareTwoPicks(): void {
  let picked: HTMLInputElement[] = [];

  const update = () => {
    const panel = document.getElementById('cmp');
    if (!panel) return;
    const [first, second] = picked;
    if (!first || !second) {
      panel.hidden = true;
      return;
    }
    showWordDiff(panel, answerOf(first), answerOf(second));
  };

  document.addEventListener('change', (event) => {
    const box = event.target;
    if (!(box instanceof HTMLInputElement) || !box.closest('label.pick')) return;
    if (box.checked) {
      picked.push(box);
      if (picked.length > 2) picked.shift()!.checked = false;
    } else {
      picked = picked.filter((p) => p !== box);
    }
    update();
  });

  document.addEventListener('click', (event) => {
    if (!(event.target instanceof Element) || event.target.id !== 'cmp-x') return;
    for (const box of picked) box.checked = false;
    picked = [];
    update();
  });
}
