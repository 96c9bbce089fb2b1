import type { FastifyReply, FastifyRequest } from 'fastify';
import { keptText } from '../limits/client-strings.ts';
import { reservationMsats } from '../payment/billing.ts';
import { authErrors } from '../payment/payments.ts';
import { normalisePath } from '../scenario/rules.ts';
import type { FaultSpec } from '../scenario/types.ts';
import type { NodeContext } from './context.ts';
import { NodeError, invalidModel, renderError } from './errors.ts';
import type { StreamFault } from './sse-writer.ts';

/**
 * Injected faults, shaped exactly as a failing real node answers (routstr-node-api.md §3), so the
 * SDK reacts as it would in production (conformance-anchors.md §2.10). Faults before the headers
 * are answered here; faults inside a stream go to the SSE writer. A faulted request is never
 * charged: these run before payment, and stream faults release the reservation.
 */

/**
 * Waits `ms`, or less when the client goes away first. Resolves true when the client is gone: the
 * request must then not be answered (nor charged). The response's `close` is the signal: the
 * request object itself counts as destroyed as soon as its body has been read.
 */
export function waitForClient(reply: FastifyReply, ms: number): Promise<boolean> {
  const res = reply.raw;
  if (res.destroyed || res.socket?.destroyed) return Promise.resolve(true);
  return new Promise<boolean>((resolve) => {
    const onClose = () => {
      clearTimeout(timer);
      resolve(true);
    };
    const timer = setTimeout(() => {
      res.off('close', onClose);
      resolve(res.destroyed || res.socket?.destroyed === true);
    }, ms);
    res.once('close', onClose);
  });
}

/**
 * A signal that aborts when the client goes away (the response's `close`, as for waitForClient)
 * while long work for it is under way, so the work can stop. `stop()` ends the watch once the
 * work is done.
 */
export function watchClient(reply: FastifyReply): { signal: AbortSignal; stop(): void } {
  const res = reply.raw;
  const controller = new AbortController();
  const onClose = () => controller.abort(new Error('The client closed the connection'));
  if (res.destroyed || res.socket?.destroyed) onClose();
  else res.once('close', onClose);
  return { signal: controller.signal, stop: () => res.off('close', onClose) };
}

/**
 * Runs a request's long work (in slices, or waiting for a slot) under watchClient. When the
 * client goes away meanwhile, the work stops at its next pause and whatever ran it has undone the
 * payment (chargeNothing, failedPayment): nothing is answered, and the journal says `client_closed`.
 */
export async function unlessClientLeaves<T>(
  request: FastifyRequest,
  reply: FastifyReply,
  work: (signal: AbortSignal) => Promise<T>,
): Promise<T | FastifyReply> {
  const client = watchClient(reply);
  try {
    return await work(client.signal);
  } catch (err) {
    if (client.signal.aborted) {
      if (request.journalEntry) request.journalEntry.outcome = 'client_closed';
      reply.hijack();
      return reply;
    }
    throw err;
  } finally {
    client.stop();
  }
}

/** Paths whose routes stream (and so apply stream faults themselves); elsewhere every fault acts before the headers. */
const STREAMING_PATHS = new Set(['/chat/completions', '/completions']);

/** OpenAI's duration format in rate-limit headers and messages: `20ms`, `1.5s`. */
function duration(seconds: number): string {
  return seconds < 1 ? `${Math.round(seconds * 1000)}ms` : `${seconds}s`;
}

/**
 * The upstream 429. The wait is `retry_after_s`, else `retry_after_ms`, else 1 s; `Retry-After` is
 * its whole seconds rounded up, so `retry_after_ms: 0` (which SDK 6.49 reads as "no retry-after-ms")
 * still means "retry at once" and not "wait a second". `model` comes quoted (keptText): a client's
 * model name may be megabytes.
 */
export function rateLimitError(fault: FaultSpec, model: string): NodeError {
  const retryAfter = fault.retry_after_s ?? (fault.retry_after_ms !== undefined ? fault.retry_after_ms / 1000 : 1);
  const message =
    fault.message ?? `Rate limit reached for ${model} on requests per min (RPM): Limit 3, Used 3, Requested 1. Please try again in ${duration(retryAfter)}.`;
  const headers: Record<string, string> = {
    'retry-after': String(Math.max(0, Math.ceil(retryAfter))),
    'x-ratelimit-limit-requests': '3',
    'x-ratelimit-remaining-requests': '0',
    'x-ratelimit-reset-requests': duration(retryAfter),
    ...(fault.retry_after_ms !== undefined ? { 'retry-after-ms': String(fault.retry_after_ms) } : {}),
    ...fault.headers,
  };
  return new NodeError(
    429,
    {
      family: 'upstream',
      error: {
        message,
        type: 'rate_limit_error',
        param: null,
        code: 'UPSTREAM_RATE_LIMIT',
        details: {
          code: 'UPSTREAM_RATE_LIMIT',
          message,
          model,
          limit_name: 'requests',
          metric: 'RPM',
          limit: 3,
          used: 3,
          requested: 1,
          retry_after_seconds: retryAfter,
        },
      },
    },
    headers,
  );
}

/** Upstream failures: a 5xx with the node's direct envelope, or the newer 424 UPSTREAM_UNAVAILABLE. */
export function upstreamError(fault: FaultSpec, model: string): NodeError {
  const status = fault.status ?? 502;
  if (status === 424) {
    return new NodeError(
      424,
      {
        family: 'direct',
        error: {
          message: fault.message ?? `Upstream unavailable for model ${model}`,
          type: 'upstream_error',
          code: 'UPSTREAM_UNAVAILABLE',
          details: { upstream_status: 502 },
        },
      },
      { 'x-routstr-error-scope': 'upstream' },
    );
  }
  const message = fault.message ?? `Upstream base returned ${status} for model ${model}: upstream service unavailable`;
  return new NodeError(status, { family: 'direct', error: { message, type: 'upstream_error', code: status } });
}

/** The error frame a stream_error fault sends mid-stream. */
export function streamErrorBody(fault: FaultSpec): unknown {
  return { error: { message: fault.message ?? 'Upstream stream interrupted', type: 'upstream_error', param: null, code: fault.code ?? 'stream_error' } };
}

/** A fault that belongs inside a stream, for a streaming request; undefined when it acts before headers. */
export function streamFaultOf(fault: FaultSpec | undefined, streaming: boolean): StreamFault | undefined {
  if (!fault || !streaming) return undefined;
  const afterChunks = fault.after_chunks;
  switch (fault.type) {
    case 'disconnect':
      return afterChunks === undefined ? undefined : { kind: 'disconnect', afterChunks };
    case 'timeout':
      if (afterChunks === undefined) return undefined;
      return fault.mode === 'delay' ? { kind: 'pause', afterChunks, delayMs: fault.delay_ms ?? 1000 } : { kind: 'stall', afterChunks };
    case 'malformed':
      return { kind: 'malformed', afterChunks: afterChunks ?? 0 };
    case 'stream_error':
      return { kind: 'error', afterChunks: afterChunks ?? 0, body: streamErrorBody(fault) };
    default:
      return undefined;
  }
}

/**
 * Applies a fault that acts before any header is sent. Returns true when the request has been
 * answered (or abandoned) here, false when the route should go on (a delay, or a stream fault).
 */
export async function applyFaultBeforeHeaders(
  fault: FaultSpec,
  ctx: NodeContext,
  request: FastifyRequest,
  reply: FastifyReply,
  body: Record<string, unknown> | undefined,
  streaming: boolean,
): Promise<boolean> {
  if (streamFaultOf(fault, streaming && STREAMING_PATHS.has(normalisePath(request.url)))) return false;
  const model = typeof body?.model === 'string' ? body.model : 'unknown';
  const send = (err: NodeError) => {
    reply
      .code(err.status)
      .headers(err.headers)
      .send(renderError(err, request.id, ctx.scenario.node.version));
    return true;
  };
  switch (fault.type) {
    case 'insufficient_balance': {
      const spec = ctx.models.find(model);
      const required = spec && body ? reservationMsats(spec, body) : 1000;
      return send(authErrors.insufficientForModel(required, Math.max(0, Math.min(required - 1, availableFor(ctx, request)))));
    }
    case 'rate_limit':
      return send(rateLimitError(fault, keptText(model)));
    case 'upstream_error':
    case 'stream_error':
      return send(upstreamError(fault, keptText(model)));
    case 'invalid_api_key':
      return send(authErrors.invalidKey());
    case 'key_expired':
      return send(authErrors.keyExpired());
    case 'invalid_model':
      return send(invalidModel(model));
    case 'status':
      reply
        .code(fault.status ?? 500)
        .headers(fault.headers ?? {})
        .send(fault.body ?? { error: { message: fault.message ?? `Injected status ${fault.status ?? 500}`, type: 'mock_fault', param: null, code: null } });
      return true;
    case 'timeout':
      if (fault.mode === 'delay') {
        // When the client gave up during the delay, nobody is left to answer (or to charge): the
        // hijack keeps fastify from running the route. Otherwise the route goes on, late.
        if (await waitForClient(reply, fault.delay_ms ?? 1000)) {
          reply.hijack();
          return true;
        }
        return false;
      }
      reply.hijack();
      // Never answer; the socket closes when the client gives up (or the node shuts down).
      return true;
    case 'disconnect':
      reply.hijack();
      request.raw.socket.destroy();
      return true;
    case 'malformed':
      reply.hijack();
      reply.raw.writeHead(200, { ...(reply.getHeaders() as Record<string, string>), 'content-type': 'application/json' });
      reply.raw.end('{"id":"chatcmpl-malformed","object":"chat.completion","choices":[{"index":0,"message":{"role":"assis');
      return true;
  }
}

function availableFor(ctx: NodeContext, request: FastifyRequest): number {
  const auth = request.headers.authorization;
  const key = typeof auth === 'string' ? auth.replace(/^Bearer\s+/i, '').trim() : '';
  const account = ctx.payments.ledger.get(key);
  return account ? ctx.payments.ledger.available(account) : 0;
}
