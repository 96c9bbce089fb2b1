import type { FastifyInstance, FastifyRequest } from 'fastify';
import { requireObjectBody, type Body } from '../requests/fields.ts';
import { KEPT_TEXT_MAX } from '../limits/client-strings.ts';
import { noteBodySize } from '../limits/garbage.ts';
import { NodeError, invalidJson, preview } from './errors.ts';

/** A body whose content type was not JSON; JSON routes still try it, as real nodes parse raw bytes. */
export class RawBody {
  constructor(
    readonly contentType: string,
    readonly bytes: Buffer,
  ) {}
}

/**
 * A JSON body that did not parse. The parser hands it on instead of failing, so the request still
 * reaches the scenario rules (a broken node can answer malformed JSON its own way); routes refuse
 * it with the node's invalid-JSON 400 when they read the body (jsonBody).
 */
export class UnparsableJson {
  constructor(readonly reason: string) {}
}

/** Python's json.loads, which real nodes use on the raw bytes, skips a UTF-8 byte order mark. */
function withoutBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

function parseJsonText(raw: string): unknown {
  const text = withoutBom(raw);
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text);
  } catch (err) {
    return new UnparsableJson((err as Error).message);
  }
}

type ParserDone = (err: Error | null, body?: unknown) => void;

/** A JSON body (parseAs: 'string'), parsed as real nodes parse it; its size noted for garbage.ts. */
export function jsonBodyParser(_request: FastifyRequest, text: string | Buffer, done: ParserDone): void {
  const body = String(text);
  noteBodySize(body.length);
  done(null, parseJsonText(body));
}

/** Any other body (parseAs: 'buffer'), kept as bytes for the route to read; its size noted too. */
export function rawBodyParser(request: FastifyRequest, bytes: string | Buffer, done: ParserDone): void {
  noteBodySize(bytes.length);
  done(null, new RawBody(String(request.headers['content-type'] ?? ''), bytes as Buffer));
}

export function registerBodyParsers(app: FastifyInstance): void {
  app.removeContentTypeParser(['application/json', 'text/plain']);
  app.addContentTypeParser('application/json', { parseAs: 'string' }, jsonBodyParser);
  app.addContentTypeParser('*', { parseAs: 'buffer' }, rawBodyParser);
}

function unsupportedMediaType(contentType: string): NodeError {
  return new NodeError(415, {
    family: 'upstream',
    error: {
      message: `Unsupported Content-Type '${contentType ? preview(contentType, KEPT_TEXT_MAX) : 'none'}': this endpoint takes a JSON body sent as application/json.`,
      type: 'invalid_request_error',
      param: null,
      code: 'unsupported_media_type',
    },
  });
}

/**
 * The JSON object body of a request. Real nodes json-decode the raw bytes whatever the content
 * type says, so a JSON text sent as text/plain works; anything else is a clear 415. A multipart
 * body is refused outright: where the multipart parser is registered (the audio routes) it never
 * reaches this point as bytes, and it must not pass for an empty body.
 */
export function jsonBody(request: FastifyRequest): Body {
  const contentType = String(request.headers['content-type'] ?? '');
  if (/^\s*multipart\//i.test(contentType)) throw unsupportedMediaType(contentType);
  let body: unknown = request.body;
  if (body instanceof UnparsableJson) throw invalidJson(body.reason);
  if (body instanceof RawBody) {
    const raw: RawBody = body;
    const text = withoutBom(raw.bytes.toString('utf8'));
    try {
      body = text.trim() === '' ? {} : JSON.parse(text);
    } catch {
      throw unsupportedMediaType(raw.contentType);
    }
  }
  if (body === undefined || body === null) body = {};
  return requireObjectBody(body);
}
