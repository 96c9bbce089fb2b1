/** Helpers shared by the checks: a raw request bound to the check's timeouts, JSON parsing, error envelopes. */
import { curlLine } from '../curl.ts';
import { type HttpResult, httpRequest } from '../http.ts';
import type { ValidationResult } from '../schemas/validate.ts';
import type { CheckContext, CheckOutcome } from '../types.ts';

export interface Sent {
  res: HttpResult;
  curl: string;
}

/** Names the check on every request it makes; real nodes ignore unknown headers. */
export const CHECK_HEADER = 'x-routstr-check';

export function checkHeaders(ctx: CheckContext): Record<string, string> {
  return { [CHECK_HEADER]: ctx.checkId };
}

/** Every credential of the run, for redaction (the patterns in redact.ts catch the usual shapes too). */
export function secretsOf(ctx: CheckContext): string[] {
  return [ctx.key, ctx.session.bearer].filter((s): s is string => typeof s === 'string' && s !== '');
}

/** Sends a request to `path` (relative to the node origin, e.g. `/v1/info`) under the check's timeouts and signal. */
export async function send(ctx: CheckContext, path: string, init: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Sent> {
  const url = `${ctx.origin}${path}`;
  const method = init.method ?? (init.body !== undefined ? 'POST' : 'GET');
  const headers = { ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}), ...checkHeaders(ctx), ...init.headers };
  const res = await httpRequest({ url, method, headers, body: init.body, timeouts: ctx.timeouts, signal: ctx.signal });
  if (res.ok) noteUpstreamFailure(ctx, res.status, res.headers, res.text);
  return { res, curl: curlLine({ method, url, headers, body: init.body }, secretsOf(ctx)) };
}

export function excerpt(text: string, max = 200): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max)}…` : flat;
}

/** A one-line description of what came back, for `actual`. */
export function describeResult(res: HttpResult): string {
  if (!res.ok) return `${res.status !== undefined ? `HTTP ${res.status} then ` : ''}${res.kind}: ${res.message}`;
  const type = res.headers.get('content-type') ?? 'no content-type';
  return `HTTP ${res.status} (${type}) ${excerpt(res.text)}`;
}

export function parseJson(text: string): { ok: true; value: unknown } | { ok: false; error: string } {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (err) {
    return { ok: false, error: (err as Error).message };
  }
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function fail(expected: string, actual: string, extra: Partial<CheckOutcome> = {}): CheckOutcome {
  return { status: 'fail', reason: `expected ${expected}, got ${actual}`, expected, actual, ...extra };
}

export function pass(expected: string, actual: string, extra: Partial<CheckOutcome> = {}): CheckOutcome {
  return { status: 'pass', reason: `expected ${expected}, got ${actual}`, expected, actual, ...extra };
}

export function warn(expected: string, actual: string, extra: Partial<CheckOutcome> = {}): CheckOutcome {
  return { status: 'warn', reason: `expected ${expected}, got ${actual}`, expected, actual, ...extra };
}

/**
 * The strict (spec) tier's verdict once the SDK-lenient tier passed: a value of the wrong type
 * fails, since typed clients cannot decode it; a missing field the spec requires is a spec-only
 * deviation and warns. Undefined when the body is strictly valid.
 */
export function strictOutcome(strict: ValidationResult, expected: string, extra: Partial<CheckOutcome> = {}): CheckOutcome | undefined {
  if (strict.breaking.length > 0) return fail(expected, `values typed clients cannot decode: ${strict.breaking.slice(0, 3).join('; ')}`, extra);
  if (!strict.valid) return warn(expected, `spec-only deviations: ${strict.errors.slice(0, 3).join('; ')}`, extra);
  return undefined;
}

/** Which of the error body families real Routstr nodes use (routstr-node-api.md §3.1). */
export type EnvelopeFamily = 'error+detail.error' | 'error' | 'detail.error' | 'detail-object' | 'detail-string' | 'none';

export interface Envelope {
  family: EnvelopeFamily;
  type?: string;
  code?: string | number;
  message?: string;
  variant: string;
}

const VARIANTS: Record<EnvelopeFamily, string> = {
  'error+detail.error': 'error envelope: top-level error plus detail.error (HTTPException, >= 0.4.5)',
  error: 'error envelope: top-level error (create_error_response / OpenAI style)',
  'detail.error': 'error envelope: detail.error only (HTTPException, < 0.4.5)',
  'detail-object': 'error envelope: detail object with type/code (no error key)',
  'detail-string': 'error envelope: detail string',
  none: 'no recognised error envelope',
};

function fields(o: Record<string, unknown>): Pick<Envelope, 'type' | 'code' | 'message'> {
  const out: Pick<Envelope, 'type' | 'code' | 'message'> = {};
  if (typeof o.type === 'string') out.type = o.type;
  if (typeof o.code === 'string' || typeof o.code === 'number') out.code = o.code;
  if (typeof o.message === 'string') out.message = o.message;
  else if (typeof o.reason === 'string') out.message = o.reason;
  return out;
}

/** Reads an error body the way Routstr clients do: top-level `error`, `detail.error`, a `detail` object or string. */
export function readEnvelope(body: unknown): Envelope {
  const make = (family: EnvelopeFamily, f: Pick<Envelope, 'type' | 'code' | 'message'> = {}): Envelope => ({ family, variant: VARIANTS[family], ...f });
  if (!isObject(body)) return make('none');
  const top = body.error;
  const detail = body.detail;
  const detailError = isObject(detail) ? detail.error : undefined;
  if (isObject(top) && isObject(detailError)) return make('error+detail.error', fields(top));
  if (isObject(top)) return make('error', fields(top));
  if (isObject(detailError)) return make('detail.error', fields(detailError));
  if (isObject(detail)) return make('detail-object', fields(detail));
  if (typeof detail === 'string') return make('detail-string', { message: detail });
  if (typeof top === 'string') return make('detail-string', { message: top });
  return make('none');
}

/**
 * Notes a well-formed upstream failure on the check's context: the node's provider failed, so the
 * check cannot judge the node (runner.ts reports it as an error, not a failure). Real nodes differ
 * by version (routstr-node-api.md §3): the upstream's 5xx passed through with type "upstream_error",
 * or, on newer nodes, 424 with code UPSTREAM_UNAVAILABLE and X-Routstr-Error-Scope: upstream.
 */
export function noteUpstreamFailure(ctx: CheckContext, status: number, headers: Headers, text: string): void {
  // 500 is the node's own fault on every version ("An unexpected server error occurred").
  if (status !== 424 && (status < 501 || status > 599)) return;
  const parsed = parseJson(text);
  const envelope = readEnvelope(parsed.ok ? parsed.value : undefined);
  const scope = headers.get('x-routstr-error-scope');
  if (status === 424 && (envelope.code === 'UPSTREAM_UNAVAILABLE' || scope === 'upstream')) {
    ctx.observed.upstreamFailure = 'upstream failure: 424 UPSTREAM_UNAVAILABLE with X-Routstr-Error-Scope (newer nodes)';
  } else if (status >= 500 && envelope.type === 'upstream_error') {
    ctx.observed.upstreamFailure = `upstream failure: HTTP ${status} upstream_error, the provider's status passed through (older nodes)`;
  }
}

/** A JSON body and its envelope, or a failure outcome saying why there is none. */
export function jsonBody(sent: Sent, expected: string): { body: unknown } | { outcome: CheckOutcome } {
  const { res, curl } = sent;
  if (!res.ok) return { outcome: fail(expected, describeResult(res), { curl }) };
  const parsed = parseJson(res.text);
  if (!parsed.ok) return { outcome: fail(expected, `HTTP ${res.status} with a body that is not JSON (${parsed.error}): ${excerpt(res.text, 120)}`, { curl }) };
  return { body: parsed.value };
}

/** The model the free checks name in requests: --model, else the first chat model found, else a common id. */
export function knownModel(ctx: CheckContext): string {
  return ctx.model ?? ctx.capabilities.chat[0] ?? [...ctx.capabilities.models.keys()][0] ?? 'gpt-4o-mini';
}

// ---- Money and credentials, shared by every paid check. ----

function satsPricingOf(ctx: CheckContext, model: string | undefined): Record<string, unknown> | undefined {
  const m = model ? ctx.capabilities.models.get(model) : undefined;
  return m && isObject(m.sats_pricing) ? m.sats_pricing : undefined;
}

function positive(v: unknown): number {
  return typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : 0;
}

/**
 * The most one request can cost in msats, from the model's sats_pricing (sats per token): prompt
 * tokens × prompt + output tokens × completion, never below the per-request price.
 */
export function tokenEstimateMsats(ctx: CheckContext, model: string | undefined, promptTokens: number, completionTokens: number): number {
  const sp = satsPricingOf(ctx, model);
  if (!sp) return 0;
  return Math.ceil(Math.max(promptTokens * positive(sp.prompt) + completionTokens * positive(sp.completion), positive(sp.request)) * 1000);
}

/** Msats of one request whose size the runner cannot bound by tokens (images, audio): the model's max_cost. */
export function maxCostMsats(ctx: CheckContext, model: string | undefined): number {
  const sp = satsPricingOf(ctx, model);
  return sp ? Math.ceil(positive(sp.max_cost) * 1000) : 0;
}

/**
 * The run's Bearer credential: the --key, or the change of the x-cashu checks once they spent a
 * Cashu --key. A Cashu token is sent as Bearer too: a real node then keeps an account keyed by the
 * token, so every paid check can draw on it (X-Cashu would spend it whole).
 */
export function authHeaders(ctx: CheckContext): Record<string, string> {
  return ctx.session.bearer ? { authorization: `Bearer ${ctx.session.bearer}` } : {};
}

/** The `total_msats` a response or usage chunk reports: `usage.cost`, top-level `cost`, `metadata.routstr.cost`, else the X-Routstr-Cost-Msats header. */
export function reportedCostMsats(body: unknown, headers?: Headers): number | undefined {
  if (isObject(body)) {
    const usage = isObject(body.usage) ? body.usage : undefined;
    const meta = isObject(body.metadata) && isObject(body.metadata.routstr) ? body.metadata.routstr : undefined;
    for (const cost of [usage?.cost, body.cost, meta?.cost]) {
      if (isObject(cost) && typeof cost.total_msats === 'number' && Number.isFinite(cost.total_msats)) return cost.total_msats;
    }
  }
  const header = headers?.get('x-routstr-cost-msats');
  if (header && /^\d+$/.test(header.trim())) return Number(header.trim());
  return undefined;
}
