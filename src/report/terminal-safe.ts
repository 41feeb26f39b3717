/**
 * Text from nodes (command output, file contents, error messages) must not drive the
 * terminal that shows it: an escape sequence could write the clipboard (OSC 52), move the
 * cursor and repaint `fatal:` as `ok:`, or retitle the window. Every reporter writes content
 * through this: C0 controls except newline, DEL, C1 controls and the Unicode bidirectional
 * overrides become visible escapes (`\x1b`, `\u202e`), so they are shown, never obeyed.
 */

const CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

function visible(c: string): string {
  const code = c.charCodeAt(0);
  return code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

export function escapeControls(text: string): string {
  return text.replace(CONTROL, visible);
}

/**
 * For JSON lines: JSON.stringify already escapes C0 controls, but leaves DEL, C1 controls
 * and bidi overrides as they are. They can only occur inside JSON strings, where `\uXXXX`
 * is the same character to a JSON reader.
 */
export function escapeJsonControls(json: string): string {
  return json.replace(/[\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
