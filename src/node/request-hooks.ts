import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { FiredRule } from '../scenario/rules.ts';
import { requestFacts } from '../scenario/rules.ts';
import { RawBody } from './body.ts';
import type { NodeContext } from './context.ts';
import { applyFaultBeforeHeaders } from './faults.ts';
import { type Journal, type JournalEntry, redactCredential } from './journal.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** The scenario rule (or queued fault) that fired for this request, if any. */
    mock: FiredRule | null;
    /** This request's journal entry; routes add the cost. */
    journalEntry: JournalEntry | null;
  }
}

export const CONTROL_PREFIX = '/__mock';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function bodyObject(body: unknown): Record<string, unknown> | undefined {
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

  app.addHook('onRequest', (request, reply, done) => {
    if (request.url.startsWith(CONTROL_PREFIX)) return done();
    const started = performance.now();
    const retry = Number(request.headers['x-stainless-retry-count']);
    const credential = credentialOf(request);
    const entry = journal.add({
      id: request.id,
      time: new Date().toISOString(),
      method: request.method,
      path: request.url.split('?')[0] ?? '/',
      ...(credential ? { key: redactCredential(credential) } : {}),
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

  app.addHook('preHandler', async (request, reply) => {
    const entry = request.journalEntry;
    if (!entry) return;
    const ctx = context();
    const body = bodyObject(request.body);
    if (typeof body?.model === 'string') entry.model = body.model;
    if (!ctx.hasRules) return;
    const fired = ctx.decide(requestFacts(request.method, request.url, request.headers, body));
    if (!fired) return;
    request.mock = fired;
    entry.rule = fired.name;
    if (fired.fault) {
      entry.fault = fired.fault.type;
      const answered = await applyFaultBeforeHeaders(fired.fault, ctx, request, reply, body, body?.stream === true);
      if (answered) {
        entry.outcome = 'faulted';
        return reply;
      }
    }
    if (fired.reply?.delay_ms) await sleep(fired.reply.delay_ms);
  });
}
