import { randomBytes, timingSafeEqual } from 'node:crypto';
import { isIPv4 } from 'node:net';
import { posix } from 'node:path';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ScenarioError, type ScenarioInput, lintScenario } from '../scenario/loader.ts';
import { normalisePath } from '../scenario/rules.ts';
import type { FaultSpec, Scenario, WhenSpec } from '../scenario/types.ts';
import { MAX_ACCOUNT_MSATS } from '../payment/limits.ts';
import { RawBody, UnparsableJson, jsonBodyParser, rawBodyParser } from './body.ts';
import type { NodeContext } from './context.ts';
import type { Journal, JournalEntry, JournalFilter } from './journal.ts';

/**
 * The control plane under /__mock/: journal, reset, scenario loading, funded keys and queued
 * one-shot faults. Loopback callers only, unless a control token is configured; then the token is
 * required from everyone. Closed to web pages (issue 12): no CORS, JSON and YAML bodies only (a
 * page can send text/plain and forms without a preflight), and without a token a Host and an
 * Origin that name loopback only (a DNS-rebinding page sends its own name).
 */

declare module 'fastify' {
  interface FastifyRequest {
    /** The request is for the control plane (isControlUrl): guarded, never journaled, no CORS. */
    controlPlane: boolean;
  }
}

export const CONTROL_PREFIX = '/__mock';

/**
 * True for a URL under /__mock, as the router or a lenient proxy may read it: percent-decoded
 * (`/%5F%5Fmock/` is routed to the control plane), dot segments resolved, repeated slashes and
 * case ignored. Such a request is never an API request, so it is never journaled with its token.
 */
export function isControlUrl(url: string): boolean {
  const query = url.indexOf('?');
  let path = query < 0 ? url : url.slice(0, query);
  try {
    path = decodeURIComponent(path);
  } catch {
    // Not decodable: the router answers 404; the raw path decides.
  }
  const normal = posix.normalize(path).toLowerCase();
  return normal === CONTROL_PREFIX || normal.startsWith(`${CONTROL_PREFIX}/`);
}

/** Body types the control plane parses: JSON, and YAML for scenarios. No text/plain, no forms. */
export const CONTROL_BODY_TYPES = ['application/json', 'application/yaml', 'application/x-yaml', 'text/yaml', 'text/x-yaml'] as const;

export interface ControlOptions {
  context: () => NodeContext;
  journal: Journal;
  /** Replaces the active scenario; throws (or rejects with) ScenarioError and changes nothing when invalid. */
  loadScenario: (input: ScenarioInput) => Scenario | Promise<Scenario>;
  /** Fresh state (money, counters, queued faults) for the active scenario. */
  reset: () => void;
  controlToken?: string;
}

/**
 * True for a peer address in 127.0.0.0/8 or ::1, as Node reports them (IPv4-mapped IPv6 included,
 * e.g. `::ffff:127.0.0.1` on a dual-stack socket). Anything else, or anything malformed, is not.
 */
export function isLoopback(address: string | undefined): boolean {
  if (!address) return false;
  const lower = address.toLowerCase();
  if (lower === '::1' || lower === '0:0:0:0:0:0:0:1') return true;
  const v4 = lower.startsWith('::ffff:') ? lower.slice(7) : lower;
  return isIPv4(v4) && v4.split('.')[0] === '127';
}

/**
 * True for a Host header, an Origin's host or a bind address naming loopback: localhost (and *.localhost, which
 * browsers resolve to loopback themselves), 127.0.0.0/8 or [::1], any port. No Host at all
 * (HTTP/1.0) passes: a browser always sends one.
 */
export function isLoopbackHost(host: string | undefined): boolean {
  if (host === undefined) return true;
  let name = host.trim().toLowerCase();
  // A bare IPv6 address (a bind address such as ::1; a Host header brackets it).
  if (!name.startsWith('[') && name.indexOf(':') !== name.lastIndexOf(':')) return isLoopback(name);
  if (name.startsWith('[')) {
    const end = name.indexOf(']');
    return end > 0 && /^(?::\d*)?$/.test(name.slice(end + 1)) && isLoopback(name.slice(1, end));
  }
  name = name.replace(/:\d*$/, '').replace(/\.$/, '');
  return name === 'localhost' || name.endsWith('.localhost') || isLoopback(name);
}

/** True for an Origin of a loopback page (http(s)://localhost:…); `null` (sandboxed, file:) is not. */
export function isLoopbackOrigin(origin: string): boolean {
  try {
    const url = new URL(origin);
    return (url.protocol === 'http:' || url.protocol === 'https:') && isLoopbackHost(url.host);
  } catch {
    return false;
  }
}

/** Why a control-plane request is refused, or undefined when it may go on. */
export function controlRefusal(
  request: { remoteAddress: string | undefined; host: string | undefined; origin: string | undefined; token: string | undefined },
  controlToken: string | undefined,
): { status: number; message: string } | undefined {
  // Whoever holds the token may call from anywhere; a page cannot send it (a custom header or
  // Authorization needs a preflight, and the control plane answers none).
  if (controlToken) {
    return tokenMatches(request.token, controlToken)
      ? undefined
      : { status: 401, message: 'the control plane needs the control token (x-mock-control-token or Bearer)' };
  }
  if (!isLoopback(request.remoteAddress)) {
    return { status: 403, message: 'the control plane answers on loopback only; start the node with a control token to reach it from elsewhere' };
  }
  if (!isLoopbackHost(request.host)) {
    return {
      status: 403,
      message: `the control plane answers to loopback names only (Host ${JSON.stringify(request.host?.slice(0, 100))}; a page rebinding its name to 127.0.0.1 sends its own); use 127.0.0.1 or localhost, or start the node with a control token`,
    };
  }
  if (request.origin !== undefined && !isLoopbackOrigin(request.origin)) {
    return {
      status: 403,
      message: `the control plane refuses requests from web pages (Origin ${JSON.stringify(request.origin.slice(0, 100))}); call it from a test or a tool, or start the node with a control token`,
    };
  }
  return undefined;
}

function tokenMatches(given: string | undefined, expected: string): boolean {
  if (!given) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

function presentedToken(request: FastifyRequest): string | undefined {
  const header = request.headers['x-mock-control-token'];
  if (typeof header === 'string') return header;
  const auth = request.headers.authorization;
  return typeof auth === 'string' && auth.startsWith('Bearer ') ? auth.slice(7) : undefined;
}

/** Problems listed in one answer: a body with 100 000 unknown keys must not get a 100 000-line answer. */
const MAX_LISTED_PROBLEMS = 50;

/** The control plane's error answer, for every refusal (here and the app's error and not-found handlers). */
export const problem = (status: number, message: string, extra: { problems?: unknown[] } = {}) => {
  const listed =
    extra.problems && extra.problems.length > MAX_LISTED_PROBLEMS
      ? { problems: extra.problems.slice(0, MAX_LISTED_PROBLEMS), problems_total: extra.problems.length }
      : extra;
  return { status, body: { error: { message, type: 'control_error', ...listed } } };
};

function scenarioInputOf(body: unknown): ScenarioInput | undefined {
  if (body instanceof UnparsableJson) return undefined;
  if (body instanceof RawBody) {
    // Always YAML text: a one-line body must never be taken for a file path or a scenario name.
    const text = body.bytes.toString('utf8');
    return text.includes('\n') ? text : `${text}\n`;
  }
  if (body && typeof body === 'object' && !Array.isArray(body)) return body as Record<string, unknown>;
  return undefined;
}

/** A JSON object body (also sent under a YAML type: JSON is YAML), `{}` for none, undefined for anything else. */
function objectBody(body: unknown): Record<string, unknown> | undefined {
  if (body === undefined || body === null) return {};
  if (body instanceof UnparsableJson) return undefined;
  if (body instanceof RawBody) {
    const text = body.bytes.toString('utf8').trim();
    if (text === '') return {};
    try {
      body = JSON.parse(text);
    } catch {
      return undefined;
    }
  }
  return body && typeof body === 'object' && !Array.isArray(body) ? (body as Record<string, unknown>) : undefined;
}

/** `since` as an ISO time or epoch milliseconds, normalised to the journal's ISO form; undefined past what a Date holds. */
function isoTime(value: string): string | undefined {
  const ms = /^\d+$/.test(value) ? Number(value) : Date.parse(value);
  const date = new Date(ms);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

type JournalQuery = { filter: JournalFilter; path?: string; limit?: number };

/** The journal's query string, checked; a message for the first bad parameter. A repeated parameter counts once, its last value. */
function journalQuery(query: Record<string, string | string[] | undefined>): JournalQuery | string {
  const q = Object.fromEntries(Object.entries(query).map(([k, v]) => [k, Array.isArray(v) ? v[v.length - 1] : v]));
  const filter: JournalFilter = {
    ...(q.method ? { method: q.method } : {}),
    ...(q.model ? { model: q.model } : {}),
    ...(q.rule ? { rule: q.rule } : {}),
    ...(q.fault ? { fault: q.fault } : {}),
  };
  if (q.status) {
    const status = Number(q.status);
    if (!Number.isInteger(status)) return `status must be an HTTP status code (0 for requests that got no response), not "${q.status}"`;
    filter.status = status;
  }
  if (q.since) {
    const since = isoTime(q.since);
    if (!since) return `since must be an ISO time or epoch milliseconds, not "${q.since}"`;
    filter.since = since;
  }
  let limit: number | undefined;
  if (q.limit) {
    limit = Number(q.limit);
    if (!Number.isInteger(limit) || limit < 1) return `limit must be a positive integer, not "${q.limit}"`;
  }
  return { filter, ...(q.path ? { path: q.path } : {}), ...(limit !== undefined ? { limit } : {}) };
}

/** Entries matching the query; `path` matches with or without the `/v1` prefix; `limit` keeps the newest. */
function queryJournal(journal: Journal, query: JournalQuery): JournalEntry[] {
  let entries = journal.list(query.filter);
  if (query.path !== undefined) {
    const wanted = normalisePath(query.path);
    entries = entries.filter((e) => normalisePath(e.path) === wanted);
  }
  return query.limit !== undefined ? entries.slice(-query.limit) : entries;
}

/** A queued fault is checked exactly like a scenario rule, so the same mistakes get the same messages. */
function queuedFaultProblems(fault: unknown, when: unknown): string[] {
  if (!fault || typeof fault !== 'object') return ['body.fault must be an object with a "type"'];
  const rule = when === undefined ? { fault } : { fault, when };
  return lintScenario({ version: 1, extends: 'none', rules: [rule] }).map((p) => p.message.replace('/rules/0/', '/'));
}

/**
 * Marks control-plane requests and refuses the ones not allowed, first thing for every request
 * (routed or not: a 404 under /__mock is guarded too). Registered on the root, before the journal.
 */
export function registerControlGuard(app: FastifyInstance, controlToken: string | undefined): void {
  app.decorateRequest('controlPlane', false);
  app.addHook('onRequest', (request: FastifyRequest, reply: FastifyReply, done: () => void) => {
    if (!isControlUrl(request.url)) return done();
    request.controlPlane = true;
    const origin = request.headers.origin;
    const refusal = controlRefusal(
      {
        remoteAddress: request.socket.remoteAddress,
        host: request.headers.host,
        origin: typeof origin === 'string' ? origin : undefined,
        token: presentedToken(request),
      },
      controlToken,
    );
    if (!refusal) return done();
    const p = problem(refusal.status, refusal.message);
    reply.code(p.status).send(p.body);
  });
}

export async function controlRoutes(app: FastifyInstance, opts: ControlOptions): Promise<void> {
  // Only JSON and YAML bodies: anything else (text/plain, forms, no type) is fastify's 415, which
  // the app's error handler answers as a control problem.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string' }, jsonBodyParser);
  app.addContentTypeParser(CONTROL_BODY_TYPES.slice(1), { parseAs: 'buffer' }, rawBodyParser);

  app.get('/health', async () => ({ ok: true }));

  app.get<{ Querystring: Record<string, string | string[] | undefined> }>('/journal', async (request, reply) => {
    const query = journalQuery(request.query);
    if (typeof query === 'string') {
      const p = problem(400, query);
      return reply.code(p.status).send(p.body);
    }
    return { entries: queryJournal(opts.journal, query) };
  });
  app.delete('/journal', async () => {
    opts.journal.clear();
    return { ok: true };
  });

  app.post('/reset', async () => {
    opts.reset();
    opts.journal.clear();
    return { ok: true };
  });

  app.get('/scenario', async () => opts.context().scenario);
  app.post('/scenario', async (request, reply) => {
    const input = scenarioInputOf(request.body);
    if (input === undefined) {
      const p = problem(400, 'send the scenario as YAML (text body) or as a JSON object');
      return reply.code(p.status).send(p.body);
    }
    try {
      const s = await opts.loadScenario(input);
      return { ok: true, name: s.name, seed: s.seed, models: s.models.length, rules: s.rules.length };
    } catch (err) {
      // Anything the loader throws means the text is not a usable scenario: a YAML error the loader
      // does not wrap (an alias to an unknown anchor throws a plain ReferenceError) is a 400 as well.
      const problems = err instanceof ScenarioError ? err.problems : [{ file: '<inline>', line: 1, col: 1, message: (err as Error).message }];
      const p = problem(400, 'invalid scenario; the active scenario is unchanged', { problems });
      return reply.code(p.status).send(p.body);
    }
  });

  app.post('/keys', async (request, reply) => {
    const body = objectBody(request.body);
    const refuse = (message: string) => {
      const p = problem(400, message);
      return reply.code(p.status).send(p.body);
    };
    if (body === undefined) return refuse('send a JSON object: {"key"?: "sk-…", "balance_msats": N}');
    const balance = body.balance_msats ?? 0;
    if (typeof balance !== 'number' || !Number.isSafeInteger(balance) || balance < 0) return refuse('balance_msats must be a non-negative integer (millisats)');
    if (body.key !== undefined && (typeof body.key !== 'string' || !/^sk-\S+$/.test(body.key))) {
      return refuse('key must be an API key of the form "sk-…" (leave it out to get a random one)');
    }
    const key = typeof body.key === 'string' ? body.key : `sk-${randomBytes(32).toString('hex')}`;
    const { ledger } = opts.context().payments;
    const room = ledger.roomToReplace(key);
    if (balance > room) return refuse(`balance_msats must be at most ${room} (the node holds at most ${MAX_ACCOUNT_MSATS} msats per key, exactly)`);
    // Replacing a key under a running request would settle that request on the new account.
    const previous = ledger.get(key);
    if (previous && ledger.hasOpenReservations(previous)) {
      const p = problem(409, 'the key has requests in flight; replace it once they have finished');
      return reply.code(p.status).send(p.body);
    }
    ledger.addFunded(key, balance);
    return { key, balance_msats: balance };
  });

  app.get('/faults', async () => ({ queued: opts.context().queuedFaults() }));
  app.post('/faults', async (request, reply) => {
    const body = objectBody(request.body);
    if (body === undefined) {
      const p = problem(400, 'send a JSON object: {"fault": {"type": …}, "count"?: N, "when"?: {…}}');
      return reply.code(p.status).send(p.body);
    }
    const problems = queuedFaultProblems(body.fault, body.when);
    const count = body.count ?? 1;
    if (problems.length > 0 || typeof count !== 'number' || !Number.isInteger(count) || count < 1) {
      const p = problem(400, problems[0] ?? 'count must be a positive integer', { problems });
      return reply.code(p.status).send(p.body);
    }
    opts.context().queueFault(body.fault as FaultSpec, count, body.when as WhenSpec | undefined);
    return { queued: opts.context().queuedFaults() };
  });

  app.get('/ledger', async () => opts.context().payments.ledger.totals());

  // Rules never hit and model requests that matched no rule, each with the nearest rule (README "Record and replay").
  app.get('/coverage', async () => opts.context().coverage());
}
