import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Account } from '../../payment/ledger.ts';
import { RedemptionError } from '../../payment/mint.ts';
import type { Payments } from '../../payment/payments.ts';
import { jsonBody } from '../body.ts';
import { NodeError } from '../errors.ts';
import type { RouteOptions } from './chat.ts';

/**
 * The account endpoints of real nodes (routstr-node-api.md §1.3), mounted under /v1/balance and
 * the deprecated /v1/wallet. Amounts are msats; refund amounts are strings, as on real nodes.
 */

const detail = (status: number, message: string | Record<string, unknown>, headers: Record<string, string> = {}) =>
  new NodeError(status, { family: 'http_exception', detail: message }, headers);

/** FastAPI's own 422 for a missing required input (no request_id in the body). */
function fastapiMissing(location: 'header' | 'query' | 'body', name: string): NodeError {
  return new NodeError(422, { family: 'validation', detail: [{ type: 'missing', loc: [location, name], msg: 'Field required', input: null }] });
}

function redemptionFailure(err: unknown): unknown {
  if (!(err instanceof RedemptionError)) return err;
  const { status, type, code, message } = err.info;
  return detail(status, { error: { message, type, code } });
}

/** `get_key_from_header`: the Authorization header is required and must be a Bearer credential. */
function bearerAccount(payments: Payments, request: FastifyRequest): Account {
  const authorization = request.headers.authorization;
  if (authorization === undefined) throw fastapiMissing('header', 'authorization');
  if (!authorization.startsWith('Bearer ')) throw detail(401, "Invalid authorization. Use 'Bearer <cashu-token>' or 'Bearer <api-key>'");
  return payments.accountFor(authorization);
}

function accountInfo(payments: Payments, account: Account) {
  return {
    api_key: account.key,
    balance: payments.ledger.available(account),
    reserved: account.reserved,
    is_child: false,
    total_requests: account.totalRequests,
    total_spent: account.totalSpent,
    balance_limit: null,
    balance_limit_reset: null,
    validity_date: account.validityDate ?? null,
  };
}

/** The refund body: `sats` for sat-denominated keys, `msats` otherwise, both as strings. */
function refundBody(token: string, amount: number, unit: string) {
  return unit === 'sat' ? { token, sats: String(amount) } : { token, msats: String(amount) };
}

function stringParam(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

async function balanceEndpoints(app: FastifyInstance, opts: RouteOptions): Promise<void> {
  const payments = () => opts.context().payments;

  const info = async (request: FastifyRequest) => accountInfo(payments(), bearerAccount(payments(), request));
  app.get('/info', info);
  app.get('/', info);

  const create = async (token: string | undefined) => {
    if (!token) throw fastapiMissing('query', 'initial_balance_token');
    try {
      const account = payments().accountFromToken(token);
      return { api_key: account.key, balance: payments().ledger.available(account) };
    } catch (err) {
      throw err instanceof NodeError ? err : redemptionFailure(err);
    }
  };
  app.get<{ Querystring: Record<string, string> }>('/create', async (request) => create(stringParam(request.query.initial_balance_token)));
  app.post<{ Querystring: Record<string, string> }>('/create', async (request) =>
    create(stringParam(jsonBody(request).initial_balance_token) ?? stringParam(request.query.initial_balance_token)),
  );

  app.post<{ Querystring: Record<string, string> }>('/topup', async (request) => {
    const account = bearerAccount(payments(), request);
    const body = request.body === undefined || request.body === null ? {} : jsonBody(request);
    const token = stringParam(body.cashu_token) ?? stringParam(request.query.cashu_token);
    if (!token) throw detail(400, 'A cashu_token is required.');
    if (token.length < 10 || !token.includes('cashu')) throw detail(400, 'Invalid token format');
    try {
      return { msats: payments().topUp(account, token) };
    } catch (err) {
      throw redemptionFailure(err);
    }
  });

  app.post('/refund', async (request, reply) => {
    const xcashu = request.headers['x-cashu'];
    if (typeof xcashu === 'string' && xcashu.trim() !== '' && request.headers.authorization === undefined) {
      const record = payments().xcashuRecord(xcashu.trim());
      if (!record) throw detail(404, 'Refund not found');
      if (record.state === 'pending') throw detail(425, 'Refund is pending; retry shortly.', { 'retry-after': '2' });
      if (!record.token) throw detail(404, 'Refund not found');
      reply.header('x-cashu', record.token);
      return refundBody(record.token, record.amount, record.unit);
    }
    const authorization = request.headers.authorization;
    if (authorization === undefined) throw fastapiMissing('header', 'authorization');
    const credential = authorization.replace(/^Bearer\s+/i, '').trim();
    const account = credential.startsWith('sk-') ? payments().ledger.get(credential) : bearerAccount(payments(), request);
    if (!account) {
      throw detail(401, {
        error: {
          message: 'Key not found. Deposit first via /v1/wallet/create before requesting a refund.',
          type: 'invalid_request_error',
          code: 'key_not_found',
        },
      });
    }
    // A repeated refund returns the same token (real nodes cache it for an hour).
    const cached = account.lastRefund;
    if (account.balance === 0 && cached) return refundBody(cached.token, cached.amount, cached.unit);
    if (account.balance <= 0) throw detail(400, 'No balance to refund');
    if (payments().ledger.hasOpenReservations(account)) throw detail(400, 'Cannot refund key. There are ongoing requests for this api key.');
    const issued = payments().mint.issue(account.balance, account.refundUnit, account.refundMint);
    if (!issued) throw detail(400, 'Balance too small to refund');
    payments().ledger.withdrawAll(account, 'refund');
    account.lastRefund = { token: issued.token, amount: issued.amount, unit: account.refundUnit };
    return refundBody(issued.token, issued.amount, account.refundUnit);
  });

  app.get('/history', async (request) => {
    const account = bearerAccount(payments(), request);
    return { transactions: [...account.history].reverse() };
  });

  // Everything else under the prefix, any method, is the same 404 as on real nodes.
  app.all('/*', async () => {
    throw detail(404, 'Not found check /docs for available endpoints');
  });
}

/** GET /v1/info and the account endpoints; only under /v1, as on real nodes. */
export async function nodeRoutes(app: FastifyInstance, opts: RouteOptions): Promise<void> {
  const { context } = opts;
  app.get('/info', async () => {
    const { node } = context().scenario;
    return {
      name: node.name,
      description: node.description,
      version: node.version,
      npub: node.npub,
      mints: node.mints,
      http_url: node.http_url,
      onion_url: node.onion_url,
      child_key_cost_msats: node.child_key_cost_msats,
    };
  });
  await app.register(balanceEndpoints, { context, heavyWork: opts.heavyWork, prefix: '/balance' });
  await app.register(balanceEndpoints, { context, heavyWork: opts.heavyWork, prefix: '/wallet' });
}
