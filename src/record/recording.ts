import type { RecordedEvent, RecordedReply, RuleSpec } from '../scenario/types.ts';
import { STREAMING_ENDPOINTS, collapseWhitespace, endpointOf, fingerprintRequest } from './fingerprint.ts';

/**
 * Turns one captured exchange (a request and what the node answered) into a scenario rule that
 * replays it, keeping what clients see (status, the headers that matter, the body, or each stream
 * event with its time) and nothing secret: credentials are never written, and Cashu tokens and
 * `sk-` keys found anywhere in an answer are replaced by placeholders. Pure.
 */

/** What the recorder saw of a request. */
export interface CapturedRequest {
  method: string;
  /** As the client sent it, e.g. `/v1/chat/completions`. */
  url: string;
  /** The parsed JSON body. */
  body: unknown;
}

/** What the recorder saw of the answer. */
export interface CapturedResponse {
  status: number;
  /** Lowercased names. */
  headers: Record<string, string>;
  /** A non-stream body, whole. */
  body?: Buffer;
  /** A stream: each event's data as sent, and its time in ms from the request. */
  events?: { at_ms: number; data: string }[];
  /** The stream broke off (the upstream dropped the connection). */
  disconnect?: boolean;
  /** From the request to the end of the answer. */
  duration_ms: number;
}

/** Placeholders written where a secret was. */
export const REDACTED_KEY = 'sk-REDACTED';
export const REDACTED_TOKEN = 'cashuREDACTED';

/** Headers worth keeping: the content type, Routstr cost, rate limits and retry advice, the error scope. */
export function isRecordedHeader(name: string): boolean {
  const n = name.toLowerCase();
  if (n === 'x-cashu' || n === 'authorization' || n === 'cookie' || n === 'set-cookie') return false;
  return (
    n === 'content-type' ||
    n === 'retry-after' ||
    n === 'retry-after-ms' ||
    n === 'x-routstr-error-scope' ||
    n.startsWith('x-ratelimit-') ||
    /^x-routstr-(?:cost|input-cost|output-cost)/.test(n)
  );
}

export function isEventStream(headers: Record<string, string>): boolean {
  return /^\s*text\/event-stream/i.test(headers['content-type'] ?? '');
}

const CASHU_TOKEN = /cashu[AB][A-Za-z0-9_\-+/=]{16,}/g;
const SK_KEY = /(?<![A-Za-z0-9_-])sk-[A-Za-z0-9_-]{16,}/g;

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Replaces secrets in text and in every string of a value: Cashu tokens, long `sk-` keys, and the
 * exact credentials this recording saw (however short), each as a whole word.
 */
export class SecretScrubber {
  private readonly known = new Set<string>();
  private pattern: RegExp | undefined;

  constructor(credentials: Iterable<string | undefined> = []) {
    for (const c of credentials) this.add(c);
  }

  add(credential: string | undefined): void {
    const value = credential?.trim();
    if (!value || value.length < 4 || this.known.has(value)) return;
    this.known.add(value);
    const alternatives = [...this.known].sort((a, b) => b.length - a.length).map(escapeRegex);
    this.pattern = new RegExp(`(?<![A-Za-z0-9_-])(?:${alternatives.join('|')})(?![A-Za-z0-9_-])`, 'g');
  }

  text(value: string): string {
    let out = value.replace(CASHU_TOKEN, REDACTED_TOKEN).replace(SK_KEY, REDACTED_KEY);
    if (this.pattern) out = out.replace(this.pattern, (m) => (m.startsWith('cashu') ? REDACTED_TOKEN : REDACTED_KEY));
    return out;
  }

  value<T>(value: T): T {
    if (typeof value === 'string') return this.text(value) as T;
    if (Array.isArray(value)) return value.map((v) => this.value(v)) as T;
    if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, this.value(v)])) as T;
    return value;
  }
}

function objectOf(value: unknown): Record<string, unknown> | undefined {
  return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

function totalMsatsOf(cost: unknown): number | undefined {
  const total = objectOf(cost)?.total_msats;
  return typeof total === 'number' && Number.isFinite(total) && total >= 0 ? total : undefined;
}

/** The cost a Routstr node reports in a body or chunk: top-level `cost`, `usage.cost`, or `metadata.routstr.cost`. */
function costInObject(value: unknown): number | undefined {
  const o = objectOf(value);
  if (!o) return undefined;
  return totalMsatsOf(o.cost) ?? totalMsatsOf(objectOf(o.usage)?.cost) ?? totalMsatsOf(objectOf(objectOf(o.metadata)?.routstr)?.cost);
}

/**
 * The cost (msats) a node reported for an answer, from the body (or the last stream event that
 * carries one), else from `X-Routstr-Cost-Msats`; undefined when it reported none.
 */
export function reportedCostMsats(headers: Record<string, string> | undefined, body: unknown, events?: readonly { data: unknown }[]): number | undefined {
  let fromBody = costInObject(body);
  if (fromBody === undefined && events) {
    for (let i = events.length - 1; i >= 0 && fromBody === undefined; i--) fromBody = costInObject(events[i]!.data);
  }
  if (fromBody !== undefined) return fromBody;
  const header = Number(headers?.['x-routstr-cost-msats']);
  return headers?.['x-routstr-cost-msats'] !== undefined && Number.isFinite(header) && header >= 0 ? header : undefined;
}

/** The index of the event that carries the cost (the one a replay settles on), or -1. */
export function costEventIndex(events: readonly RecordedEvent[]): number {
  for (let i = events.length - 1; i >= 0; i--) if (costInObject(events[i]!.data) !== undefined) return i;
  return -1;
}

/** Token usage in a body or the stream's usage chunk, for the rate limiter's token count. */
export function reportedUsage(body: unknown, events?: readonly RecordedEvent[]): { prompt_tokens: number; completion_tokens: number } | undefined {
  const candidates = [body, ...(events ?? []).map((e) => e.data).reverse()];
  for (const c of candidates) {
    const usage = objectOf(objectOf(c)?.usage);
    if (usage && typeof usage.prompt_tokens === 'number') {
      return { prompt_tokens: usage.prompt_tokens, completion_tokens: typeof usage.completion_tokens === 'number' ? usage.completion_tokens : 0 };
    }
  }
  return undefined;
}

/** JSON objects and arrays are kept parsed (readable YAML); anything else (`[DONE]`, a broken frame) as text. */
function parsedData(text: string): unknown {
  const trimmed = text.trim();
  if (!trimmed.startsWith('{') && !trimmed.startsWith('[')) return text;
  try {
    const value: unknown = JSON.parse(trimmed);
    return value && typeof value === 'object' ? value : text;
  } catch {
    return text;
  }
}

function isTextual(contentType: string): boolean {
  return contentType === '' || /^text\/|json|xml|javascript|x-www-form-urlencoded|event-stream/i.test(contentType);
}

/** The reply as recorded, or why the answer cannot be kept (a binary body). */
export function recordedReply(response: CapturedResponse, scrub: SecretScrubber): RecordedReply | { unrecordable: string } {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(response.headers)) if (isRecordedHeader(name)) headers[name.toLowerCase()] = scrub.text(value);
  const reply: RecordedReply = { status: response.status, ...(Object.keys(headers).length > 0 ? { headers } : {}) };
  if (response.events) {
    reply.events = response.events.map((e) => ({ at_ms: Math.round(e.at_ms), data: scrub.value(parsedData(e.data)) }));
    if (response.disconnect) reply.disconnect = true;
    return reply;
  }
  const bytes = response.body ?? Buffer.alloc(0);
  if (bytes.length === 0) return reply;
  const contentType = response.headers['content-type'] ?? '';
  if (!isTextual(contentType)) return { unrecordable: `a binary answer (${contentType}) is forwarded but not recorded` };
  const text = bytes.toString('utf8');
  if (/json/i.test(contentType)) {
    try {
      reply.body = scrub.value(JSON.parse(text) as unknown);
      return reply;
    } catch {
      // not valid JSON after all: kept as text, exactly
    }
  }
  reply.body = scrub.text(text);
  return reply;
}

/** The last user message (chat) or the input/prompt text of a request, for names and comments. */
export function requestSummary(body: unknown): string {
  const b = objectOf(body) ?? {};
  const textOf = (content: unknown): string =>
    typeof content === 'string'
      ? content
      : Array.isArray(content)
        ? content.map((p) => (typeof objectOf(p)?.text === 'string' ? (objectOf(p)!.text as string) : '')).join(' ')
        : '';
  if (Array.isArray(b.messages)) {
    for (let i = b.messages.length - 1; i >= 0; i--) {
      const m = objectOf(b.messages[i]);
      if (m?.role === 'user') return collapseWhitespace(textOf(m.content));
      if (m?.role === 'tool') return `(tool result) ${collapseWhitespace(textOf(m.content))}`;
    }
    return '';
  }
  const input = b.input ?? b.prompt;
  if (typeof input === 'string') return collapseWhitespace(input);
  if (Array.isArray(input)) return collapseWhitespace(input.filter((i) => typeof i === 'string').join(' | '));
  return '';
}

function cut(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** How the answer looked, for the comment above the rule. */
function outcomeOf(reply: RecordedReply, durationMs: number): string {
  const cost = reportedCostMsats(reply.headers, reply.body, reply.events);
  const what = reply.events
    ? `${reply.events.length} events over ${reply.events[reply.events.length - 1]?.at_ms ?? 0} ms${reply.disconnect ? ', then the connection dropped' : ''}`
    : `${durationMs} ms`;
  return `${reply.status}, ${what}${cost !== undefined ? `, cost ${cost} msats` : ''}`;
}

export interface RecordedRule {
  rule: RuleSpec;
  /** One line: the request and the outcome, for the YAML comment above the rule. */
  comment: string;
}

/**
 * The rule replaying one exchange: `when` keys on the endpoint, the model, streaming and the
 * request's fingerprint; `reply.recorded` is the answer.
 */
export function recordedRule(request: CapturedRequest, response: CapturedResponse, scrub: SecretScrubber): RecordedRule | { unrecordable: string } {
  const reply = recordedReply(response, scrub);
  if ('unrecordable' in reply) return reply;
  const endpoint = endpointOf(request.url);
  const body = objectOf(request.body) ?? {};
  const model = typeof body.model === 'string' ? body.model : undefined;
  const stream = body.stream === true;
  const fingerprint = fingerprintRequest(endpoint, body);
  const summary = scrub.text(requestSummary(body));
  const tools = Array.isArray(body.tools) ? body.tools.map((t) => objectOf(objectOf(t)?.function)?.name).filter((n): n is string => typeof n === 'string') : [];
  const name = `${endpoint.slice(1)}${model ? ` ${model}` : ''}${stream ? ' stream' : ''}${summary ? `: ${cut(summary, 48)}` : ''}`;
  const details = [
    `${request.method.toUpperCase()} ${request.url.split('?')[0]}`,
    ...(model ? [model] : []),
    ...(stream ? ['stream'] : []),
    ...(tools.length > 0 ? [`tools ${tools.join(', ')}`] : []),
    ...(summary ? [JSON.stringify(cut(summary, 100))] : []),
  ];
  const rule: RuleSpec = {
    name: scrub.text(name),
    when: {
      path: endpoint,
      ...(model !== undefined ? { model } : {}),
      ...(STREAMING_ENDPOINTS.has(endpoint) ? { stream } : {}),
      fingerprint: fingerprint.text,
    },
    reply: { recorded: reply },
  };
  return { rule, comment: `${details.join(' · ')} → ${outcomeOf(reply, response.duration_ms)}` };
}

/** The same request key as `when` writes it, to find earlier recordings of the same request. */
export function sameRequest(a: RuleSpec['when'], b: RuleSpec['when']): boolean {
  return a?.path === b?.path && a?.model === b?.model && a?.stream === b?.stream && a?.fingerprint === b?.fingerprint;
}

/** Kinds the mock serves, from a model's modalities in a /v1/models listing. */
function kindOf(model: Record<string, unknown>): string {
  const arch = objectOf(model.architecture);
  const output = Array.isArray(arch?.output_modalities) ? (arch.output_modalities as unknown[]).map(String) : [];
  const input = Array.isArray(arch?.input_modalities) ? (arch.input_modalities as unknown[]).map(String) : [];
  if (output.includes('embeddings')) return 'embedding';
  if (output.includes('image') && !output.includes('text')) return 'image';
  if (output.includes('audio') && !output.includes('text')) return 'speech';
  if (input.includes('audio') && !input.includes('text')) return 'transcription';
  return 'chat';
}

/** Six significant digits: prices from sats per token × 1e6 without float noise. */
function tidy(x: number): number {
  return Number(x.toPrecision(6));
}

/**
 * A Routstr `/v1/models` listing as the scenario's `models` section, so generated answers and
 * pricing on replay follow the recorded node; entries that do not fit are left out.
 */
export function modelsFromListing(listing: unknown): Record<string, unknown>[] {
  const data = objectOf(listing)?.data;
  if (!Array.isArray(data)) return [];
  const models: Record<string, unknown>[] = [];
  const seen = new Set<string>();
  for (const item of data) {
    const m = objectOf(item);
    const id = m?.id;
    if (!m || typeof id !== 'string' || id === '' || seen.has(id.toLowerCase())) continue;
    seen.add(id.toLowerCase());
    const sats = objectOf(m.sats_pricing);
    const prompt = Number(sats?.prompt);
    const completion = Number(sats?.completion);
    const context = Number(m.context_length ?? objectOf(m.top_provider)?.context_length);
    const maxCompletion = Number(objectOf(m.top_provider)?.max_completion_tokens);
    const kind = kindOf(m);
    models.push({
      id,
      ...(kind !== 'chat' ? { kind } : {}),
      ...(Number.isFinite(prompt) && Number.isFinite(completion) && prompt >= 0 && completion >= 0
        ? { sats_per_million_tokens: { prompt: tidy(prompt * 1e6), completion: tidy(completion * 1e6) } }
        : {}),
      ...(Number.isInteger(context) && context >= 1 ? { context_length: context } : {}),
      ...(Number.isInteger(maxCompletion) && maxCompletion >= 1 ? { max_completion_tokens: maxCompletion } : {}),
    });
  }
  return models;
}

/** The node version from `/v1/info` (it decides the error envelopes of generated answers), if it is one. */
export function nodeVersionFromInfo(info: unknown): string | undefined {
  const version = objectOf(info)?.version;
  return typeof version === 'string' && /^\d+\.\d+\.\d+/.test(version) ? version : undefined;
}
