/**
 * Error bodies exactly as real Routstr nodes send them (reference: routstr-node-api.md §3).
 *
 * Three shapes exist on the wire:
 * - `http_exception`: FastAPI HTTPException. Since 0.4.5 `{detail, ...detail, request_id}` (so an
 *   `error` object appears both under `detail` and at the top level); before 0.4.5 only
 *   `{detail, request_id}`.
 * - `direct`: routstr's create_error_response, `{error: {message, type, code}, request_id}`.
 * - `upstream`: an upstream's own OpenAI error passed through unchanged, `{error: {message, type, param, code}}`.
 * - `validation`: FastAPI's 422 for a missing required input, `{detail: [...]}`.
 *
 * The mock adds `param: null` and a `message` where real nodes leave them out, because the OpenAI
 * SDK builds its error message from them and no Routstr client depends on their absence.
 */

import { KEPT_TEXT_MAX, keptText } from '../limits/client-strings.ts';

export interface ErrorObject {
  message: string;
  type: string;
  code: string | number | null;
  param?: string | null;
  [extra: string]: unknown;
}

type Shape =
  | { family: 'http_exception'; detail: string | Record<string, unknown> }
  | { family: 'direct'; error: ErrorObject }
  | { family: 'upstream'; error: ErrorObject }
  | { family: 'validation'; detail: unknown[] };

export class NodeError extends Error {
  readonly headers: Record<string, string>;

  constructor(
    readonly status: number,
    readonly shape: Shape,
    headers: Record<string, string> = {},
  ) {
    super(messageOf(shape));
    this.name = 'NodeError';
    this.headers = headers;
  }
}

function messageOf(shape: Shape): string {
  if (shape.family === 'validation') return JSON.stringify(shape.detail);
  if (shape.family !== 'http_exception') return shape.error.message;
  if (typeof shape.detail === 'string') return shape.detail;
  const error = shape.detail.error as ErrorObject | undefined;
  return error?.message ?? JSON.stringify(shape.detail);
}

function withParam(error: ErrorObject): ErrorObject {
  if ('param' in error) return error;
  const { message, type, code, ...rest } = error;
  return { message, type, param: null, code, ...rest };
}

/** True for node versions before 0.4.5, whose HTTPException bodies carry only `detail`. */
export function isLegacyErrorVersion(version: string): boolean {
  const [major = 0, minor = 0, patch = 0] = version.split(/[.+-]/).map((n) => Number.parseInt(n, 10) || 0);
  return major === 0 && (minor < 4 || (minor === 4 && patch < 5));
}

/** The JSON body for an error, in the family and node version given. */
export function renderError(err: NodeError, requestId: string, nodeVersion: string): Record<string, unknown> {
  const { shape } = err;
  switch (shape.family) {
    case 'upstream':
      return { error: withParam(shape.error) };
    case 'validation':
      // FastAPI's request validation errors carry no request_id.
      return { detail: shape.detail };
    case 'direct':
      return { error: withParam(shape.error), request_id: requestId };
    case 'http_exception': {
      const detail = shape.detail;
      // Only a detail carrying `error` is copied to the top level (the X-Cashu 402 detail is not).
      if (typeof detail === 'string' || !('error' in detail) || isLegacyErrorVersion(nodeVersion)) return { detail, request_id: requestId };
      const error = detail.error;
      const spread = error && typeof error === 'object' ? { ...detail, error: withParam(error as ErrorObject) } : { ...detail };
      return { detail, ...spread, request_id: requestId };
    }
  }
}

/** Sample of a value small enough to print: the first entries of the first levels. */
function sample(value: unknown, depth: number): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (depth >= 3) return Array.isArray(value) ? '[…]' : '{…}';
  if (Array.isArray(value)) return [...value.slice(0, 5).map((v) => sample(v, depth + 1)), ...(value.length > 5 ? ['…'] : [])];
  const entries = Object.entries(value);
  return Object.fromEntries([...entries.slice(0, 5).map(([k, v]) => [k, sample(v, depth + 1)]), ...(entries.length > 5 ? [['…', '…']] : [])]);
}

/**
 * A client's value as an error message quotes it: strings as they are, anything else as JSON,
 * cut to `max` characters. Error bodies stay small however huge or deep the value was.
 */
export function preview(value: unknown, max = 100): string {
  const text = typeof value === 'string' ? value : (JSON.stringify(sample(value, 0)) ?? String(value));
  return keptText(text, max);
}

// ---- The errors the node raises, one factory each, named after what happened. ----

export const invalidModel = (model: string) =>
  new NodeError(400, { family: 'direct', error: { message: `Model '${preview(model, 256)}' not found`, type: 'invalid_model', code: 400 } });

export const invalidJson = (reason: string) =>
  new NodeError(400, {
    family: 'http_exception',
    detail: { error: { message: `Invalid JSON in request body: ${preview(reason, 256)}`, type: 'invalid_request_error', code: 'invalid_json' } },
  });

export const maxTokensNotInteger = () =>
  new NodeError(400, { family: 'http_exception', detail: { error: 'max_tokens must be an integer' } as unknown as Record<string, unknown> });

export const pathNotFound = (path: string) =>
  new NodeError(404, { family: 'direct', error: { message: `Path '${preview(path, KEPT_TEXT_MAX)}' not found`, type: 'not_found', code: 404 } });

export const methodNotAllowed = () => new NodeError(405, { family: 'http_exception', detail: 'Method Not Allowed' });

/** A request the upstream model API would refuse (what a real node passes through from OpenAI). */
export const invalidRequest = (message: string, param: string | null = null, code: string | null = null, status = 400) =>
  new NodeError(status, { family: 'upstream', error: { message, type: 'invalid_request_error', param, code } });

export const internalError = () =>
  new NodeError(500, { family: 'http_exception', detail: 'Internal server error, please contact support with the request ID.' });
