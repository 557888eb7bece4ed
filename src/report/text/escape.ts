/**
 * Escaping for untrusted text (model output, reasons, ids). Every renderer goes through these:
 * one function per output language, so there is exactly one place to get it right.
 */

const HTML: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** C0 controls but tab and newline, DEL, C1 controls, and the bidi embeddings, overrides and isolates. */
const CONTROLS = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069]/g;

/**
 * Shows control characters in untrusted text instead of passing them on: a C0 control (ESC, CR, NUL…)
 * becomes its Unicode control picture (`␛`), DEL `␡`, and a C1 control or a bidi override/isolate (which
 * could reorder or hide what a reader sees) `\u202e`-style text. Tab and newline stay. Every output
 * (HTML, Markdown, JUnit XML, console) goes through it, so a terminal never receives an escape sequence
 * and a reader sees that the bytes were there.
 *
 * @example
 * showControls('evil\u001b[31m.txt') // 'evil␛[31m.txt'
 * showControls('a\u202Eb') // 'a\\u202eb'
 */
export function showControls(text: unknown): string {
  return String(text).replace(CONTROLS, (c) => {
    const code = c.charCodeAt(0);
    if (code < 0x20) return String.fromCharCode(0x2400 + code);
    if (code === 0x7f) return '\u2421';
    return `\\u${code.toString(16).padStart(4, '0')}`;
  });
}

/**
 * Escapes text for HTML element content and quoted attribute values.
 *
 * @example
 * escapeHtml('<img src=x onerror="a()">') // '&lt;img src=x onerror=&quot;a()&quot;&gt;'
 */
export function escapeHtml(text: unknown): string {
  return showControls(text).replace(/[&<>"']/g, (c) => HTML[c]!);
}

/**
 * Escapes text for XML content and attributes. Control characters are shown (`showControls`); what
 * XML 1.0 still forbids (lone surrogates, U+FFFE/U+FFFF) cannot be escaped at all and becomes U+FFFD.
 *
 * @example
 * escapeXml('a < b & "c"') // 'a &lt; b &amp; &quot;c&quot;'
 */
export function escapeXml(text: unknown): string {
  return showControls(text)
    .replace(
      /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g,
      '\uFFFD',
    )
    .replace(/[&<>"']/g, (c) => (c === "'" ? '&apos;' : HTML[c]!));
}

/**
 * Escapes a Markdown table cell: pipes and line breaks would break the table, and `<` would let
 * HTML through in GitHub comments.
 *
 * @example
 * escapeMarkdownCell('a|b\nc') // 'a\\|b c'
 */
export function escapeMarkdownCell(text: unknown): string {
  return showControls(text)
    .replace(/\s+/g, ' ')
    .replace(/[\\`*_[\]|<>]/g, (c) => (c === '<' ? '&lt;' : c === '>' ? '&gt;' : `\\${c}`));
}
