import { describe, expect, it } from 'vitest';
import { escapeHtml, escapeMarkdownCell, escapeXml, showControls } from './escape.ts';
import { html } from '../html/html-tag.ts';

describe('escaping', () => {
  it('escapes the five HTML specials', () => {
    expect(escapeHtml(`<a href="x" title='y'>&</a>`)).toBe('&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;');
  });

  it('escapes XML and replaces characters XML 1.0 cannot hold', () => {
    expect(escapeXml(`a<b>&"c"'\u0000\u0007\uD800x\n\t`)).toBe('a&lt;b&gt;&amp;&quot;c&quot;&apos;␀␇\uFFFDx\n\t');
    expect(escapeXml('😀')).toBe('😀');
  });

  it('keeps Markdown table cells on one line and inert', () => {
    expect(escapeMarkdownCell('a|b\nc <b>*x*</b>')).toBe('a\\|b c &lt;b&gt;\\*x\\*&lt;/b&gt;');
  });

  it('shows control characters instead of passing them on, in every output language (issue 29, item 6)', () => {
    const name = 'notes\u001b[2J\u0007.txt';
    expect(showControls(name)).toBe('notes␛[2J␇.txt');
    expect(showControls('a\u007fb\u009bc\u202Ed\u2066e\u2069f\u200Fg')).toBe('a␡b\\u009bc\\u202ed\\u2066e\\u2069f\u200Fg');
    expect(showControls('line 1\n\tline 2\r\n')).toBe('line 1\n\tline 2␍\n');
    expect(showControls(showControls(name))).toBe(showControls(name));
    for (const out of [escapeHtml(name), escapeMarkdownCell(name), escapeXml(name), html`<p>${name}</p>`.value]) {
      expect(out).toMatch(/␛\\?\[2J␇/);
      expect(out).not.toMatch(/[\u0000-\u0008\u000B-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069]/);
    }
  });

  it('the html tag escapes interpolations unless they are html fragments', () => {
    const evil = '<script>x</script>';
    expect(html`<p>${evil}</p>`.value).toBe('<p>&lt;script&gt;x&lt;/script&gt;</p>');
    expect(html`<ul>${['<a>', 'b'].map((i) => html`<li>${i}</li>`)}</ul>`.value).toBe('<ul><li>&lt;a&gt;</li><li>b</li></ul>');
    expect(html`${null}${undefined}${false}${0}`.value).toBe('0');
  });
});
