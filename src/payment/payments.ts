import { RecentMap } from '../limits/recent-map.ts';
import { NodeError } from '../node/errors.ts';
import type { ModelSpec, Scenario } from '../scenario/types.ts';
import { type CostData, formatMsats } from './billing.ts';
import { InvalidCashuTokenError, decodeToken, tokenHash } from './cashu.ts';
import { type Account, Ledger, type Reservation } from './ledger.ts';
import { FakeMint, RedemptionError, type Redeemed } from './mint.ts';

/**
 * Who pays for a request and how, as real nodes decide it (routstr-node-api.md §2): a Bearer
 * `sk-` key or Cashu token backed by an account, or an X-Cashu token spent on this one request.
 * `authorize` runs before the work and reserves; `settle` or `fail` runs after it, exactly once.
 */

export type Payer = { mode: 'bearer'; account: Account; reservation: Reservation } | { mode: 'xcashu'; token: string; redeemed: Redeemed; reserved: number };

export interface Settlement {
  charged: number;
  /** The account balance after settling (bearer), for `remaining_balance_msats`. */
  remainingBalance?: number;
  /** X-Cashu change, returned in the `X-Cashu` response header. */
  changeToken?: string;
}

/** What an X-Cashu payment left behind, for recovering lost change through /v1/balance/refund. */
interface XCashuRecord {
  state: 'pending' | 'settled';
  /** Change or full refund token; absent when the whole token was spent. */
  token?: string;
  amount: number;
  unit: string;
}

export interface PaymentHeaders {
  authorization?: string | string[];
  'x-cashu'?: string | string[];
}

function header(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

export const authErrors = {
  unauthorized: () => new NodeError(401, { family: 'http_exception', detail: 'Unauthorized' }),
  missingKey: () =>
    new NodeError(401, {
      family: 'http_exception',
      detail: { error: { message: 'API key or Cashu token required', type: 'invalid_request_error', code: 'missing_api_key' } },
    }),
  invalidKey: () =>
    new NodeError(401, {
      family: 'http_exception',
      detail: {
        error: {
          message: "Invalid API key format. Expected an 'sk-...' API key or a 'cashu...' token.",
          type: 'invalid_request_error',
          code: 'invalid_api_key',
        },
      },
    }),
  keyExpired: () =>
    new NodeError(403, {
      family: 'http_exception',
      detail: { error: { message: 'API key has expired (validity date reached).', type: 'invalid_request_error', code: 'key_expired' } },
    }),
  insufficientForModel: (required: number, available: number) =>
    new NodeError(402, {
      family: 'http_exception',
      detail: {
        error: {
          message: `Insufficient balance: ${formatMsats(required)} required for this model; ${formatMsats(available)} available.`,
          type: 'insufficient_quota',
          code: 'insufficient_balance',
        },
      },
    }),
  /** The race variant: the pre-check passed but another request reserved first. */
  insufficientAtReservation: (required: number, available: number) =>
    new NodeError(402, {
      family: 'http_exception',
      detail: {
        error: {
          message: `Insufficient balance: ${required} mSats required. ${available} available.`,
          type: 'insufficient_quota',
          code: 'insufficient_balance',
        },
      },
    }),
  xcashuUndecodable: () => new NodeError(401, { family: 'http_exception', detail: 'Invalid authentication token format' }),
  xcashuTooSmall: (required: number, model: string) =>
    new NodeError(402, {
      family: 'http_exception',
      detail: { reason: 'Insufficient balance', amount_required_msat: required, model, type: 'minimum_balance_required' },
    }),
};

/** A redemption failure as the Bearer path reports it (HTTPException carrying the error). */
function bearerRedemptionError(err: RedemptionError): NodeError {
  const { status, type, code, message } = err.info;
  return new NodeError(status, { family: 'http_exception', detail: { error: { message, type, code } } });
}

/** A redemption failure on the X-Cashu path: direct envelope, the token echoed back if still spendable. */
function xcashuRedemptionError(err: RedemptionError, token: string): NodeError {
  const { status, type, code, message } = err.info;
  return new NodeError(status, { family: 'direct', error: { message, type, code } }, err.tokenStillSpendable ? { 'x-cashu': token } : {});
}

/** Refunds of refused X-Cashu requests that `/v1/balance/refund` can still hand out again. */
export const REFUNDS_KEPT = 10_000;

export class Payments {
  readonly ledger: Ledger;
  readonly mint: FakeMint;
  /** What X-Cashu payments of accepted requests left behind (change), by token hash: kept for good. */
  private readonly xcashu = new Map<string, XCashuRecord>();
  /** What refused X-Cashu requests left behind (their refund), the most recent only. */
  private readonly refunds = new RecentMap<string, XCashuRecord>(REFUNDS_KEPT);

  constructor(scenario: Scenario) {
    const primary = scenario.node.mints[0] ?? 'http://mint.mock.local';
    this.mint = new FakeMint(scenario.node.mints, primary);
    this.ledger = new Ledger(scenario.keys, primary);
  }

  /**
   * The account behind a Bearer credential: an `sk-` key, or a Cashu token redeemed into a new
   * account keyed `sk-` + sha256(token) (credited even if the request then fails, as real nodes do).
   */
  accountFor(authorization: string | undefined): Account {
    if (authorization === undefined) throw authErrors.unauthorized();
    const match = /^Bearer\s+(.*)$/i.exec(authorization.trim());
    const credential = match?.[1]?.trim() ?? '';
    if (!match || credential === '') throw authErrors.missingKey();
    if (credential.startsWith('sk-')) {
      const account = this.ledger.get(credential);
      if (!account) throw authErrors.invalidKey();
      return account;
    }
    if (credential.startsWith('cashu')) return this.accountFromToken(credential);
    throw authErrors.invalidKey();
  }

  /** Same token → same account; the token is redeemed only the first time. */
  accountFromToken(token: string): Account {
    const key = FakeMint.keyFor(token);
    const existing = this.ledger.get(key);
    if (existing) return existing;
    let redeemed: Redeemed;
    try {
      redeemed = this.mint.redeem(token, this.ledger.room());
    } catch (err) {
      if (err instanceof RedemptionError) throw bearerRedemptionError(err);
      throw err;
    }
    return this.ledger.openAccount(key, redeemed.msats, 'cashu_token', redeemed.token.mint, redeemed.token.unit).account;
  }

  /** Authenticates and holds `reserve` msats before the work starts. */
  authorize(headers: PaymentHeaders, model: ModelSpec, reserve: number): Payer {
    const xcashu = header(headers['x-cashu']);
    if (xcashu) return this.authorizeXCashu(xcashu.trim(), model, reserve);
    const account = this.accountFor(header(headers.authorization));
    if (account.validityDate !== undefined && account.validityDate <= Date.now() / 1000) throw authErrors.keyExpired();
    const available = this.ledger.available(account);
    if (available < reserve) throw authErrors.insufficientForModel(reserve, available);
    const held = this.ledger.reserve(account, reserve);
    if (!held.ok) throw authErrors.insufficientAtReservation(reserve, held.available);
    return { mode: 'bearer', account, reservation: held.reservation };
  }

  private authorizeXCashu(token: string, model: ModelSpec, reserve: number): Payer {
    // The pre-check only decodes: a token that decodes but cannot be redeemed (foreign mint, zero
    // value, repeated proofs) fails at redemption below with the taxonomy, not as undecodable.
    let amount: number;
    try {
      amount = decodeToken(token).amountMsats;
    } catch (err) {
      if (err instanceof InvalidCashuTokenError) throw authErrors.xcashuUndecodable();
      throw err;
    }
    if (amount < reserve) throw authErrors.xcashuTooSmall(reserve, model.id);
    let redeemed: Redeemed;
    try {
      redeemed = this.mint.redeem(token, this.ledger.room());
    } catch (err) {
      if (err instanceof RedemptionError) throw xcashuRedemptionError(err, token);
      throw err;
    }
    this.xcashu.set(tokenHash(token), { state: 'pending', amount: redeemed.msats, unit: redeemed.token.unit });
    return { mode: 'xcashu', token, redeemed, reserved: reserve };
  }

  /** Credits a top-up token to an account; a token that would lift it past the ceiling is refused unspent. */
  topUp(account: Account, token: string): number {
    const redeemed = this.mint.redeem(token, this.ledger.room(account));
    this.ledger.credit(account, redeemed.msats, 'topup', redeemed.token.mint);
    return redeemed.msats;
  }

  /**
   * Charges the request's cost. Bearer: from the reservation. X-Cashu: the change, if any, comes
   * back as a token (`withChange: false` for passthrough endpoints, where real nodes keep it all).
   */
  settle(payer: Payer, cost: CostData, withChange = true): Settlement {
    if (payer.mode === 'bearer') {
      const charged = this.ledger.settle(payer.reservation, cost.total_msats);
      return { charged, remainingBalance: payer.account.balance };
    }
    const { token } = payer;
    const { unit, mint } = payer.redeemed.token;
    const paid = payer.redeemed.msats;
    const charged = Math.min(paid, unit === 'sat' ? Math.ceil(cost.total_msats / 1000) * 1000 : cost.total_msats);
    const change = withChange ? this.mint.issue(paid - charged, unit, mint) : undefined;
    this.ledger.recordXCashu(paid, paid - (change ? (unit === 'sat' ? change.amount * 1000 : change.amount) : 0));
    this.xcashu.set(tokenHash(token), { state: 'settled', ...(change ? { token: change.token } : {}), amount: change?.amount ?? 0, unit });
    return { charged, ...(change ? { changeToken: change.token } : {}) };
  }

  /**
   * A failed request costs nothing: Bearer releases the hold; X-Cashu returns the whole value as a
   * new token, as real nodes do. What a refused token leaves behind (its spent secrets, the refund
   * to fetch again) is kept among the most recent only, so a flood of forged tokens stays bounded.
   */
  fail(payer: Payer): { refundToken?: string } {
    if (payer.mode === 'bearer') {
      this.ledger.release(payer.reservation);
      return {};
    }
    const { token } = payer;
    const { unit, mint } = payer.redeemed.token;
    const refund = this.mint.issue(payer.redeemed.msats, unit, mint);
    this.ledger.recordXCashu(payer.redeemed.msats, 0);
    this.mint.markRefused(payer.redeemed.token);
    this.xcashu.delete(tokenHash(token));
    this.refunds.set(tokenHash(token), { state: 'settled', ...(refund ? { token: refund.token } : {}), amount: refund?.amount ?? 0, unit });
    return refund ? { refundToken: refund.token } : {};
  }

  /** What an earlier X-Cashu payment left behind (for /v1/balance/refund with X-Cashu). */
  xcashuRecord(token: string): XCashuRecord | undefined {
    const hash = tokenHash(token);
    return this.xcashu.get(hash) ?? this.refunds.get(hash);
  }
}
