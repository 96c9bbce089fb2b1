import type { FastifyReply, FastifyRequest } from 'fastify';
import { freeCost } from '../payment/billing.ts';
import type { Payer, Settlement } from '../payment/payments.ts';
import { describeDifferences, ruleLabel } from '../record/coverage.ts';
import { isModelRequest } from '../record/fingerprint.ts';
import type { RecordingSession } from '../record/proxy.ts';
import { costEventIndex, reportedCostMsats, reportedUsage } from '../record/recording.ts';
import { type NearestRule, type RequestFacts, fingerprintOfFacts } from '../scenario/rules.ts';
import type { ModelSpec, RecordedReply } from '../scenario/types.ts';
import { RawBody, UnparsableJson } from './body.ts';
import type { NodeContext } from './context.ts';
import { NodeError, renderError } from './errors.ts';
import type { JournalRecord } from './journal.ts';
import { type SseEvent, writeSse } from './sse-writer.ts';

/**
 * Replay of recorded answers (`reply.recorded`, written by `routstr-mock record`), and what
 * happens to a model request no rule answers: a generated answer (the default), the node's 404
 * `no_recording` naming the nearest recorded request (`--strict`), or forwarding it to the real
 * node and recording it (`--record-missing`).
 *
 * Money: a replayed success is paid like a real one. The caller is authenticated as the node
 * would (an unknown key gets the node's 401, X-Cashu tokens are redeemed), the recorded reported
 * cost is reserved (a short balance gets the real 402) and charged, and the `remaining_balance_msats`
 * fields of the answer say the balance that is really left. An X-Cashu payer gets its change in
 * the `X-Cashu` header. A recorded error is replayed as recorded and charges nothing.
 */

export type ReplayMode = 'fallback' | 'strict' | 'record-missing';

export interface ReplaySettings {
  /** What a model request no rule answers gets. */
  mode: ReplayMode;
  /** Recorded stream times are divided by this (2 = twice as fast). */
  speed: number;
  /** With `record-missing`: where unmatched requests are forwarded and recorded. */
  recorder?: RecordingSession;
}

export const DEFAULT_REPLAY: ReplaySettings = { mode: 'fallback', speed: 1 };

/** Every `remaining_balance_msats` in a body or chunk set to the balance that is really left. */
function withRemainingBalance(value: unknown, remaining: number): unknown {
  if (Array.isArray(value)) return value.map((v) => withRemainingBalance(v, remaining));
  if (!value || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value))
    out[k] = k === 'remaining_balance_msats' && typeof v === 'number' ? remaining : withRemainingBalance(v, remaining);
  return out;
}

function modelFor(ctx: NodeContext, id: string): ModelSpec {
  return (
    ctx.models.find(id) ?? {
      id,
      name: id,
      description: '',
      kind: 'chat',
      created: 0,
      owned_by: '',
      sats_per_million_tokens: { prompt: 0, completion: 0 },
      context_length: 1,
      max_completion_tokens: 1,
      aliases: [],
    }
  );
}

function sendError(ctx: NodeContext, request: FastifyRequest, reply: FastifyReply, err: NodeError): void {
  reply
    .code(err.status)
    .headers(err.headers)
    .send(renderError(err, request.id, ctx.scenario.node.version));
}

/** An event's data: JSON as JSON text, text as it was (writeSse frames it, one `data:` line per line). */
function textOf(data: unknown): string {
  return typeof data === 'string' ? data : JSON.stringify(data);
}

/**
 * Sends a recorded answer. For a recorded success the caller pays the recorded cost (see above);
 * resolves once the answer is out (or the client has gone).
 */
export async function replayRecorded(
  recorded: RecordedReply,
  ctx: NodeContext,
  request: FastifyRequest,
  reply: FastifyReply,
  body: Record<string, unknown> | undefined,
  entry: JournalRecord,
  speed: number,
): Promise<void> {
  const success = recorded.status < 400;
  const cost = success ? (reportedCostMsats(recorded.headers, recorded.body, recorded.events) ?? 0) : 0;
  let payer: Payer | undefined;
  if (success) {
    try {
      payer = ctx.payments.authorize(request.headers, modelFor(ctx, typeof body?.model === 'string' ? body.model : 'unknown'), cost);
    } catch (err) {
      if (!(err instanceof NodeError)) throw err;
      return sendError(ctx, request, reply, err);
    }
  }
  let settlement: Settlement | undefined;
  const settle = (): Settlement | undefined => {
    if (!payer || settlement) return settlement;
    settlement = ctx.payments.settle(payer, { ...freeCost(), total_msats: cost });
    entry.cost_msats = settlement.charged;
    const usage = reportedUsage(recorded.body, recorded.events);
    if (usage) request.settledUsage = usage;
    return settlement;
  };
  const patched = (value: unknown): unknown => {
    const remaining = settlement?.remainingBalance;
    return remaining === undefined ? value : withRemainingBalance(value, remaining);
  };
  reply.headers(recorded.headers ?? {});

  if (!recorded.events) {
    settle();
    if (settlement?.changeToken) reply.header('x-cashu', settlement.changeToken);
    reply.code(recorded.status);
    const payload = patched(recorded.body);
    if (payload === undefined) return void reply.send();
    if (typeof payload === 'string') return void reply.send(payload);
    if (!reply.hasHeader('content-type')) reply.type('application/json');
    return void reply.send(JSON.stringify(payload));
  }

  // X-Cashu answers are settled before the headers (the change goes in them), as real nodes buffer them.
  if (payer?.mode === 'xcashu') {
    settle();
    if (settlement?.changeToken) reply.header('x-cashu', settlement.changeToken);
  }
  const events = recorded.events;
  const settleAt = costEventIndex(events);
  // Recorded times divided by --replay-speed; the cost event settles when it goes out, as on real nodes.
  const sseEvents: SseEvent[] = events.map((event, i) =>
    i === settleAt
      ? {
          at: event.at_ms / speed,
          settles: true,
          data: () => {
            settle();
            return textOf(patched(event.data));
          },
        }
      : { at: event.at_ms / speed, data: textOf(event.data) },
  );
  const outcome = await writeSse(reply, sseEvents, undefined, {
    status: recorded.status,
    ...(recorded.headers ? { headers: recorded.headers } : {}),
    ...(recorded.disconnect ? { dropAtEnd: true } : {}),
    clientTimeoutMs: ctx.scenario.stream.client_timeout_ms,
  });
  if (outcome === 'completed') settle();
  else if (payer && !settlement) ctx.payments.fail(payer);
  if (outcome === 'client_closed') entry.outcome = 'client_closed';
}

/** The 404 a strict replay answers for a request nothing was recorded for, naming the nearest recording and what differed. */
export function noRecordingError(facts: RequestFacts, url: string, nearest: NearestRule | undefined): NodeError {
  const fingerprint = fingerprintOfFacts(facts).text;
  const request = `${facts.method} ${url.split('?')[0]} (model ${facts.model ?? 'none'}, stream ${facts.stream}, ${fingerprint})`;
  const near = nearest
    ? `The nearest recorded request is ${ruleLabel(nearest)}; it differs in ${describeDifferences(nearest)}.`
    : 'The scenario has no recorded requests.';
  return new NodeError(404, {
    family: 'direct',
    error: {
      message: `No recorded answer for ${request}. ${near} Record it (routstr-mock record, or serve --record-missing) or serve without --strict for a generated answer.`,
      type: 'not_found',
      code: 'no_recording',
      ...(nearest ? { nearest: { rule: nearest.index + 1, name: nearest.name, differs: nearest.differs } } : {}),
    },
  });
}

/** The body as bytes to forward: what the client sent, re-encoded when it was parsed as JSON. */
function forwardableBody(body: unknown): Buffer | undefined {
  if (body instanceof RawBody) return body.bytes;
  if (body instanceof UnparsableJson) return undefined;
  if (body === undefined || body === null) return Buffer.alloc(0);
  return Buffer.from(JSON.stringify(body));
}

/**
 * A model request that matched no rule: counted for coverage, then answered by the mode. Returns
 * true when it has been answered here (strict, record-missing), false for a generated answer.
 */
export async function answerUnmatched(
  ctx: NodeContext,
  facts: RequestFacts,
  request: FastifyRequest,
  reply: FastifyReply,
  entry: JournalRecord,
): Promise<boolean> {
  if (!isModelRequest(request.method, request.url)) return false;
  ctx.noteUnmatched(facts);
  const { mode, recorder } = ctx.replay;
  if (mode === 'strict') {
    entry.rule = '(no recording)';
    sendError(ctx, request, reply, noRecordingError(facts, request.url, ctx.nearestRecorded(facts)));
    return true;
  }
  if (mode === 'record-missing' && recorder) {
    const bytes = forwardableBody(request.body);
    if (bytes === undefined) return false;
    entry.rule = '(recorded now)';
    reply.hijack();
    const rule = await recorder.handle({ method: request.method, url: request.url, headers: request.headers, body: bytes }, reply.raw, request.id);
    if (rule) ctx.addRule(rule);
    return true;
  }
  return false;
}
