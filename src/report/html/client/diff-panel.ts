import { diffWords } from './word-diff.ts';

/**
 * Fills the compare panel (`#cmp`) with the word diff of two answers and shows it. Built from text nodes
 * and `textContent` only: an answer is model output and never becomes markup.
 */
export function showWordDiff(panel: HTMLElement, before: string, after: string): void {
  const out = panel.querySelector('.difftext');
  if (!out) return;
  out.textContent = '';
  for (const part of diffWords(before, after)) {
    if (part.kind === 'same') {
      out.appendChild(document.createTextNode(part.text));
    } else {
      const mark = document.createElement(part.kind);
      mark.textContent = part.text;
      out.appendChild(mark);
    }
  }
  panel.hidden = false;
}
