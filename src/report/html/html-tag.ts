import { escapeHtml } from '../text/escape.ts';

/**
 * A tagged template that escapes every interpolated value unless it is already `Html` (built by
 * this tag). Safe by default: untrusted text can only reach the page through `escapeHtml`.
 */
export class Html {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

type Part = Html | string | number | boolean | null | undefined | readonly Part[];

/**
 * @example
 * html`<td>${modelOutput}</td>`.value // '<td>&lt;script&gt;…</td>'
 * html`<ul>${items.map((i) => html`<li>${i}</li>`)}</ul>`
 */
export function html(strings: TemplateStringsArray, ...values: Part[]): Html {
  let out = strings[0]!;
  for (let i = 0; i < values.length; i++) out += render(values[i]) + strings[i + 1]!;
  return new Html(out);
}

function render(v: Part): string {
  if (v instanceof Html) return v.value;
  if (Array.isArray(v)) return v.map(render).join('');
  if (v === null || v === undefined || v === false) return '';
  return escapeHtml(v);
}

/**
 * Trusted markup that did not come from `html` (the page's own CSS and script). Never pass data here.
 */
export function trusted(markup: string): Html {
  return new Html(markup);
}
