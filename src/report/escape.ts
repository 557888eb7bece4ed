/**
 * Escaping for untrusted text (model output, reasons, ids). Every renderer goes through these:
 * one function per output language, so there is exactly one place to get it right.
 */

const HTML: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/**
 * Escapes text for HTML element content and quoted attribute values.
 *
 * @example
 * escapeHtml('<img src=x onerror="a()">') // '&lt;img src=x onerror=&quot;a()&quot;&gt;'
 */
export function escapeHtml(text: unknown): string {
  return String(text).replace(/[&<>"']/g, (c) => HTML[c]!);
}

/**
 * Escapes text for XML content and attributes. Characters XML 1.0 forbids (most C0 controls, lone
 * surrogates) cannot be escaped at all, so they are replaced with U+FFFD.
 *
 * @example
 * escapeXml('a < b & "c"') // 'a &lt; b &amp; &quot;c&quot;'
 */
export function escapeXml(text: unknown): string {
  return String(text)
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
  return String(text)
    .replace(/\s+/g, ' ')
    .replace(/[\\`*_[\]|<>]/g, (c) => (c === '<' ? '&lt;' : c === '>' ? '&gt;' : `\\${c}`));
}
