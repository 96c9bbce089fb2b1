import { type CashuUnit, type DecodedToken, InvalidCashuTokenError, decodeToken, mintToken, tokenHash } from './cashu.ts';
import { RecentMap } from '../limits/recent-map.ts';
import { MAX_ACCOUNT_MSATS } from './limits.ts';

/**
 * The mock's own fake mint. It accepts tokens from the scenario's mints (proofs need not be
 * signed), remembers every spent proof secret, and issues change and refund tokens that it
 * accepts back. Redemption failures use routstr-core's taxonomy (routstr-node-api.md §3.3).
 */

export interface RedemptionErrorInfo {
  status: number;
  type: string;
  code: string;
  message: string;
}

export class RedemptionError extends Error {
  constructor(readonly info: RedemptionErrorInfo) {
    super(info.message);
    this.name = 'RedemptionError';
  }

  /** Whether the token is still spendable after this failure (real nodes then echo it back in X-Cashu). */
  get tokenStillSpendable(): boolean {
    return !['cashu_token_already_spent', 'cashu_token_consumed', 'cashu_token_zero_value', 'internal_error'].includes(this.info.code);
  }
}

export const redemptionErrors = {
  invalid: (): RedemptionErrorInfo => ({ status: 400, type: 'invalid_token', code: 'invalid_cashu_token', message: 'Invalid Cashu token' }),
  alreadySpent: (): RedemptionErrorInfo => ({
    status: 400,
    type: 'token_already_spent',
    code: 'cashu_token_already_spent',
    message: 'Cashu token already spent',
  }),
  zeroValue: (): RedemptionErrorInfo => ({
    status: 400,
    type: 'cashu_error',
    code: 'cashu_token_zero_value',
    message: 'Failed to redeem Cashu token: token yielded no value',
  }),
  /** Not a routstr-core error: the mock refuses what its ledger could not hold exactly (src/payment/limits.ts). */
  tooLarge: (msats: number, room: number): RedemptionErrorInfo => ({
    status: 400,
    type: 'invalid_token',
    code: 'cashu_token_amount_too_large',
    message: `Cashu token worth ${msats} msats is more than this node can take in (at most ${room} msats); nothing was spent`,
  }),
  foreignMint: (): RedemptionErrorInfo => ({
    status: 422,
    type: 'mint_error',
    code: 'cashu_foreign_mint_swap_failed',
    message: 'Failed to swap token from foreign mint',
  }),
};

export interface Redeemed {
  token: DecodedToken;
  msats: number;
}

/** Proof secrets of refused payments remembered at most (a flood of forged tokens must not grow the node). */
export const REFUSED_PROOFS_KEPT = 100_000;

export class FakeMint {
  /** Secrets of tokens the node accepted: kept for good, so double spending them is always caught. */
  private readonly spent = new Set<string>();
  /** Secrets of tokens redeemed for a request that then failed (and was refunded): the most recent only. */
  private readonly refusedSpent: RecentMap<string, true>;
  private readonly trusted: Set<string>;

  constructor(
    mints: readonly string[],
    readonly primary: string,
    refusedProofsKept = REFUSED_PROOFS_KEPT,
  ) {
    this.trusted = new Set(mints.map(normaliseMintUrl));
    this.refusedSpent = new RecentMap(refusedProofsKept);
  }

  /** Decodes and checks a token without spending it. */
  inspect(token: string): DecodedToken {
    let decoded: DecodedToken;
    try {
      decoded = decodeToken(token);
    } catch (err) {
      if (err instanceof InvalidCashuTokenError) throw new RedemptionError(redemptionErrors.invalid());
      throw err;
    }
    if (!this.trusted.has(normaliseMintUrl(decoded.mint))) throw new RedemptionError(redemptionErrors.foreignMint());
    if (decoded.amountMsats <= 0) throw new RedemptionError(redemptionErrors.zeroValue());
    // A mint refuses a token that lists the same proof twice.
    if (new Set(decoded.proofs.map((p) => p.secret)).size !== decoded.proofs.length) throw new RedemptionError(redemptionErrors.invalid());
    return decoded;
  }

  /** True when any proof of the token has been spent. */
  isSpent(token: DecodedToken): boolean {
    return token.proofs.some((p) => this.spent.has(p.secret) || this.refusedSpent.has(p.secret));
  }

  /**
   * Spends every proof of a token at once, or none (a second use is cashu_token_already_spent).
   * A token worth more than `room` msats is refused before anything is spent.
   */
  redeem(token: string, room = MAX_ACCOUNT_MSATS): Redeemed {
    const decoded = this.inspect(token);
    const limit = Math.min(room, MAX_ACCOUNT_MSATS);
    if (decoded.amountMsats > limit) throw new RedemptionError(redemptionErrors.tooLarge(decoded.amountMsats, limit));
    if (this.isSpent(decoded)) throw new RedemptionError(redemptionErrors.alreadySpent());
    for (const p of decoded.proofs) this.spent.add(p.secret);
    return { token: decoded, msats: decoded.amountMsats };
  }

  /**
   * Moves a redeemed token's secrets among the refused ones, for a request that failed after
   * redemption: its second use is still caught while it is recent, but a flood of them is bounded.
   */
  markRefused(token: DecodedToken): void {
    for (const p of token.proofs) {
      this.spent.delete(p.secret);
      this.refusedSpent.set(p.secret, true);
    }
  }

  /** A fresh token worth `msats` (rounded down to whole sats for a sat token). */
  issue(msats: number, unit: CashuUnit, mint = this.primary, format: 'A' | 'B' = 'A'): { token: string; amount: number } | undefined {
    const amount = unit === 'sat' ? Math.floor(msats / 1000) : msats;
    if (amount <= 0) return undefined;
    return { token: mintToken({ amount, unit, mint, format }), amount };
  }

  static keyFor(token: string): string {
    return `sk-${tokenHash(token)}`;
  }
}

function normaliseMintUrl(url: string): string {
  return url.trim().replace(/\/+$/, '').toLowerCase();
}
