import { describe, expect, it } from 'vitest';
import { stripControl, stripProgress } from './console-text.ts';

describe('stripControl', () => {
  it('removes ESC, BEL, backspace, carriage return, DEL and C1 controls; keeps tab, newline and other text', () => {
    expect(stripControl('a\u001b[2J\u001b]0;t\u0007b\bc\rd\u007fe\u009bf\tg\nh é ★')).toBe('a[2J]0;tbcdef\tg\nh é ★');
  });
});

describe('stripProgress', () => {
  it("keeps the bar's carriage return and colour / erase-line sequences, removes the rest", () => {
    expect(stripProgress('\r\u001b[32m[##..]\u001b[0m 2/4\u001b[K')).toBe('\r\u001b[32m[##..]\u001b[0m 2/4\u001b[K');
    expect(stripProgress('\rx\u001b]0;title\u0007y\u001b[2Jz\n')).toBe('\rx]0;titley[2Jz\n');
  });
});
