import { createHash } from 'node:crypto';
import { MODEL_ENDPOINTS } from '../requests/endpoints.ts';

/**
 * The normalised key of a model request, for recording and replay: what was asked (messages or
 * input), which tools were offered, the response format and the other parameters, each hashed on
 * its own so that a request that matches no recording can be told which part differed. Volatile
 * values (tool call ids, whitespace, key order, the `user` field) do not count. Pure.
 *
 * The text form, which scenario rules carry as `when.fingerprint`, lists the parts of the
 * endpoint: `messages=1a2b3c4d tools=- format=- params=9e8f7a6b` for chat (`-` for a part the
 * request leaves out), `input=… params=…` for the other endpoints.
 */

export const FINGERPRINT_PARTS = ['messages', 'input', 'tools', 'format', 'params'] as const;
export type FingerprintPart = (typeof FINGERPRINT_PARTS)[number];

/** One part of a fingerprint as written: `name=<8 hex>` or `name=-`. */
export const FINGERPRINT_PATTERN = `^(?:${FINGERPRINT_PARTS.join('|')})=(?:[0-9a-f]{8}|-)(?: (?:${FINGERPRINT_PARTS.join('|')})=(?:[0-9a-f]{8}|-))*$`;

export interface Fingerprint {
  /** The parts of this endpoint, in order, each an 8-hex hash or `-` when absent. */
  parts: Partial<Record<FingerprintPart, string>>;
  /** `messages=… tools=… format=… params=…`: what `when.fingerprint` holds. */
  text: string;
}

/** Top-level fields that never count: the model, path and stream are matched on their own; `user` is an end-user id. */
const NOT_PARAMS = new Set(['model', 'stream', 'user']);

/** The body fields holding a non-chat endpoint's input. */
const INPUT_FIELDS = ['input', 'prompt'] as const;

const ABSENT = '-';

/** A short sha256 of a value's canonical JSON; `-` for nothing. */
function shortHash(value: unknown): string {
  if (value === undefined) return ABSENT;
  return createHash('sha256').update(canonicalJson(value)).digest('hex').slice(0, 8);
}

/** JSON with object keys sorted at every level and undefined members left out. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

/**
 * Runs of whitespace become one space; leading and trailing whitespace goes: what
 * `text.replace(/\s+/g, ' ').trim()` gives, written out in one pass because V8's replace costs
 * ~0.4 µs a match (a 30 MB message of short lines held the loop for seconds; this takes ~0.3 s).
 */
export function collapseWhitespace(text: string): string {
  const n = text.length;
  // One byte a character while the text is Latin-1, two from its first wider character on.
  let out: Uint8Array | Uint16Array = new Uint8Array(n);
  let written = 0;
  let spacePending = false;
  /** Whether any whitespace is other than one plain space between words. */
  let changed = false;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (isJsWhitespace(c)) {
      if (c !== 32 || spacePending || written === 0) changed = true;
      spacePending = written > 0;
      continue;
    }
    if (spacePending) {
      out[written++] = 32;
      spacePending = false;
    }
    if (c > 255 && out instanceof Uint8Array) {
      const wide = new Uint16Array(n);
      wide.set(out.subarray(0, written));
      out = wide;
    }
    out[written++] = c;
  }
  if (!changed && !spacePending) return text;
  return out instanceof Uint8Array ? Buffer.from(out.buffer, 0, written).toString('latin1') : Buffer.from(out.buffer, 0, written * 2).toString('utf16le');
}

/** What `\s` matches in a JavaScript regex (white space and line terminators). */
function isJsWhitespace(c: number): boolean {
  if (c <= 32) return c === 32 || (c >= 9 && c <= 13);
  if (c < 160) return false;
  return (
    c === 160 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000 || c === 0xfeff
  );
}

/** Every string in a value with its whitespace collapsed. */
function collapseStrings(value: unknown): unknown {
  if (typeof value === 'string') return collapseWhitespace(value);
  if (Array.isArray(value)) return value.map(collapseStrings);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, collapseStrings(v)]));
  return value;
}

/** Tool call arguments are JSON text: compared as parsed JSON, else as text with whitespace collapsed. */
function canonicalArguments(args: unknown): unknown {
  if (typeof args !== 'string') return collapseStrings(args);
  try {
    return collapseStrings(JSON.parse(args));
  } catch {
    return collapseWhitespace(args);
  }
}

/**
 * Message content: a string, or parts. Text parts only are the same as their joined text (clients
 * send either form); other parts (images, audio) are kept whole.
 */
function canonicalContent(content: unknown): unknown {
  if (content === null || content === undefined) return undefined;
  if (typeof content === 'string') {
    const text = collapseWhitespace(content);
    return text === '' ? undefined : text;
  }
  if (!Array.isArray(content)) return collapseStrings(content);
  const parts = content.filter((p) => p !== null && p !== undefined);
  const isText = (p: unknown) =>
    !!p && typeof p === 'object' && (p as { type?: unknown }).type === 'text' && typeof (p as { text?: unknown }).text === 'string';
  if (parts.every(isText)) return canonicalContent(parts.map((p) => (p as { text: string }).text).join(' '));
  return parts.map((p) => (isText(p) ? { type: 'text', text: collapseWhitespace((p as { text: string }).text) } : collapseStrings(p)));
}

/** Tool call ids are volatile: each becomes its order of first appearance (`#1`, `#2`), which keeps calls and results paired. */
class IdNumbering {
  private readonly ids = new Map<string, string>();
  of(id: unknown): string | undefined {
    if (typeof id !== 'string' || id === '') return undefined;
    let n = this.ids.get(id);
    if (n === undefined) {
      n = `#${this.ids.size + 1}`;
      this.ids.set(id, n);
    }
    return n;
  }
}

function canonicalToolCall(call: unknown, ids: IdNumbering): unknown {
  if (!call || typeof call !== 'object') return call;
  const c = call as { id?: unknown; type?: unknown; function?: { name?: unknown; arguments?: unknown } };
  return { id: ids.of(c.id), name: c.function?.name, arguments: canonicalArguments(c.function?.arguments) };
}

function canonicalMessage(message: unknown, ids: IdNumbering): unknown {
  if (!message || typeof message !== 'object' || Array.isArray(message)) return message;
  const m = message as Record<string, unknown>;
  const out: Record<string, unknown> = { role: m.role, content: canonicalContent(m.content) };
  if (typeof m.name === 'string') out.name = m.name;
  if (Array.isArray(m.tool_calls) && m.tool_calls.length > 0) out.tool_calls = m.tool_calls.map((c) => canonicalToolCall(c, ids));
  if (m.tool_call_id !== undefined) out.tool_call_id = ids.of(m.tool_call_id);
  const fc = m.function_call as { name?: unknown; arguments?: unknown } | undefined;
  if (fc && typeof fc === 'object') out.function_call = { name: fc.name, arguments: canonicalArguments(fc.arguments) };
  return out;
}

function canonicalTools(tools: unknown): unknown {
  if (!Array.isArray(tools) || tools.length === 0) return undefined;
  const canonical = tools.map((t) => {
    if (!t || typeof t !== 'object') return t;
    const fn = (t as { function?: Record<string, unknown> }).function;
    if (!fn || typeof fn !== 'object') return collapseStrings(t);
    return {
      type: (t as { type?: unknown }).type,
      name: fn.name,
      description: typeof fn.description === 'string' ? collapseWhitespace(fn.description) : undefined,
      parameters: collapseStrings(fn.parameters),
      strict: fn.strict ?? undefined,
    };
  });
  // The order tools are declared in does not change what a model can call.
  return canonical
    .map((t) => [canonicalJson(t), t] as const)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([, t]) => t);
}

function bodyOf(body: unknown): Record<string, unknown> {
  return body && typeof body === 'object' && !Array.isArray(body) ? (body as Record<string, unknown>) : {};
}

/** True for the chat endpoint, whose fingerprint has messages, tools and a response format. */
function isChat(path: string): boolean {
  return endpointOf(path) === '/chat/completions';
}

/** The normalised key of a request to `path` with this (parsed JSON) body. */
export function fingerprintRequest(path: string, body: unknown): Fingerprint {
  const b = bodyOf(body);
  const parts: Partial<Record<FingerprintPart, string>> = {};
  const params: Record<string, unknown> = {};
  if (isChat(path)) {
    const ids = new IdNumbering();
    parts.messages = shortHash(Array.isArray(b.messages) ? b.messages.map((m) => canonicalMessage(m, ids)) : b.messages);
    parts.tools = shortHash(canonicalTools(b.tools));
    parts.format = shortHash(b.response_format === undefined || b.response_format === null ? undefined : collapseStrings(b.response_format));
    for (const [k, v] of Object.entries(b)) if (!NOT_PARAMS.has(k) && k !== 'messages' && k !== 'tools' && k !== 'response_format') params[k] = v;
  } else {
    const input: Record<string, unknown> = {};
    for (const field of INPUT_FIELDS) if (b[field] !== undefined) input[field] = collapseStrings(b[field]);
    parts.input = shortHash(Object.keys(input).length > 0 ? input : undefined);
    for (const [k, v] of Object.entries(b)) if (!NOT_PARAMS.has(k) && !(INPUT_FIELDS as readonly string[]).includes(k)) params[k] = v;
  }
  parts.params = shortHash(Object.keys(params).length > 0 ? params : undefined);
  return { parts, text: formatFingerprint(parts) };
}

export function formatFingerprint(parts: Partial<Record<FingerprintPart, string>>): string {
  return FINGERPRINT_PARTS.filter((p) => parts[p] !== undefined)
    .map((p) => `${p}=${parts[p]}`)
    .join(' ');
}

/** The parts a `when.fingerprint` lists (a rule may list fewer parts than a request has: the others are not compared). */
export function parseFingerprint(text: string): Partial<Record<FingerprintPart, string>> {
  const parts: Partial<Record<FingerprintPart, string>> = {};
  for (const item of text.trim().split(/\s+/)) {
    const eq = item.indexOf('=');
    if (eq > 0) parts[item.slice(0, eq) as FingerprintPart] = item.slice(eq + 1);
  }
  return parts;
}

/** The endpoints whose requests may stream. */
export const STREAMING_ENDPOINTS: ReadonlySet<string> = new Set(['/chat/completions', '/completions']);

/** The path without query and without a leading `/v1`. */
export function endpointOf(url: string): string {
  const bare = url.split('?')[0] ?? '/';
  return bare.startsWith('/v1/') || bare === '/v1' ? bare.slice(3) || '/' : bare;
}

export function isModelRequest(method: string, url: string): boolean {
  return method.toUpperCase() === 'POST' && MODEL_ENDPOINTS.has(endpointOf(url));
}
