/**
 * Text quoted from a node (error messages, bodies, names) is hostile: an ANSI sequence can clear
 * the terminal and print a fake green result, a newline can start a fake line, Markdown or HTML
 * can draw a fake summary. Reporters pass every such string through these before printing it.
 */

/**
 * C0 and C1 controls (ESC, CSI, CR, LF, …), DEL, line and paragraph separators, and bidi controls
 * (which reorder what a reader sees): none belongs in a one-line quote.
 */
// eslint-disable-next-line no-control-regex
const UNPRINTABLE = /[\u0000-\u001F\u007F-\u009F\u061C\u200E\u200F\u2028\u2029\u202A-\u202E\u2066-\u2069]/g;

function visible(c: string): string {
  const code = c.charCodeAt(0);
  if (c === '\n') return '\\n';
  if (c === '\r') return '\\r';
  if (c === '\t') return '\\t';
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/** Shows control characters as escapes (`\x1b`, `\n`), so quoted text stays on its line and cannot drive the terminal. */
export function escapeControls(text: string): string {
  return text.replace(UNPRINTABLE, visible);
}

/**
 * Markdown (GFM) punctuation that acts mid-line: emphasis, code spans, links and images, tables,
 * strikethrough. Line-start syntax (headings, lists, quotes) cannot occur: quotes never start a line.
 */
const MARKDOWN_PUNCTUATION = /[\\`*_[\]|~]/g;
const HTML: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' };

/**
 * Node text made literal inside a Markdown table cell or paragraph: controls shown as escapes,
 * HTML as entities, Markdown punctuation backslash-escaped (no links, images, emphasis, code spans,
 * or `|` ending the cell).
 */
export function escapeMarkdown(text: string): string {
  return escapeControls(text)
    .replace(/[&<>"]/g, (c) => HTML[c]!)
    .replace(MARKDOWN_PUNCTUATION, (c) => `\\${c}`);
}

/** A fenced code block that the content cannot close: the fence is longer than any backtick run inside. */
export function codeFence(lines: readonly string[], info = ''): string[] {
  const safe = lines.map(escapeControls);
  const longest = Math.max(2, ...safe.map((l) => Math.max(0, ...(l.match(/`+/g) ?? []).map((run) => run.length))));
  const fence = '`'.repeat(longest + 1);
  return [`${fence}${info}`, ...safe, fence];
}
