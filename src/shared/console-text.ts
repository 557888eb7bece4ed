/**
 * Text bound for a terminal. File names, YAML values and model answers can hold control characters
 * (ESC sequences clear the screen, retitle the window or fake output; `\r` and backspace overwrite a
 * line), so everything the CLI prints goes through one of these.
 */

// C0 controls except tab and newline, DEL, and the C1 controls (U+0080–U+009F; U+009B is a one-byte CSI).
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;
// C0 controls except tab, newline and carriage return.
const CONTROL_KEEP_CR = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/g;
// Colour (SGR) and erase-in-line: what a progress bar may draw with.
const OWN_ANSI = /\u001b\[[0-9;]*[mK]/g;

/**
 * A line for `out`/`err`: control characters removed, tab and newline kept.
 *
 * @example
 * stripControl('agents/\u001b[2Jx.md') // 'agents/[2Jx.md'
 */
export function stripControl(text: string): string {
  return text.replace(CONTROL, '');
}

/**
 * Text for the redrawn progress stream: like `stripControl`, but `\r` and colour / erase-line
 * sequences are kept (the bar redraws itself with them).
 *
 * @example
 * stripProgress('\r[##..] 2/4 cells\u001b[K') // unchanged
 */
export function stripProgress(text: string): string {
  let out = '';
  let from = 0;
  for (const m of text.matchAll(OWN_ANSI)) {
    out += text.slice(from, m.index).replace(CONTROL_KEEP_CR, '') + m[0];
    from = m.index + m[0].length;
  }
  return out + text.slice(from).replace(CONTROL_KEEP_CR, '');
}
