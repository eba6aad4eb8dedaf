/**
 * Text from AWS or a fleet (hostnames, tags, error messages, execution names) made inert for a
 * terminal: a source-server hostname holding `\u001b[2J\u001b[H\u001b[32mALL SERVERS HEALTHY`
 * must not clear the operator's screen at the approval prompt and print a forged verdict. Every
 * character a terminal may act on (C0 controls but newline and tab, DEL, C1 controls, the
 * bidirectional overrides and isolates that reorder what is shown, the line and paragraph
 * separators) is shown as its `\uXXXX` escape instead. The escape is JSON's, so JSON text stays
 * valid and means the same after it. Pure.
 */

/** Characters a terminal acts on, or that change how the text around them is shown. */
const ACTIVE =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point.
  /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
/** The same, plus newline and tab: for text that must stay on one line (a table cell, a row). */
const ACTIVE_ONE_LINE =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point.
  /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

function escaped(c: string): string {
  return `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
}

/** Options of {@link inertText}. */
export interface InertTextOptions {
  /**
   * Keep newlines (and tabs) as they are: for whole messages of several lines. Off for one cell
   * or one line, so that data cannot start a line of its own.
   * @default true
   */
  readonly newlines?: boolean;
}

/**
 * The text with every terminal control shown as its `\uXXXX` escape (see the module's comment).
 *
 * @example inertText('web\u001b[2J01') // 'web\\u001b[2J01'
 * @example inertText('a\nb', { newlines: false }) // 'a\\u000ab'
 */
export function inertText(text: string, options: InertTextOptions = {}): string {
  const pattern = options.newlines === false ? ACTIVE_ONE_LINE : ACTIVE;
  pattern.lastIndex = 0;
  if (!pattern.test(text)) return text;
  pattern.lastIndex = 0;
  return text.replace(pattern, escaped);
}
