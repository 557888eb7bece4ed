import { describe, expect, it } from 'vitest';
import { escapeHtml, escapeMarkdownCell, escapeXml } from './escape.ts';
import { html } from './html-tag.ts';

describe('escaping', () => {
  it('escapes the five HTML specials', () => {
    expect(escapeHtml(`<a href="x" title='y'>&</a>`)).toBe('&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;');
  });

  it('escapes XML and replaces characters XML 1.0 cannot hold', () => {
    expect(escapeXml(`a<b>&"c"'\u0000\u0007\uD800x\n\t`)).toBe('a&lt;b&gt;&amp;&quot;c&quot;&apos;\uFFFD\uFFFD\uFFFDx\n\t');
    expect(escapeXml('😀')).toBe('😀');
  });

  it('keeps Markdown table cells on one line and inert', () => {
    expect(escapeMarkdownCell('a|b\nc <b>*x*</b>')).toBe('a\\|b c &lt;b&gt;\\*x\\*&lt;/b&gt;');
  });

  it('the html tag escapes interpolations unless they are html fragments', () => {
    const evil = '<script>x</script>';
    expect(html`<p>${evil}</p>`.value).toBe('<p>&lt;script&gt;x&lt;/script&gt;</p>');
    expect(html`<ul>${['<a>', 'b'].map((i) => html`<li>${i}</li>`)}</ul>`.value).toBe('<ul><li>&lt;a&gt;</li><li>b</li></ul>');
    expect(html`${null}${undefined}${false}${0}`.value).toBe('0');
  });
});
