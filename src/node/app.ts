import { randomUUID } from 'node:crypto';
import { type IncomingMessage, STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply } from 'fastify';
import { registerBodyParsers } from './body.ts';
import type { NodeContext } from './context.ts';
import { KEPT_TEXT_MAX } from '../limits/client-strings.ts';
import { type HeavyWorkSlots, heavyWorkSlots } from '../limits/heavy-work.ts';
import { NodeError, internalError, invalidRequest, methodNotAllowed, pathNotFound, preview, renderError } from './errors.ts';
import { audioRoutes } from './routes/audio.ts';
import { chatRoutes, type RouteOptions } from './routes/chat.ts';
import { completionRoutes } from './routes/completions.ts';
import { embeddingRoutes } from './routes/embeddings.ts';
import { imageRoutes } from './routes/images.ts';
import { nodeRoutes } from './routes/balance.ts';
import { modelRoutes } from './routes/models.ts';
import type { Journal } from './journal.ts';
import { registerRequestHooks } from './request-hooks.ts';
import { CONTROL_BODY_TYPES, CONTROL_PREFIX, type ControlOptions, controlRoutes, problem, registerControlGuard } from './control.ts';

export interface AppOptions {
  /** The active context; read per request so a scenario reload takes effect at once. */
  context: () => NodeContext;
  journal: Journal;
  /** Control plane operations (/__mock/); see control.ts. */
  control: Pick<ControlOptions, 'loadScenario' | 'reset' | 'controlToken'>;
  /** The node's slots for memory-heavy work; a fresh set by default (tests pass their own to watch them). */
  heavyWork?: HeavyWorkSlots;
  /** Largest accepted request body in bytes. */
  bodyLimit?: number;
  /** How long a client may take to send a request (REQUEST_TIMEOUTS by default). */
  timeouts?: RequestTimeouts;
  logger?: boolean;
  /** Where the node's own 5xx (a bug, never a scenario's fault) are reported; default stderr. */
  errorLog?: (line: string) => void;
}

/**
 * One line (and the stack) for a 5xx the node itself produced. fastify's logger is off (pino
 * costs ~40 ms of start-up), so without this such errors were invisible.
 */
export function internalErrorLine(method: string, url: string, requestId: string, err: unknown): string {
  const detail = err instanceof Error ? (err.stack ?? `${err.name}: ${err.message}`) : String(err);
  return `routstr-mock: internal error answering ${method} ${url.split('?')[0]} (request ${requestId}): ${detail}\n`;
}

/** How long a client may take to send its request's headers, and the whole request, in ms. */
export interface RequestTimeouts {
  headersMs: number;
  requestMs: number;
}

/**
 * What a node behind a reverse proxy allows (uvicorn itself has no such timeout; nginx's
 * client_header_timeout is 60 s): headers within 60 s, the whole request within 300 s (Node's own
 * default, which fastify turns off), so a 25 MB upload still fits at 0.7 Mbit/s and a client
 * dripping its body cannot hold a socket for ever. Either gets `408` and the socket is closed.
 */
export const REQUEST_TIMEOUTS: RequestTimeouts = { headersMs: 60_000, requestMs: 300_000 };

/** Response headers browsers may read, as real nodes expose them (routstr-core routstr/core/main.py, CORSMiddleware `expose_headers`). */
const EXPOSED_HEADERS = 'x-routstr-request-id, x-cashu, x-routstr-cost-msats, x-routstr-cost-usd, x-routstr-input-cost-msats, x-routstr-output-cost-msats';

/** The API surface, mounted at `/v1` and at the root, as real nodes answer both. */
async function apiRoutes(app: FastifyInstance, { context, heavyWork }: RouteOptions): Promise<void> {
  // Only the context and the slots go down: the `prefix` option must not be applied twice.
  const opts: RouteOptions = { context, heavyWork };
  await app.register(modelRoutes, opts);
  await app.register(chatRoutes, opts);
  await app.register(completionRoutes, opts);
  await app.register(embeddingRoutes, opts);
  await app.register(imageRoutes, opts);
  await app.register(audioRoutes, opts);
}

/** Maps fastify's own errors (parsing, limits) into the node's error envelopes. */
function toNodeError(err: FastifyError, bodyLimit: number): NodeError {
  if (err instanceof NodeError) return err;
  switch (err.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return invalidRequest(`Request body too large: the limit is ${bodyLimit} bytes.`, null, 'request_too_large', 413);
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return invalidRequest(`Unsupported Content-Type: ${preview(err.message, KEPT_TEXT_MAX)}`, null, 'unsupported_media_type', 415);
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return invalidRequest('Request body size did not match Content-Length.', null, 'invalid_content_length', 400);
  }
  if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500)
    return invalidRequest(preview(err.message, KEPT_TEXT_MAX), null, err.code ?? null, err.statusCode);
  return internalError();
}

/**
 * Requests Node's HTTP parser refuses before fastify sees them (an unknown method, broken framing,
 * headers over the size limit) get the node's `detail` envelope and a request id, like every other
 * error, instead of fastify's own body. The connection is closed after it, as Node does.
 */
function clientErrorHandler(err: NodeJS.ErrnoException, socket: Duplex): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, detail] =
    err.code === 'HPE_HEADER_OVERFLOW'
      ? [431, 'Request Header Fields Too Large']
      : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, 'Request Timeout']
        : [400, 'Invalid HTTP request received.'];
  const id = randomUUID();
  const body = JSON.stringify({ detail, request_id: id });
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nx-routstr-request-id: ${id}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy(err);
}

/** fastify's errors for a request refused before its body was read. */
const REFUSED_UNREAD = new Set(['FST_ERR_CTP_BODY_TOO_LARGE', 'FST_ERR_CTP_INVALID_MEDIA_TYPE']);

/** Reads and drops what is left of a request body: at most `maxBytes`, for at most `maxMs`. */
function drain(body: IncomingMessage, maxBytes: number, maxMs: number): Promise<void> {
  return new Promise((resolve) => {
    let seen = 0;
    const finish = () => {
      clearTimeout(timer);
      body.off('data', onData).off('end', finish).off('error', finish).off('close', finish);
      resolve();
    };
    const onData = (chunk: Buffer) => {
      seen += chunk.length;
      if (seen > maxBytes) finish();
    };
    const timer = setTimeout(finish, maxMs);
    body.on('data', onData).once('end', finish).once('error', finish).once('close', finish);
    body.resume();
  });
}

function noSchemaCompiler(): never {
  throw new Error('routstr-mock routes declare no fastify schemas');
}

export function buildApp(options: AppOptions): FastifyInstance {
  const bodyLimit = options.bodyLimit ?? 32 * 1024 * 1024;
  const errorLog = options.errorLog ?? ((line: string) => void process.stderr.write(line));
  const timeouts = options.timeouts ?? REQUEST_TIMEOUTS;
  const app = Fastify({
    requestTimeout: timeouts.requestMs,
    http: {
      headersTimeout: timeouts.headersMs,
      // Node looks for late requests this often (30 s by default): a late one is closed within 5 s of its deadline.
      connectionsCheckingInterval: Math.min(5_000, Math.ceil(timeouts.headersMs / 2)),
    },
    logger: options.logger ?? false,
    bodyLimit,
    genReqId: () => randomUUID(),
    return503OnClosing: false,
    forceCloseConnections: true,
    // Routes check their bodies themselves (src/requests/), so fastify's schema compilers are never
    // used; not loading them (ajv, fast-json-stringify) takes ~70 ms off the first start in a process.
    schemaController: { compilersFactory: { buildValidator: noSchemaCompiler, buildSerializer: noSchemaCompiler } },
    clientErrorHandler,
    // A path that does not decode (`/v1/%zz`) or a file name past the router's limit is a path this
    // node does not have: the node's 404, not fastify's own 400/414 body. No hook has run for it.
    frameworkErrors: (_err, request, reply) => {
      const error = pathNotFound(request.url.split('?')[0] ?? '/');
      return (reply as FastifyReply)
        .code(error.status)
        .header('x-routstr-request-id', request.id)
        .send(renderError(error, request.id, options.context().scenario.node.version));
    },
  });
  registerBodyParsers(app);

  app.addHook('onRequest', (request, reply, done) => {
    reply.header('x-routstr-request-id', request.id);
    done();
  });
  // Then: marks control-plane requests (never journaled, no CORS) and refuses those not allowed.
  registerControlGuard(app, options.control.controlToken);
  registerRequestHooks(app, options.context, options.journal);
  app.addHook('onRequest', (request, reply, done) => {
    // The API's CORS as real nodes send it: Starlette's CORSMiddleware with allow_origins ["*"]
    // (routstr-core routstr/core/main.py), headers only for requests with an Origin. Never on the
    // control plane: a page must not read it nor be allowed to call it.
    if (request.headers.origin !== undefined && !request.controlPlane) {
      reply.header('access-control-allow-origin', '*');
      reply.header('access-control-expose-headers', EXPOSED_HEADERS);
    }
    done();
  });

  app.setErrorHandler(async (err: FastifyError, request, reply) => {
    const nodeError = toNodeError(err, bodyLimit);
    // Before sending: when sending fails as well, fastify's fallback answers, and nothing else reports it.
    if (nodeError.status >= 500) errorLog(internalErrorLine(request.method, request.url, request.id, err));
    const version = options.context().scenario.node.version;
    // Refused before its body was read (too large, or a content type that does not parse): read
    // the rest first, or closing the connection with bytes unread resets it, and a client still
    // sending loses this answer.
    if (REFUSED_UNREAD.has(err.code) && !request.raw.complete) await drain(request.raw, 2 * bodyLimit, 10_000);
    if (request.controlPlane) {
      const p = problem(
        nodeError.status,
        err.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE'
          ? `the control plane takes ${CONTROL_BODY_TYPES.join(', ')} bodies only, not ${JSON.stringify(String(request.headers['content-type'] ?? 'none').slice(0, 100))}`
          : nodeError.message,
      );
      return reply.code(p.status).send(p.body);
    }
    return reply
      .code(nodeError.status)
      .headers(nodeError.headers)
      .send(renderError(nodeError, request.id, version));
  });

  app.setNotFoundHandler((request, reply) => {
    if (request.controlPlane) {
      const p = problem(404, `no control-plane endpoint ${request.method} ${request.url.split('?')[0]!.slice(0, 200)} (see README "Control plane")`);
      return reply.code(p.status).send(p.body);
    }
    const error = request.method === 'GET' || request.method === 'POST' ? pathNotFound(request.url.split('?')[0] ?? '/') : methodNotAllowed();
    return reply.code(error.status).send(renderError(error, request.id, options.context().scenario.node.version));
  });

  app.options('/*', async (request, reply) => {
    // No preflight for the control plane: a page's non-simple request to it must fail.
    if (request.controlPlane) {
      const p = problem(405, 'the control plane answers no OPTIONS (CORS preflight)');
      return reply.code(p.status).send(p.body);
    }
    return reply
      .code(204)
      .header('access-control-allow-methods', 'GET, POST, OPTIONS')
      .header('access-control-allow-headers', '*')
      .header('access-control-max-age', '600')
      .send();
  });

  // One set of heavy-work slots for both mounts: the caps are the node's, not each mount's.
  const routeOptions: RouteOptions = { context: options.context, heavyWork: options.heavyWork ?? heavyWorkSlots() };
  app.get('/', async () => {
    const { node } = options.context().scenario;
    return { name: node.name, description: node.description, version: node.version, status: 'running', ui: 'not available' };
  });
  app.register(controlRoutes, { ...options.control, context: options.context, journal: options.journal, prefix: CONTROL_PREFIX });
  app.register(nodeRoutes, { ...routeOptions, prefix: '/v1' });
  app.register(apiRoutes, { ...routeOptions, prefix: '/v1' });
  app.register(apiRoutes, routeOptions);
  return app;
}
