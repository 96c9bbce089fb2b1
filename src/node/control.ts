import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ScenarioError, type ScenarioInput, lintScenario } from '../scenario/loader.ts';
import type { FaultSpec, Scenario, WhenSpec } from '../scenario/types.ts';
import { RawBody } from './body.ts';
import type { NodeContext } from './context.ts';
import type { Journal, JournalFilter } from './journal.ts';

/**
 * The control plane under /__mock/: journal, reset, scenario loading, funded keys and queued
 * one-shot faults. Loopback callers only, unless a control token is configured; then the token is
 * required from everyone.
 */

export interface ControlOptions {
  context: () => NodeContext;
  journal: Journal;
  /** Replaces the active scenario; throws ScenarioError and changes nothing when invalid. */
  loadScenario: (input: ScenarioInput) => Scenario;
  /** Fresh state (money, counters, queued faults) for the active scenario. */
  reset: () => void;
  controlToken?: string;
}

function isLoopback(address: string | undefined): boolean {
  if (!address) return false;
  return address === '::1' || address.startsWith('127.') || address.startsWith('::ffff:127.');
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

const problem = (status: number, message: string, extra: Record<string, unknown> = {}) => ({ status, body: { error: { message, type: 'control_error', ...extra } } });

function scenarioInputOf(body: unknown): ScenarioInput | undefined {
  if (body instanceof RawBody) return body.bytes.toString('utf8');
  if (body && typeof body === 'object' && !Array.isArray(body)) return body as Record<string, unknown>;
  return undefined;
}

/** A queued fault is checked exactly like a scenario rule, so the same mistakes get the same messages. */
function queuedFaultProblems(fault: unknown, when: unknown): string[] {
  if (!fault || typeof fault !== 'object') return ['body.fault must be an object with a "type"'];
  const rule = when === undefined ? { fault } : { fault, when };
  return lintScenario({ version: 1, extends: 'none', rules: [rule] }).map((p) => p.message.replace('/rules/0/', '/'));
}

export async function controlRoutes(app: FastifyInstance, opts: ControlOptions): Promise<void> {
  app.addHook('onRequest', async (request, reply) => {
    if (opts.controlToken) {
      if (!tokenMatches(presentedToken(request), opts.controlToken)) {
        const p = problem(401, 'the control plane needs the control token (x-mock-control-token or Bearer)');
        return reply.code(p.status).send(p.body);
      }
    } else if (!isLoopback(request.socket.remoteAddress)) {
      const p = problem(403, 'the control plane answers on loopback only; start the node with a control token to reach it from elsewhere');
      return reply.code(p.status).send(p.body);
    }
  });

  app.get('/health', async () => ({ ok: true }));

  app.get<{ Querystring: Record<string, string> }>('/journal', async (request) => {
    const q = request.query;
    const filter: JournalFilter = {
      ...(q.path ? { path: q.path } : {}),
      ...(q.method ? { method: q.method } : {}),
      ...(q.model ? { model: q.model } : {}),
      ...(q.rule ? { rule: q.rule } : {}),
      ...(q.fault ? { fault: q.fault } : {}),
      ...(q.status ? { status: Number(q.status) } : {}),
      ...(q.since ? { since: q.since } : {}),
      ...(q.limit ? { limit: Number(q.limit) } : {}),
    };
    return { entries: opts.journal.list(filter) };
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
      const s = opts.loadScenario(input);
      return { ok: true, name: s.name, seed: s.seed, models: s.models.length, rules: s.rules.length };
    } catch (err) {
      if (!(err instanceof ScenarioError)) throw err;
      const p = problem(400, 'invalid scenario; the active scenario is unchanged', { problems: err.problems });
      return reply.code(p.status).send(p.body);
    }
  });

  app.post('/keys', async (request, reply) => {
    const body = (request.body && typeof request.body === 'object' ? request.body : {}) as { key?: unknown; balance_msats?: unknown };
    const balance = body.balance_msats ?? 0;
    if (typeof balance !== 'number' || !Number.isInteger(balance) || balance < 0) {
      const p = problem(400, 'balance_msats must be a non-negative integer (millisats)');
      return reply.code(p.status).send(p.body);
    }
    const key = typeof body.key === 'string' && body.key.startsWith('sk-') ? body.key : `sk-${randomBytes(32).toString('hex')}`;
    opts.context().payments.ledger.addFunded(key, balance);
    return { key, balance_msats: balance };
  });

  app.get('/faults', async () => ({ queued: opts.context().queuedFaults() }));
  app.post('/faults', async (request, reply) => {
    const body = (request.body && typeof request.body === 'object' ? request.body : {}) as { fault?: unknown; count?: unknown; when?: unknown };
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
}
