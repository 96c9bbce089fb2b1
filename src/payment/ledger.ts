import { randomUUID } from 'node:crypto';
import type { CashuUnit } from './cashu.ts';
import { MAX_ACCOUNT_MSATS, MAX_LEDGER_MSATS } from './limits.ts';

/**
 * Accounts and money, in integer millisats. Every method is one atomic step: it runs to the end
 * without awaiting, so concurrent requests interleave only between steps, never inside one. A
 * shared store (e.g. Redis with scripts) can implement the same steps to back several mock nodes.
 *
 * Conservation: initial + credited − charged − refunded = Σ balances, always (see `totals`).
 * Exactness: no account holds more than MAX_ACCOUNT_MSATS and initial + credited never passes
 * MAX_LEDGER_MSATS, so every one of these sums is a safe integer. Doors check `room` first.
 */

export interface Account {
  /** The full API key, `sk-…`. */
  key: string;
  /** Millisats, reserved part included. */
  balance: number;
  reserved: number;
  totalRequests: number;
  totalSpent: number;
  createdAt: number;
  /** Where refunds go: the mint and unit of the token that funded the account. */
  refundMint: string;
  refundUnit: CashuUnit;
  /** Unix seconds after which the key is refused with 403 key_expired. */
  validityDate?: number;
  history: Transaction[];
  /** The last refund token, returned again if the refund is repeated. */
  lastRefund?: { token: string; amount: number; unit: CashuUnit };
}

export interface Transaction {
  id: string;
  type: 'in' | 'out';
  source: string;
  amount: number;
  unit: 'msat';
  mint_url: string;
  created_at: number;
  collected: boolean;
  swept: boolean;
}

export interface Reservation {
  readonly id: string;
  readonly key: string;
  readonly amount: number;
}

export interface LedgerTotals {
  initial: number;
  credited: number;
  charged: number;
  refunded: number;
  balances: number;
  reserved: number;
  openReservations: number;
}

/** Money past the ceilings of limits.ts reached the ledger: a door forgot to check `room`. */
export class LedgerCeilingError extends RangeError {}

/** A key was replaced while a request of it still holds a reservation. */
export class KeyInFlightError extends Error {}

export type ReserveResult = { ok: true; reservation: Reservation } | { ok: false; available: number };

const now = () => Math.floor(Date.now() / 1000);

export class Ledger {
  private readonly accounts = new Map<string, Account>();
  private readonly open = new Map<string, Reservation>();
  private initial = 0;
  private credited = 0;
  private charged = 0;
  private refunded = 0;

  constructor(
    seedAccounts: readonly { key: string; balance_msats: number }[],
    private readonly defaultMint: string,
  ) {
    for (const { key, balance_msats } of seedAccounts) {
      this.admit(balance_msats, 0, 0);
      this.accounts.set(key, this.newAccount(key, balance_msats, defaultMint, 'sat'));
      this.initial += balance_msats;
    }
  }

  /** Millisats that may still come in, to `account` (or to a new one), within both ceilings. */
  room(account?: Account): number {
    return Math.max(0, Math.min(MAX_ACCOUNT_MSATS - (account?.balance ?? 0), MAX_LEDGER_MSATS - this.initial - this.credited));
  }

  /** Millisats a key (re)funded by the control plane may hold: the old balance leaves the books. */
  roomToReplace(key: string): number {
    const previous = this.accounts.get(key)?.balance ?? 0;
    return Math.max(0, Math.min(MAX_ACCOUNT_MSATS, MAX_LEDGER_MSATS - this.initial - this.credited + previous));
  }

  /** The backstop behind the doors' checks: the ledger never holds an amount it cannot sum exactly. */
  private admit(msats: number, balance: number, leaving: number): void {
    if (!Number.isSafeInteger(msats) || msats < 0 || balance + msats > MAX_ACCOUNT_MSATS || this.initial + this.credited - leaving + msats > MAX_LEDGER_MSATS) {
      throw new LedgerCeilingError(`${msats} msats would pass the ledger's ceiling`);
    }
  }

  private newAccount(key: string, balance: number, refundMint: string, refundUnit: CashuUnit): Account {
    return { key, balance, reserved: 0, totalRequests: 0, totalSpent: 0, createdAt: now(), refundMint, refundUnit, history: [] };
  }

  get(key: string): Account | undefined {
    return this.accounts.get(key);
  }

  available(account: Account): number {
    return account.balance - account.reserved;
  }

  /** Creates an account funded with `msats`, or returns the existing one (then nothing is credited). */
  openAccount(key: string, msats: number, source: string, mint: string, unit: CashuUnit): { account: Account; created: boolean } {
    const existing = this.accounts.get(key);
    if (existing) return { account: existing, created: false };
    this.admit(msats, 0, 0);
    const account = this.newAccount(key, 0, mint, unit);
    this.accounts.set(key, account);
    this.credit(account, msats, source, mint);
    return { account, created: true };
  }

  /**
   * A funded account made by the control plane or a test, counted as initial money. A key with a
   * request in flight is not replaced: that request's settlement would land on the new account.
   */
  addFunded(key: string, msats: number): Account {
    const previous = this.accounts.get(key);
    if (previous && this.hasOpenReservations(previous)) throw new KeyInFlightError(`${key} has requests in flight`);
    this.admit(msats, 0, previous?.balance ?? 0);
    const account = this.newAccount(key, msats, this.defaultMint, 'sat');
    if (previous) this.initial -= previous.balance;
    this.accounts.set(key, account);
    this.initial += msats;
    return account;
  }

  credit(account: Account, msats: number, source: string, mint: string): void {
    this.admit(msats, account.balance, 0);
    account.balance += msats;
    this.credited += msats;
    account.history.push(this.transaction('in', source, msats, mint));
  }

  /** Holds `amount` if the available balance covers it; counts the request. */
  reserve(account: Account, amount: number): ReserveResult {
    const available = this.available(account);
    if (available < amount) return { ok: false, available };
    account.reserved += amount;
    account.totalRequests += 1;
    const reservation: Reservation = { id: randomUUID(), key: account.key, amount };
    this.open.set(reservation.id, reservation);
    return { ok: true, reservation };
  }

  /**
   * Charges `cost` against a reservation and frees the rest. A cost above the reservation is
   * charged up to the money no other request holds: the reservation plus the free balance.
   * Returns what was charged.
   */
  settle(reservation: Reservation, cost: number): number {
    if (!this.open.delete(reservation.id)) return 0;
    const account = this.accounts.get(reservation.key);
    if (!account) return 0;
    account.reserved -= reservation.amount;
    // routstr-core (routstr/auth.py adjust_payment_for_tokens, PR #623) charges min(balance, cost) on
    // overrun, which can take other requests' reservations; the mock stops at what is free.
    const charge = Math.max(0, Math.min(cost, account.balance - account.reserved));
    account.balance -= charge;
    account.totalSpent += charge;
    this.charged += charge;
    return charge;
  }

  /** Frees a reservation without charging: failed and faulted requests cost nothing. */
  release(reservation: Reservation): void {
    this.settle(reservation, 0);
  }

  /**
   * An X-Cashu payment: `paid` came in with the token, `kept` was charged, the rest went back out
   * as change. No account is involved, so balances do not move.
   */
  recordXCashu(paid: number, kept: number): void {
    this.admit(paid, 0, 0);
    this.credited += paid;
    this.charged += kept;
    this.refunded += paid - kept;
  }

  /** Empties an account for a refund; returns the millisats taken out. */
  withdrawAll(account: Account, destination: string): number {
    const amount = account.balance;
    account.balance = 0;
    this.refunded += amount;
    account.history.push(this.transaction('out', destination, amount, account.refundMint));
    return amount;
  }

  hasOpenReservations(account: Account): boolean {
    return account.reserved > 0;
  }

  totals(): LedgerTotals {
    let balances = 0;
    let reserved = 0;
    for (const a of this.accounts.values()) {
      balances += a.balance;
      reserved += a.reserved;
    }
    return {
      initial: this.initial,
      credited: this.credited,
      charged: this.charged,
      refunded: this.refunded,
      balances,
      reserved,
      openReservations: this.open.size,
    };
  }

  private transaction(type: 'in' | 'out', source: string, amount: number, mint: string): Transaction {
    return { id: randomUUID(), type, source, amount, unit: 'msat', mint_url: mint, created_at: now(), collected: type === 'out', swept: false };
  }
}
