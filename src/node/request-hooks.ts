import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { boundedName, keptText } from '../limits/client-strings.ts';
import { MODEL_ENDPOINTS } from '../requests/endpoints.ts';
import { RateLimiter, type Refusal, formatReset } from '../limits/rate-limiter.ts';
import type { FiredRule } from '../scenario/rules.ts';
import { normalisePath, requestFacts } from '../scenario/rules.ts';
import { RawBody, UnparsableJson } from './body.ts';
import type { NodeContext } from './context.ts';
import { renderError } from './errors.ts';
import { applyFaultBeforeHeaders, rateLimitError, waitForClient } from './faults.ts';
import { type Journal, type JournalRecord, noteModel } from './journal.ts';
import { answerUnmatched, replayRecorded } from './replay.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** The scenario rule (or queued fault) that fired for this request, if any. */
    mock: FiredRule | null;
    /** This request's journal entry; routes add the cost. */
    journalEntry: JournalRecord | null;
    /**
     * The token usage of a settled response; routes that settle set it, and the rate limiter
     * counts it against the key's `tpm` once the response is over.
     */
    settledUsage: { prompt_tokens: number; completion_tokens: number } | null;
  }
}

/**
 * The rate limiter of a context, created on first use from `scenario.limits`. Keyed by the context
 * object, so a scenario load or reset (which swaps the context whole) starts from a fresh limiter.
 */
const limiters = new WeakMap<NodeContext, RateLimiter | null>();
export function limiterOf(ctx: NodeContext): RateLimiter | undefined {
  let limiter = limiters.get(ctx);
  if (limiter === undefined) {
    const limits = ctx.scenario.limits;
    limiter = limits && (limits.rpm !== undefined || limits.tpm !== undefined) ? new RateLimiter(limits) : null;
    limiters.set(ctx, limiter);
  }
  return limiter ?? undefined;
}

/** OpenAI's wording, with the figures of the limit that was hit. */
function refusalMessage(refusal: Refusal, model: string): string {
  const metric = refusal.metric === 'requests' ? 'requests per min (RPM)' : 'tokens per min (TPM)';
  const requested = refusal.metric === 'requests' ? ', Requested 1' : '';
  return `Rate limit reached for ${model} on ${metric}: Limit ${refusal.limit}, Used ${refusal.used}${requested}. Please try again in ${formatReset(refusal.retryAfterMs)}.`;
}

/** The real 429 (faults.ts's shape), with Retry-After, details and headers from the limiter's state. */
function sendRefusal(
  ctx: NodeContext,
  limiter: RateLimiter,
  key: string,
  now: number,
  refusal: Refusal,
  request: FastifyRequest,
  reply: FastifyReply,
  model: string,
): void {
  // Retry-After in whole seconds, rounded up and at least 1 (as routstr-core synthesises it); the exact wait in retry-after-ms.
  const retryAfterS = Math.max(1, Math.ceil(refusal.retryAfterMs / 1000));
  const message = refusalMessage(refusal, model);
  const err = rateLimitError(
    { type: 'rate_limit', retry_after_s: retryAfterS, retry_after_ms: refusal.retryAfterMs, message, headers: limiter.headers(key, now) },
    model,
  );
  if (err.shape.family === 'upstream') {
    err.shape.error.details = {
      code: 'UPSTREAM_RATE_LIMIT',
      message,
      model,
      limit_name: refusal.metric,
      metric: refusal.metric === 'requests' ? 'RPM' : 'TPM',
      limit: refusal.limit,
      used: refusal.used,
      ...(refusal.metric === 'requests' ? { requested: 1 } : {}),
      retry_after_seconds: retryAfterS,
    };
  }
  reply
    .code(err.status)
    .headers(err.headers)
    .send(renderError(err, request.id, ctx.scenario.node.version));
}

function bodyObject(body: unknown): Record<string, unknown> | undefined {
  if (body instanceof UnparsableJson) return undefined;
  if (body instanceof RawBody) {
    try {
      body = JSON.parse(body.bytes.toString('utf8'));
    } catch {
      return undefined;
    }
  }
  return body && typeof body === 'object' && !Array.isArray(body) ? (body as Record<string, unknown>) : undefined;
}

function credentialOf(request: FastifyRequest): string | undefined {
  const xcashu = request.headers['x-cashu'];
  if (typeof xcashu === 'string' && xcashu.trim()) return xcashu.trim();
  const auth = request.headers.authorization;
  return typeof auth === 'string' ? auth.replace(/^Bearer\s+/i, '').trim() || undefined : undefined;
}

/**
 * The per-request plumbing around every route: the journal entry (finished when the socket
 * closes, so hijacked streams are recorded too), and the scenario decision with faults that act
 * before any header is sent.
 */
export function registerRequestHooks(app: FastifyInstance, context: () => NodeContext, journal: Journal): void {
  app.decorateRequest('mock', null);
  app.decorateRequest('journalEntry', null);
  app.decorateRequest('settledUsage', null);

  app.addHook('onRequest', (request, reply, done) => {
    if (request.controlPlane) return done();
    const started = performance.now();
    const retry = Number(request.headers['x-stainless-retry-count']);
    const credential = credentialOf(request);
    const query = request.url.indexOf('?');
    const entry = journal.add({
      id: request.id,
      at: Date.now(),
      method: request.method,
      path: query < 0 ? request.url : request.url.slice(0, query),
      ...(credential ? { credential } : {}),
      ...(Number.isInteger(retry) ? { retry_count: retry } : {}),
    });
    request.journalEntry = entry;
    reply.raw.once('close', () => {
      entry.status = reply.raw.headersSent ? reply.raw.statusCode : 0;
      entry.duration_ms = Math.round(performance.now() - started);
      entry.outcome ??= reply.raw.writableFinished ? 'completed' : 'client_closed';
    });
    done();
  });

  // Callback style, so the common path (no limits, no rules) costs no promise.
  app.addHook('preHandler', (request, reply, done) => {
    const entry = request.journalEntry;
    const ctx = context();
    if (!entry || (!ctx.hasRules && !limiterOf(ctx) && ctx.replay.mode === 'fallback')) {
      if (entry && request.body && typeof request.body === 'object' && typeof (request.body as { model?: unknown }).model === 'string') {
        noteModel(entry, (request.body as { model: string }).model);
      }
      return done();
    }
    applyScenario(request, reply, entry, ctx).then(
      (answered) => {
        if (!answered) done();
      },
      (err: Error) => done(err),
    );
  });

  /** Limits, then rules and faults; true when the request has been answered (or abandoned) here. */
  async function applyScenario(request: FastifyRequest, reply: FastifyReply, entry: JournalRecord, ctx: NodeContext): Promise<boolean> {
    const body = bodyObject(request.body);
    if (typeof body?.model === 'string') noteModel(entry, body.model);

    // Rate limits first: an over-limit request is refused before any rule, payment or work.
    const limiter = limiterOf(ctx);
    const credential = limiter && request.method === 'POST' && MODEL_ENDPOINTS.has(normalisePath(request.url)) ? credentialOf(request) : undefined;
    // The limiter keeps every key for its window: a 4 KB credential is kept as a short digest.
    const key = credential === undefined ? undefined : boundedName(credential);
    let limitHeaders: Record<string, string> | undefined;
    if (limiter && key !== undefined) {
      const now = performance.now();
      const verdict = limiter.admit(key, now);
      if (!verdict.ok) {
        entry.rule = `limits.${verdict.metric === 'requests' ? 'rpm' : 'tpm'}`;
        entry.fault = 'rate_limit';
        entry.outcome = 'faulted';
        sendRefusal(ctx, limiter, key, now, verdict, request, reply, typeof body?.model === 'string' ? keptText(body.model) : 'unknown');
        return true;
      }
      // Admitted: the headers count down on this response; its tokens count once it is settled and over.
      limitHeaders = limiter.headers(key, now);
      reply.headers(limitHeaders);
      reply.raw.once('close', () => {
        const usage = request.settledUsage;
        if (usage) limiter.record(key, usage.prompt_tokens + usage.completion_tokens, performance.now());
      });
    }

    if (!ctx.hasRules && ctx.replay.mode === 'fallback') return false;
    const facts = requestFacts(request.method, request.url, request.headers, body);
    const fired = ctx.hasRules ? ctx.decide(facts) : undefined;
    // No rule: a generated answer, or (replaying a recording) --strict's 404 or --record-missing's forward.
    if (!fired) return answerUnmatched(ctx, facts, request, reply, entry);
    request.mock = fired;
    entry.rule = fired.name;
    if (fired.reply?.recorded) {
      await replayRecorded(fired.reply.recorded, ctx, request, reply, body, entry, ctx.replay.speed);
      return true;
    }
    if (fired.fault) {
      entry.fault = fired.fault.type;
      // A scripted 429 on a limited node keeps the limiter's true x-ratelimit-* figures, not the fault's generic ones.
      const fault = fired.fault.type === 'rate_limit' && limitHeaders ? { ...fired.fault, headers: { ...limitHeaders, ...fired.fault.headers } } : fired.fault;
      const answered = await applyFaultBeforeHeaders(fault, ctx, request, reply, body, body?.stream === true);
      if (answered) {
        entry.outcome = 'faulted';
        return true;
      }
    }
    // A client that gives up during a scripted delay is not answered, and so not charged.
    if (fired.reply?.delay_ms && (await waitForClient(reply, fired.reply.delay_ms))) {
      entry.outcome = 'client_closed';
      reply.hijack();
      return true;
    }
    return false;
  }
}
